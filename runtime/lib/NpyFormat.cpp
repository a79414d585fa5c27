//===- NpyFormat.cpp - Parsing the header of NumPy .npy files -------------===//

#include "NpyFormat.h"

#include <cstring>
#include <set>
#include <string_view>

using namespace tvq;
using namespace tvq::npy;

namespace {

/// NumPy's own limit on the number of dimensions.
constexpr size_t kMaxRank = 64;

/// A parser for the Python dict literal of a .npy header. Errors are
/// returned as messages without the file name.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  std::string parse(Header &header);

private:
  void skipSpace() {
    while (pos < text.size() && std::string_view(" \t\r\n").find(text[pos]) !=
                                    std::string_view::npos)
      ++pos;
  }
  /// Skips spaces, then consumes c if it is next.
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool parseString(std::string &value);
  bool parseBool(bool &value);
  std::string parseShape(std::vector<int64_t> &shape);

  std::string_view text;
  size_t pos = 0;
};

} // namespace

bool HeaderParser::parseString(std::string &value) {
  skipSpace();
  if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
    return false;
  char quote = text[pos];
  size_t end = text.find(quote, pos + 1);
  if (end == std::string_view::npos)
    return false;
  value = text.substr(pos + 1, end - pos - 1);
  if (value.find('\\') != std::string::npos)
    return false;
  pos = end + 1;
  return true;
}

bool HeaderParser::parseBool(bool &value) {
  skipSpace();
  for (bool meaning : {true, false}) {
    std::string_view word = meaning ? "True" : "False";
    if (text.substr(pos, word.size()) == word) {
      pos += word.size();
      value = meaning;
      return true;
    }
  }
  return false;
}

std::string HeaderParser::parseShape(std::vector<int64_t> &shape) {
  const std::string bad = "bad 'shape' (expected a tuple of non-negative "
                          "integers such as (2, 3))";
  if (!consume('('))
    return bad;
  shape.clear();
  while (!consume(')')) {
    skipSpace();
    size_t start = pos;
    int64_t dim = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (dim > (INT64_MAX - 9) / 10)
        return "'shape' has a dimension that is too large";
      dim = dim * 10 + (text[pos++] - '0');
    }
    if (pos == start)
      return bad;
    consume('L'); // Python 2 wrote long integers as 3L.
    shape.push_back(dim);
    if (shape.size() > kMaxRank)
      return "'shape' has more than " + std::to_string(kMaxRank) +
             " dimensions";
    if (!consume(',')) {
      if (!consume(')'))
        return bad;
      break;
    }
  }
  return "";
}

std::string HeaderParser::parse(Header &header) {
  if (!consume('{'))
    return "header is not a dict";
  std::set<std::string> seen;
  while (!consume('}')) {
    std::string key;
    if (!parseString(key) || !consume(':'))
      return "header is not a dict of the form {'key': value, ...}";
    if (!seen.insert(key).second)
      return "header repeats the key '" + key + "'";
    if (key == "descr") {
      skipSpace();
      if (pos < text.size() && text[pos] == '[')
        return "unsupported dtype: structured arrays are not supported";
      if (!parseString(header.descr))
        return "bad 'descr' (expected a dtype string such as '<f4')";
    } else if (key == "fortran_order") {
      if (!parseBool(header.fortranOrder))
        return "bad 'fortran_order' (expected True or False)";
    } else if (key == "shape") {
      if (std::string error = parseShape(header.shape); !error.empty())
        return error;
    } else {
      return "unexpected key '" + key + "' in header";
    }
    if (!consume(',')) {
      if (!consume('}'))
        return "header is not a dict of the form {'key': value, ...}";
      break;
    }
  }
  skipSpace();
  if (pos != text.size())
    return "unexpected text after the header dict";
  for (const char *key : {"descr", "fortran_order", "shape"})
    if (!seen.count(key))
      return std::string("header has no '") + key + "' key";
  return "";
}

std::string npy::readHeader(std::FILE *file, uint64_t fileSize,
                            Header &header) {
  unsigned char prefix[kMagicSize + 2];
  size_t got = std::fread(prefix, 1, sizeof(prefix), file);
  if (got < kMagicSize || std::memcmp(prefix, kMagic, kMagicSize) != 0)
    return "not a .npy file (bad magic string)";
  if (got < sizeof(prefix))
    return "truncated header (no format version)";
  unsigned major = prefix[kMagicSize], minor = prefix[kMagicSize + 1];
  if (major < 1 || major > 3 || minor != 0)
    return "unsupported .npy format version " + std::to_string(major) + "." +
           std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)";

  unsigned char lengthBytes[4] = {0, 0, 0, 0};
  size_t lengthSize = major == 1 ? 2 : 4;
  if (std::fread(lengthBytes, 1, lengthSize, file) != lengthSize)
    return "truncated header (no header length)";
  uint64_t headerLength = lengthBytes[0] | lengthBytes[1] << 8 |
                          uint64_t(lengthBytes[2]) << 16 |
                          uint64_t(lengthBytes[3]) << 24;
  uint64_t dataStart = kMagicSize + 2 + lengthSize + headerLength;
  if (dataStart > fileSize)
    return "truncated header (header length " + std::to_string(headerLength) +
           ", but the file has " + std::to_string(fileSize) + " bytes)";
  std::string headerText(headerLength, '\0');
  if (std::fread(headerText.data(), 1, headerLength, file) != headerLength)
    return "cannot read the header";
  header = Header();
  if (std::string error = HeaderParser(headerText).parse(header);
      !error.empty())
    return error;
  header.dataOffset = dataStart;
  return "";
}

std::string npy::typeCode(const std::string &descr, bool &bigEndian) {
  // '<' is little-endian; '=' (native) and '|' (not applicable) mean the same
  // on a little-endian host, as does no byte-order character.
  bigEndian = !descr.empty() && descr[0] == '>';
  if (!descr.empty() &&
      std::string_view("<=|>").find(descr[0]) != std::string_view::npos)
    return descr.substr(1);
  return descr;
}
