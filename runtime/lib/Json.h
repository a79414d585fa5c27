//===- Json.h - A strict JSON parser and string writer ----------*- C++ -*-===//
//
// Enough JSON (RFC 8259) for safetensors headers and metrics lines, with no
// external library. The parser is strict: one value followed only by
// whitespace, no comments, no trailing commas, no duplicate object keys, no
// raw control characters in strings, valid UTF-8, \u escapes with properly
// paired surrogates, and bounded nesting.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_JSON_H
#define TVQ_RUNTIME_JSON_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tvq::json {

/// One JSON value.
struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  /// A string's decoded text, or a number's literal text as written.
  std::string text;
  /// The byte offset of the value's first character in the parsed text (a
  /// string's opening quote).
  size_t offset = 0;
  /// An array's items, or an object's member values (in order).
  std::vector<Value> items;
  /// An object's member keys, parallel to items.
  std::vector<std::string> keys;

  /// The member called key of an object; null when absent.
  const Value *find(std::string_view key) const;
  /// The value of a number written as a plain non-negative integer (digits
  /// only) that fits in int64_t; nothing otherwise.
  std::optional<int64_t> asIndex() const;
};

/// A short name for a kind ("an object", "a string", ...) for messages.
const char *describe(Value::Kind kind);

/// Parses text as one JSON value followed only by whitespace. Returns "" on
/// success, else a message such as "at byte 12: expected ':' after an object
/// key".
std::string parse(std::string_view text, Value &value, size_t maxDepth = 64);

/// Whether text is valid UTF-8 (no overlong forms, surrogates or code points
/// above U+10FFFF), as JSON text must be.
bool isValidUtf8(std::string_view text);

/// Appends text as a JSON string literal (quotes, escapes for '"', '\\' and
/// control characters; other bytes as they are).
void appendString(std::string &out, std::string_view text);

/// Appends a number: the shortest "%.*g" text that reads back as the same
/// double, or `null` for NaN and infinities (which JSON cannot represent).
void appendNumber(std::string &out, double value);

} // namespace tvq::json

#endif // TVQ_RUNTIME_JSON_H
