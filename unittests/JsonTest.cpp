//===- JsonTest.cpp - Tests of the strict JSON parser and writer ----------===//

#include "Json.h"

#include <cmath>

#include <gtest/gtest.h>

using namespace tvq::json;

namespace {

/// Parses text, expecting success.
Value parseOk(const std::string &text) {
  Value value;
  std::string error = parse(text, value);
  EXPECT_EQ(error, "") << "text: " << text;
  return value;
}

/// Expects parsing text to fail with a message containing problem.
void expectInvalid(const std::string &text, const std::string &problem) {
  Value value;
  std::string error = parse(text, value);
  EXPECT_NE(error.find(problem), std::string::npos)
      << "text: " << text << "\nerror: " << error
      << "\nexpected to contain: " << problem;
}

TEST(JsonTest, ParsesAllKinds) {
  Value value = parseOk(" {\"a\": [1, -2.5e+3, 0], \"b\": {\"c\": null},"
                        " \"d\": true, \"e\": false, \"f\": \"x\"}\n");
  ASSERT_EQ(value.kind, Value::Kind::Object);
  EXPECT_EQ(value.keys, (std::vector<std::string>{"a", "b", "d", "e", "f"}));
  const Value *a = value.find("a");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->kind, Value::Kind::Array);
  ASSERT_EQ(a->items.size(), 3u);
  EXPECT_EQ(a->items[1].text, "-2.5e+3");
  EXPECT_EQ(a->items[0].asIndex(), 1);
  EXPECT_EQ(a->items[1].asIndex(), std::nullopt);
  EXPECT_EQ(value.find("b")->find("c")->kind, Value::Kind::Null);
  EXPECT_TRUE(value.find("d")->boolean);
  EXPECT_FALSE(value.find("e")->boolean);
  EXPECT_EQ(value.find("f")->text, "x");
  EXPECT_EQ(value.find("f")->offset, std::string(" {\"a\": [1, -2.5e+3, 0], "
                                                 "\"b\": {\"c\": null}, \"d\": "
                                                 "true, \"e\": false, \"f\": ")
                                         .size());
  EXPECT_EQ(value.find("zz"), nullptr);
  EXPECT_EQ(parseOk("[]").items.size(), 0u);
  EXPECT_EQ(parseOk("{}").keys.size(), 0u);
}

TEST(JsonTest, DecodesEscapes) {
  EXPECT_EQ(parseOk(R"("a\"b\\c\/d\b\f\n\r\t")").text, "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(parseOk(R"("\u00e9\u20AC")").text, "\xc3\xa9\xe2\x82\xac");
  // A surrogate pair: U+1F600.
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").text, "\xf0\x9f\x98\x80");
  EXPECT_EQ(parseOk("\"\xf0\x9f\x98\x80 raw\"").text, "\xf0\x9f\x98\x80 raw");
}

TEST(JsonTest, IndexValues) {
  EXPECT_EQ(parseOk("9223372036854775807").asIndex(), INT64_MAX);
  EXPECT_EQ(parseOk("9223372036854775808").asIndex(), std::nullopt);
  EXPECT_EQ(parseOk("-1").asIndex(), std::nullopt);
  EXPECT_EQ(parseOk("1.0").asIndex(), std::nullopt);
  EXPECT_EQ(parseOk("1e3").asIndex(), std::nullopt);
  EXPECT_EQ(parseOk("\"1\"").asIndex(), std::nullopt);
}

TEST(JsonTest, RejectsInvalidText) {
  expectInvalid("", "unexpected end of text");
  expectInvalid("{\"a\":1,}", "at byte 7: expected a string key");
  expectInvalid("[1,]", "at byte 3: unexpected character ']'");
  expectInvalid("{\"a\" 1}", "expected ':' after an object key");
  expectInvalid("{\"a\":1 \"b\":2}", "expected ',' or '}'");
  expectInvalid("[1 2]", "expected ',' or ']'");
  expectInvalid("{\"a\":1,\"a\":2}", "at byte 7: duplicate key \"a\"");
  expectInvalid("{} x", "unexpected text after the JSON value");
  expectInvalid("{}{}", "unexpected text after the JSON value");
  expectInvalid("// c\n{}", "unexpected character '/'");
  expectInvalid("{'a':1}", "expected a string key");
  expectInvalid("01", "leading zeros");
  expectInvalid("1.", "after the decimal point");
  expectInvalid("1e", "in the exponent");
  expectInvalid("-", "expected a digit");
  expectInvalid("+1", "unexpected character '+'");
  expectInvalid("NaN", "unexpected character 'N'");
  expectInvalid("tru", "unexpected character 't'");
  expectInvalid("\"abc", "unterminated string");
  expectInvalid("\"a\tb\"", "raw control character");
  expectInvalid(R"("\x")", "invalid escape");
  expectInvalid(R"("\u12")", "expected 4 hex digits");
  expectInvalid(R"("\ud83d")", "unpaired high surrogate");
  expectInvalid(R"("\ud83dx")", "unpaired high surrogate");
  expectInvalid(R"("\ude00")", "unpaired low surrogate");
  expectInvalid("\"\xff\"", "invalid UTF-8");
  expectInvalid("\"\xc0\xaf\"", "invalid UTF-8");         // overlong '/'
  expectInvalid("\"\xed\xa0\x80\"", "invalid UTF-8");     // encoded surrogate
  expectInvalid("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); // above U+10FFFF
  expectInvalid("\"\xe2\x82\"", "invalid UTF-8");         // cut short
  expectInvalid(std::string("\"a\0b\"", 5), "raw control character");
}

TEST(JsonTest, LimitsNesting) {
  std::string deep(65, '[');
  deep += std::string(65, ']');
  expectInvalid(deep, "nesting deeper than 64 levels");
  std::string ok(64, '[');
  ok += std::string(64, ']');
  parseOk(ok);
}

TEST(JsonTest, WritesStringsThatParseBack) {
  const std::string text = "quote\" backslash\\ nl\n tab\t bell\x07 \xc3\xa9";
  std::string literal;
  appendString(literal, text);
  EXPECT_EQ(literal,
            "\"quote\\\" backslash\\\\ nl\\n tab\\t bell\\u0007 \xc3\xa9\"");
  EXPECT_EQ(parseOk(literal).text, text);
}

TEST(JsonTest, WritesNumbers) {
  auto number = [](double value) {
    std::string out;
    appendNumber(out, value);
    return out;
  };
  EXPECT_EQ(number(1200), "1200");
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(number(-2.5), "-2.5");
  EXPECT_EQ(number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(std::strtod(number(1.0 / 3).c_str(), nullptr), 1.0 / 3);
  EXPECT_EQ(number(NAN), "null");
  EXPECT_EQ(number(INFINITY), "null");
  EXPECT_EQ(parseOk(number(1e300)).kind, Value::Kind::Number);
}

TEST(JsonTest, ValidatesUtf8) {
  EXPECT_TRUE(isValidUtf8("plain \"ascii\" \\ \n"));
  EXPECT_TRUE(isValidUtf8("\xe2\x82\xac"));
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));
  EXPECT_FALSE(isValidUtf8("\x80"));
}

} // namespace
