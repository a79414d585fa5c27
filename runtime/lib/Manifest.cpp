//===- Manifest.cpp - Parser for the compiled-module manifest -------------===//
//
// The format is described in docs/abi.md. The parser is strict: fields are
// separated by single spaces, records appear in the documented order and
// indices count up from 0 (inputs, outputs) or 1 (checks). Only an empty
// last line (the text's final newline) is allowed besides the records.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"

#include "Dtype.h"

#include <charconv>
#include <cstdio>
#include <set>

using namespace tvq;

namespace {

/// Largest accepted rank and input/output count; guards against nonsense.
constexpr int64_t kMaxCount = 1 << 16;

/// Walks the manifest line by line and reports errors with line numbers.
class Parser {
public:
  Parser(std::string_view text, std::string &error)
      : text(text), error(error) {}

  bool parse(Manifest &manifest);

private:
  /// Moves to the next line; false at the end of the text.
  bool nextLine();
  /// Splits the current line into fields; false (with an error) on an empty
  /// field.
  bool splitFields();
  /// Fails on control characters (such as a '\r') in the current line.
  bool checkCharacters();
  bool fail(const std::string &message);
  /// Fails with "expected <what>, got '<line>'".
  bool expected(const std::string &what);
  /// Parses a decimal count in [0, kMaxCount].
  bool parseCount(std::string_view field, const char *what, int64_t &value);
  bool parseArg(const char *kind, int64_t index, ArgSpec &arg);
  bool parseEntry(EntrySpec &entry);

  std::string_view text;
  std::string &error;
  size_t pos = 0;
  int lineNumber = 0;
  std::string_view line;
  std::vector<std::string_view> fields;
};

} // namespace

bool Parser::nextLine() {
  if (pos >= text.size())
    return false;
  size_t end = text.find('\n', pos);
  if (end == std::string_view::npos)
    end = text.size();
  line = text.substr(pos, end - pos);
  pos = end + 1;
  ++lineNumber;
  return true;
}

bool Parser::splitFields() {
  fields.clear();
  if (!checkCharacters())
    return false;
  size_t start = 0;
  while (true) {
    size_t end = line.find(' ', start);
    std::string_view field = line.substr(start, end - start);
    if (field.empty())
      return fail("empty field (fields are separated by single spaces)");
    fields.push_back(field);
    if (end == std::string_view::npos)
      return true;
    start = end + 1;
  }
}

bool Parser::checkCharacters() {
  for (char c : line) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)
      continue;
    char code[8];
    std::snprintf(code, sizeof(code), "0x%02x", static_cast<unsigned char>(c));
    return fail(std::string("control character ") + code + " in line");
  }
  return true;
}

bool Parser::fail(const std::string &message) {
  error = "line " + std::to_string(lineNumber) + ": " + message;
  return false;
}

bool Parser::expected(const std::string &what) {
  std::string shown(line.substr(0, 100));
  if (line.size() > 100)
    shown += "...";
  return fail("expected " + what + ", got '" + shown + "'");
}

bool Parser::parseCount(std::string_view field, const char *what,
                        int64_t &value) {
  const char *end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc() || ptr != end || field[0] == '-' || value > kMaxCount)
    return fail(std::string("bad ") + what + " '" + std::string(field) +
                "' (expected a decimal number from 0 to " +
                std::to_string(kMaxCount) + ")");
  return true;
}

bool Parser::parseArg(const char *kind, int64_t index, ArgSpec &arg) {
  std::string want = std::string("'") + kind + " " + std::to_string(index) +
                     " <name> <dtype> <rank> <dims...>'";
  if (!nextLine())
    return fail("unexpected end of manifest, expected " + want);
  if (!splitFields())
    return false;
  if (fields.size() < 5 || fields[0] != kind ||
      fields[1] != std::to_string(index))
    return expected(want);
  arg.name = fields[2];
  if (!parseDtypeName(fields[3], arg.dtype))
    return fail("unknown dtype '" + std::string(fields[3]) +
                "' (expected f32, f64, i32 or i64)");
  int64_t rank;
  if (!parseCount(fields[4], "rank", rank))
    return false;
  if (fields.size() != 5 + static_cast<size_t>(rank))
    return fail(std::string(kind) + " '" + arg.name + "' has rank " +
                std::to_string(rank) + " but " +
                std::to_string(fields.size() - 5) + " dimensions");
  arg.dims.clear();
  for (size_t k = 5; k < fields.size(); ++k) {
    int64_t dim = -1;
    if (fields[k] != "?") {
      const char *end = fields[k].data() + fields[k].size();
      auto [ptr, ec] = std::from_chars(fields[k].data(), end, dim);
      if (ec != std::errc() || ptr != end || dim < 0)
        return fail("bad dimension '" + std::string(fields[k]) + "' of " +
                    kind + " '" + arg.name +
                    "' (expected a non-negative integer or '?')");
    }
    arg.dims.push_back(dim);
  }
  return true;
}

bool Parser::parseEntry(EntrySpec &entry) {
  // The current line is the `entry` record, already split into 4 fields.
  entry.name = fields[1];
  int64_t numInputs, numOutputs;
  if (!parseCount(fields[2], "input count", numInputs) ||
      !parseCount(fields[3], "output count", numOutputs))
    return false;
  entry.inputs.resize(numInputs);
  for (int64_t i = 0; i < numInputs; ++i)
    if (!parseArg("input", i, entry.inputs[i]))
      return false;
  entry.outputs.resize(numOutputs);
  for (int64_t j = 0; j < numOutputs; ++j)
    if (!parseArg("output", j, entry.outputs[j]))
      return false;
  while (true) {
    if (!nextLine())
      return fail("unexpected end of manifest in entry '" + entry.name +
                  "', expected 'check' or 'end'");
    if (line == "end")
      return true;
    // The message is the rest of the line, so it is not split into fields.
    if (!checkCharacters())
      return false;
    std::string prefix =
        "check " + std::to_string(entry.checks.size() + 1) + " ";
    if (line.substr(0, prefix.size()) != prefix || line.size() == prefix.size())
      return expected("'" + prefix + "<message>' or 'end'");
    entry.checks.emplace_back(line.substr(prefix.size()));
  }
}

bool Parser::parse(Manifest &manifest) {
  if (text.empty()) {
    error = "manifest is empty";
    return false;
  }
  if (!nextLine() || !splitFields() || fields.size() != 2 ||
      fields[0] != "tvq-manifest")
    return expected("'tvq-manifest " + std::to_string(kManifestVersion) + "'");
  const char *end = fields[1].data() + fields[1].size();
  auto [ptr, ec] = std::from_chars(fields[1].data(), end, manifest.version);
  if (ec != std::errc() || ptr != end)
    return expected("'tvq-manifest " + std::to_string(kManifestVersion) + "'");
  if (manifest.version != kManifestVersion) {
    error = "manifest version " + std::to_string(manifest.version) +
            " is not supported (this runtime reads version " +
            std::to_string(kManifestVersion) + ")";
    return false;
  }

  if (!nextLine())
    return fail("unexpected end of manifest, expected 'target <name>'");
  if (!splitFields())
    return false;
  if (fields.size() != 2 || fields[0] != "target")
    return expected("'target <name>'");
  manifest.target = fields[1];

  std::set<std::string> names;
  while (nextLine()) {
    // The text's final newline leaves one empty last line.
    if (line.empty() && pos >= text.size())
      break;
    if (!splitFields())
      return false;
    if (fields[0] != "entry" || fields.size() != 4)
      return expected("'entry <name> <n_inputs> <n_outputs>'");
    if (!names.insert(std::string(fields[1])).second)
      return fail("duplicate entry '" + std::string(fields[1]) + "'");
    EntrySpec entry;
    if (!parseEntry(entry))
      return false;
    manifest.entries.push_back(std::move(entry));
  }
  if (manifest.entries.empty()) {
    error = "manifest has no entries";
    return false;
  }
  return true;
}

bool tvq::parseManifest(std::string_view text, Manifest &manifest,
                        std::string &error) {
  manifest = Manifest();
  return Parser(text, error).parse(manifest);
}
