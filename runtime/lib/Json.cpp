//===- Json.cpp - A strict JSON parser and string writer ------------------===//

#include "Json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace tvq;
using namespace tvq::json;

namespace {

/// A recursive-descent parser over text; the first error stops it.
class Parser {
public:
  Parser(std::string_view text, size_t maxDepth)
      : text(text), maxDepth(maxDepth) {}

  std::string run(Value &value) {
    if (!parseValue(value, 0))
      return error;
    skipSpace();
    if (pos != text.size())
      fail("unexpected text after the JSON value");
    return error;
  }

private:
  /// Records the first error at the current position; returns false.
  bool fail(const std::string &message) { return failAt(pos, message); }
  bool failAt(size_t at, const std::string &message) {
    if (error.empty())
      error = "at byte " + std::to_string(at) + ": " + message;
    return false;
  }

  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }

  void skipSpace() {
    while (!atEnd() && (text[pos] == ' ' || text[pos] == '\t' ||
                        text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool parseValue(Value &value, size_t depth);
  bool parseObject(Value &value, size_t depth);
  bool parseArray(Value &value, size_t depth);
  bool parseString(std::string &out);
  bool parseNumber(Value &value);
  bool parseLiteral(Value &value);
  bool parseEscape(std::string &out);
  bool parseHex4(uint32_t &code);
  bool copyUtf8(std::string &out);

  std::string_view text;
  size_t maxDepth;
  size_t pos = 0;
  std::string error;
};

/// Appends code point code (at most 0x10FFFF, not a surrogate) as UTF-8.
void appendUtf8(std::string &out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | code >> 6);
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | code >> 12);
    out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | code >> 18);
    out += static_cast<char>(0x80 | (code >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

} // namespace

bool Parser::parseValue(Value &value, size_t depth) {
  skipSpace();
  value.offset = pos;
  if (atEnd())
    return fail("unexpected end of text, expected a value");
  switch (peek()) {
  case '{':
    return parseObject(value, depth + 1);
  case '[':
    return parseArray(value, depth + 1);
  case '"':
    value.kind = Value::Kind::String;
    return parseString(value.text);
  case 't':
  case 'f':
  case 'n':
    return parseLiteral(value);
  default:
    if (peek() == '-' || isDigit(peek()))
      return parseNumber(value);
    return fail(std::string("unexpected character '") + peek() +
                "', expected a value");
  }
}

bool Parser::parseObject(Value &value, size_t depth) {
  if (depth > maxDepth)
    return fail("nesting deeper than " + std::to_string(maxDepth) + " levels");
  value.kind = Value::Kind::Object;
  ++pos; // '{'
  skipSpace();
  if (peek() == '}') {
    ++pos;
    return true;
  }
  while (true) {
    skipSpace();
    if (peek() != '"')
      return fail("expected a string key in an object");
    size_t keyStart = pos;
    std::string key;
    if (!parseString(key))
      return false;
    for (const std::string &existing : value.keys)
      if (existing == key)
        return failAt(keyStart, "duplicate key \"" + key + "\"");
    skipSpace();
    if (peek() != ':')
      return fail("expected ':' after an object key");
    ++pos;
    value.keys.push_back(std::move(key));
    value.items.emplace_back();
    if (!parseValue(value.items.back(), depth))
      return false;
    skipSpace();
    if (peek() == '}') {
      ++pos;
      return true;
    }
    if (peek() != ',')
      return fail("expected ',' or '}' in an object");
    ++pos;
  }
}

bool Parser::parseArray(Value &value, size_t depth) {
  if (depth > maxDepth)
    return fail("nesting deeper than " + std::to_string(maxDepth) + " levels");
  value.kind = Value::Kind::Array;
  ++pos; // '['
  skipSpace();
  if (peek() == ']') {
    ++pos;
    return true;
  }
  while (true) {
    value.items.emplace_back();
    if (!parseValue(value.items.back(), depth))
      return false;
    skipSpace();
    if (peek() == ']') {
      ++pos;
      return true;
    }
    if (peek() != ',')
      return fail("expected ',' or ']' in an array");
    ++pos;
  }
}

bool Parser::parseHex4(uint32_t &code) {
  code = 0;
  for (int i = 0; i < 4; ++i, ++pos) {
    char c = peek();
    uint32_t digit;
    if (isDigit(c))
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return fail("expected 4 hex digits after \\u");
    code = code * 16 + digit;
  }
  return true;
}

bool Parser::parseEscape(std::string &out) {
  size_t start = pos;
  ++pos; // '\'
  char c = peek();
  ++pos;
  switch (c) {
  case '"':
  case '\\':
  case '/':
    out += c;
    return true;
  case 'b':
    out += '\b';
    return true;
  case 'f':
    out += '\f';
    return true;
  case 'n':
    out += '\n';
    return true;
  case 'r':
    out += '\r';
    return true;
  case 't':
    out += '\t';
    return true;
  case 'u': {
    uint32_t code;
    if (!parseHex4(code))
      return false;
    if (code >= 0xDC00 && code <= 0xDFFF)
      return failAt(start, "unpaired low surrogate in \\u escape");
    if (code >= 0xD800 && code <= 0xDBFF) {
      uint32_t low;
      if (text.substr(pos, 2) != "\\u")
        return failAt(start, "unpaired high surrogate in \\u escape");
      pos += 2;
      if (!parseHex4(low))
        return false;
      if (low < 0xDC00 || low > 0xDFFF)
        return failAt(start, "unpaired high surrogate in \\u escape");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    appendUtf8(out, code);
    return true;
  }
  default:
    return failAt(start, "invalid escape in a string");
  }
}

bool Parser::copyUtf8(std::string &out) {
  auto byte = [&](size_t i) {
    return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i])
                                 : 0;
  };
  unsigned char lead = byte(0);
  size_t length;
  unsigned char low = 0x80, high = 0xBF; // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0)
      low = 0xA0; // no overlong forms
    if (lead == 0xED)
      high = 0x9F; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0)
      low = 0x90;
    if (lead == 0xF4)
      high = 0x8F; // at most U+10FFFF
  } else {
    return fail("invalid UTF-8 in a string");
  }
  if (byte(1) < low || byte(1) > high)
    return fail("invalid UTF-8 in a string");
  for (size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF)
      return fail("invalid UTF-8 in a string");
  out.append(text.substr(pos, length));
  pos += length;
  return true;
}

bool Parser::parseString(std::string &out) {
  size_t start = pos;
  ++pos; // '"'
  while (true) {
    if (atEnd())
      return failAt(start, "unterminated string");
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c == '"') {
      ++pos;
      return true;
    }
    if (c == '\\') {
      if (!parseEscape(out))
        return false;
    } else if (c < 0x20) {
      return fail("raw control character in a string (escape it)");
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++pos;
    } else if (!copyUtf8(out)) {
      return false;
    }
  }
}

bool Parser::parseNumber(Value &value) {
  size_t start = pos;
  if (peek() == '-')
    ++pos;
  if (peek() == '0') {
    ++pos;
    if (isDigit(peek()))
      return fail("leading zeros are not allowed in numbers");
  } else if (isDigit(peek())) {
    while (isDigit(peek()))
      ++pos;
  } else {
    return fail("expected a digit");
  }
  if (peek() == '.') {
    ++pos;
    if (!isDigit(peek()))
      return fail("expected a digit after the decimal point");
    while (isDigit(peek()))
      ++pos;
  }
  if (peek() == 'e' || peek() == 'E') {
    ++pos;
    if (peek() == '+' || peek() == '-')
      ++pos;
    if (!isDigit(peek()))
      return fail("expected a digit in the exponent");
    while (isDigit(peek()))
      ++pos;
  }
  value.kind = Value::Kind::Number;
  value.text = std::string(text.substr(start, pos - start));
  return true;
}

bool Parser::parseLiteral(Value &value) {
  for (std::string_view word : {"true", "false", "null"}) {
    if (text.substr(pos, word.size()) != word)
      continue;
    pos += word.size();
    value.kind = word == "null" ? Value::Kind::Null : Value::Kind::Bool;
    value.boolean = word == "true";
    return true;
  }
  return fail("unexpected character '" + std::string(1, peek()) +
              "', expected a value");
}

const Value *Value::find(std::string_view key) const {
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key)
      return &items[i];
  return nullptr;
}

std::optional<int64_t> Value::asIndex() const {
  if (kind != Kind::Number || text.empty())
    return std::nullopt;
  int64_t result = 0;
  for (char c : text) {
    if (!isDigit(c) || result > (INT64_MAX - (c - '0')) / 10)
      return std::nullopt;
    result = result * 10 + (c - '0');
  }
  return result;
}

const char *json::describe(Value::Kind kind) {
  switch (kind) {
  case Value::Kind::Null:
    return "null";
  case Value::Kind::Bool:
    return "a boolean";
  case Value::Kind::Number:
    return "a number";
  case Value::Kind::String:
    return "a string";
  case Value::Kind::Array:
    return "an array";
  case Value::Kind::Object:
    return "an object";
  }
  return "a value";
}

std::string json::parse(std::string_view text, Value &value, size_t maxDepth) {
  value = Value();
  return Parser(text, maxDepth).run(value);
}

bool json::isValidUtf8(std::string_view text) {
  // appendString escapes only ASCII and copies every other byte, so the
  // literal parses exactly when text is valid UTF-8.
  std::string quoted;
  appendString(quoted, text);
  Value value;
  return parse(quoted, value).empty();
}

void json::appendString(std::string &out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char escape[8];
        std::snprintf(escape, sizeof(escape), "\\u%04x", c);
        out += escape;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

void json::appendNumber(std::string &out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  out += buffer;
}
