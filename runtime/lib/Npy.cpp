//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// The .npy format: the magic "\x93NUMPY", a major and minor version byte, the
// header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and
// 3.0), then the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a final newline, then the raw data. Reading accepts
// versions 1.0, 2.0 and 3.0, C-order arrays and the dtypes of tvq_dtype in
// little-endian or native byte order. Bytes after the data are ignored, as
// NumPy does. Writing produces version 1.0.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Tensor.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <sys/stat.h>

using namespace tvq;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy reader and writer assume a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
/// The .npy type codes (without byte order) indexed by tvq_dtype.
constexpr const char *kTypeCodes[] = {"f4", "f8", "i4", "i8"};
/// NumPy's own limit on the number of dimensions.
constexpr size_t kMaxRank = 64;

/// Closes a FILE on destruction.
struct FileCloser {
  void operator()(std::FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// The fields of a .npy header that matter.
struct Header {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

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

/// Maps a .npy descr to a dtype, or returns an error message.
static std::string parseDescr(const std::string &descr, tvq_dtype &dtype) {
  // '<' is little-endian; '=' (native) and '|' (not applicable) mean the same
  // on a little-endian host, as does no byte-order character.
  std::string type = descr;
  if (!type.empty() &&
      std::string_view("<=|>").find(type[0]) != std::string_view::npos)
    type = type.substr(1);
  for (tvq_dtype value : {TVQ_F32, TVQ_F64, TVQ_I32, TVQ_I64}) {
    if (type != kTypeCodes[value])
      continue;
    if (descr[0] == '>')
      return "unsupported dtype '" + descr +
             "': big-endian data is not supported";
    dtype = value;
    return "";
  }
  return "unsupported dtype '" + descr +
         "' (supported: '<f4', '<f8', '<i4', '<i8')";
}

tvq_tensor *tvq_npy_read(const char *path) {
  if (!path) {
    setError("tvq_npy_read: null path");
    return nullptr;
  }
  const std::string name = "'" + std::string(path) + "'";
  auto fail = [&](const std::string &message) -> tvq_tensor * {
    setError(name + ": " + message);
    return nullptr;
  };
  File file(std::fopen(path, "rb"));
  if (!file) {
    setError("cannot open " + name + ": " + std::strerror(errno));
    return nullptr;
  }
  struct stat info;
  if (fstat(fileno(file.get()), &info) != 0) {
    setError("cannot read " + name + ": " + std::strerror(errno));
    return nullptr;
  }
  if (S_ISDIR(info.st_mode)) {
    setError("cannot read " + name + ": it is a directory");
    return nullptr;
  }
  uint64_t fileSize = info.st_size;

  unsigned char prefix[kMagicSize + 2];
  size_t got = std::fread(prefix, 1, sizeof(prefix), file.get());
  if (got < kMagicSize || std::memcmp(prefix, kMagic, kMagicSize) != 0)
    return fail("not a .npy file (bad magic string)");
  if (got < sizeof(prefix))
    return fail("truncated header (no format version)");
  unsigned major = prefix[kMagicSize], minor = prefix[kMagicSize + 1];
  if (major < 1 || major > 3 || minor != 0)
    return fail("unsupported .npy format version " + std::to_string(major) +
                "." + std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");

  unsigned char lengthBytes[4] = {0, 0, 0, 0};
  size_t lengthSize = major == 1 ? 2 : 4;
  if (std::fread(lengthBytes, 1, lengthSize, file.get()) != lengthSize)
    return fail("truncated header (no header length)");
  uint64_t headerLength = lengthBytes[0] | lengthBytes[1] << 8 |
                          uint64_t(lengthBytes[2]) << 16 |
                          uint64_t(lengthBytes[3]) << 24;
  uint64_t dataStart = kMagicSize + 2 + lengthSize + headerLength;
  if (dataStart > fileSize)
    return fail("truncated header (header length " +
                std::to_string(headerLength) + ", but the file has " +
                std::to_string(fileSize) + " bytes)");
  std::string headerText(headerLength, '\0');
  if (std::fread(headerText.data(), 1, headerLength, file.get()) !=
      headerLength)
    return fail("cannot read the header");

  Header header;
  if (std::string error = HeaderParser(headerText).parse(header);
      !error.empty())
    return fail(error);
  tvq_dtype dtype;
  if (std::string error = parseDescr(header.descr, dtype); !error.empty())
    return fail(error);
  if (header.fortranOrder)
    return fail("fortran_order arrays are not supported (save a C-order "
                "array, e.g. with numpy.ascontiguousarray)");
  std::optional<int64_t> count =
      checkedNumElements(header.shape, tvq_dtype_size(dtype));
  if (!count)
    return fail("'shape' " + formatType(dtype, header.shape) + " is too large");

  // Check the size before allocating: a corrupt shape must not exhaust memory.
  uint64_t numBytes = static_cast<uint64_t>(*count) * tvq_dtype_size(dtype);
  uint64_t available = fileSize - dataStart;
  if (available < numBytes)
    return fail("truncated data (expected " + std::to_string(numBytes) +
                " bytes of data for " + formatType(dtype, header.shape) +
                ", found " + std::to_string(available) + ")");
  tvq_tensor *tensor = createTensor(dtype, header.shape);
  if (!tensor)
    return fail(tvq_last_error());
  if (std::fread(tensor->data, 1, tensor->numBytes, file.get()) !=
      tensor->numBytes) {
    tvq_tensor_destroy(tensor);
    return fail(std::string("cannot read the data: ") + std::strerror(errno));
  }
  return tensor;
}

/// The version 1.0 header text for tensor, padded so that the data starts at
/// a multiple of 64 bytes.
static std::string makeHeader(const tvq_tensor &tensor) {
  std::string shape = "(";
  for (size_t k = 0; k < tensor.shape.size(); ++k)
    shape += (k ? ", " : "") + std::to_string(tensor.shape[k]);
  if (tensor.shape.size() == 1)
    shape += ",";
  shape += ")";
  std::string header = std::string("{'descr': '<") + kTypeCodes[tensor.dtype] +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  return header;
}

int tvq_npy_write(const char *path, const tvq_tensor *tensor) {
  if (!path || !tensor) {
    setError("tvq_npy_write: null argument");
    return 1;
  }
  const std::string name = "'" + std::string(path) + "'";
  std::string header = makeHeader(*tensor);
  if (header.size() > 0xffff) {
    setError("cannot write " + name + ": the header is too long");
    return 1;
  }
  File file(std::fopen(path, "wb"));
  if (!file) {
    setError("cannot open " + name + " for writing: " + std::strerror(errno));
    return 1;
  }
  unsigned char prefix[kMagicSize + 4];
  std::memcpy(prefix, kMagic, kMagicSize);
  prefix[kMagicSize] = 1;
  prefix[kMagicSize + 1] = 0;
  prefix[kMagicSize + 2] = header.size() & 0xff;
  prefix[kMagicSize + 3] = header.size() >> 8;
  bool ok =
      std::fwrite(prefix, 1, sizeof(prefix), file.get()) == sizeof(prefix) &&
      std::fwrite(header.data(), 1, header.size(), file.get()) ==
          header.size() &&
      std::fwrite(tensor->data, 1, tensor->numBytes, file.get()) ==
          tensor->numBytes;
  ok = std::fclose(file.release()) == 0 && ok;
  if (!ok) {
    setError("cannot write " + name + ": " + std::strerror(errno));
    return 1;
  }
  return 0;
}
