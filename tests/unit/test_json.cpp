#include "util/json.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace wisp {
namespace {

using namespace std::string_literals;

Json parseOk(std::string_view text, const ParseLimits &limits = {}) {
  Result<Json> result = Json::parse(text, limits);
  EXPECT_TRUE(result.ok()) << "input: " << text
                           << "\nerror: " << (result.ok() ? "" : result.error().message);
  return result.ok() ? std::move(result).value() : Json();
}

// The error message for text that must not parse ("" if it parsed, which fails the test).
std::string parseError(std::string_view text, const ParseLimits &limits = {}) {
  Result<Json> result = Json::parse(text, limits);
  EXPECT_FALSE(result.ok()) << "input was accepted: " << text;
  if (result.ok())
    return "";
  EXPECT_EQ(result.error().code, "bad_json");
  return result.error().message;
}

std::string prefixAt(size_t byte) {
  return "invalid JSON at byte " + std::to_string(byte) + ": ";
}

// ---- building and reading values ----------------------------------------------------------

TEST(Json, ConstructorsSetTheType) {
  EXPECT_EQ(Json().type(), Json::Type::Null);
  EXPECT_EQ(Json(nullptr).type(), Json::Type::Null);
  EXPECT_EQ(Json(true).type(), Json::Type::Bool);
  EXPECT_EQ(Json(7).type(), Json::Type::Number);
  EXPECT_EQ(Json(2.5).type(), Json::Type::Number);
  EXPECT_EQ(Json("text").type(), Json::Type::String);
  EXPECT_EQ(Json(std::string("text")).type(), Json::Type::String);
  EXPECT_EQ(Json(std::string_view("text")).type(), Json::Type::String);
  EXPECT_EQ(Json::array().type(), Json::Type::Array);
  EXPECT_EQ(Json::object().type(), Json::Type::Object);
  EXPECT_EQ(Json(static_cast<const char *>(nullptr)).type(), Json::Type::Null);
  EXPECT_TRUE(Json(Json::Array{1, "two"}).isArray());
  EXPECT_TRUE(Json(Json::Object{{"a", 1}}).isObject());
}

TEST(Json, EveryIntegerTypeIsKeptExactly) {
  EXPECT_EQ(Json(short{-3}).asInt(), -3);
  EXPECT_EQ(Json(7u).asInt(), 7);
  EXPECT_EQ(Json(size_t{123456789012}).asInt(), 123456789012);
  EXPECT_EQ(Json(-5LL).asInt(), -5);
  EXPECT_EQ(Json(std::numeric_limits<int64_t>::max()).asInt(), INT64_MAX);
  EXPECT_EQ(Json(std::numeric_limits<int64_t>::min()).asInt(), INT64_MIN);
  EXPECT_EQ(Json(uint64_t{INT64_MAX}).asInt(), INT64_MAX);
  // Beyond int64 it is still a number, just no longer an exact integer.
  const Json huge(std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(huge.isNumber());
  EXPECT_EQ(huge.asInt(), std::nullopt);
  EXPECT_DOUBLE_EQ(huge.asNumber(), 18446744073709551615.0);
}

TEST(Json, AsIntAcceptsOnlyExactIntegers) {
  EXPECT_EQ(Json(42.0).asInt(), 42);
  EXPECT_EQ(Json(-0.0).asInt(), 0);
  EXPECT_EQ(Json(42.5).asInt(), std::nullopt);
  EXPECT_EQ(Json(1e300).asInt(), std::nullopt);
  EXPECT_EQ(Json(9223372036854775808.0).asInt(), std::nullopt); // 2^63
  EXPECT_EQ(Json(-9223372036854775808.0).asInt(), INT64_MIN);   // -2^63 fits
  EXPECT_EQ(Json(std::nan("")).asInt(), std::nullopt);
  EXPECT_EQ(Json(INFINITY).asInt(), std::nullopt);
  EXPECT_EQ(Json("42").asInt(), std::nullopt);
  EXPECT_EQ(Json(true).asInt(), std::nullopt);
}

TEST(Json, AccessorsOnTheWrongTypeReturnEmptyValues) {
  const Json text("x");
  EXPECT_FALSE(text.asBool());
  EXPECT_EQ(text.asNumber(), 0.0);
  EXPECT_TRUE(text.asArray().empty());
  EXPECT_TRUE(text.asObject().empty());
  EXPECT_EQ(text.find("x"), nullptr);
  EXPECT_EQ(Json(5).asString(), "");
  EXPECT_TRUE(Json(true).asBool());
  EXPECT_EQ(Json(5).asNumber(), 5.0);
  EXPECT_EQ(Json("x").asString(), "x");
}

TEST(Json, SetReplacesInPlaceOrAppends) {
  Json object = Json::object();
  object.set("z", 1).set("a", 2).set("m", 3);
  object.set("a", "replaced");
  ASSERT_EQ(object.asObject().size(), 3u);
  EXPECT_EQ(object.asObject()[1].first, "a");
  EXPECT_EQ(object.find("a")->asString(), "replaced");
  EXPECT_EQ(object.find("missing"), nullptr);
  EXPECT_EQ(object.dump(), R"({"z":1,"a":"replaced","m":3})");
}

TEST(Json, NullBecomesAContainerOnFirstSetOrPush) {
  Json object;
  object.set("k", true);
  EXPECT_TRUE(object.isObject());
  Json array;
  array.push(1).push("two").push(Json::array());
  EXPECT_EQ(array.dump(), R"([1,"two",[]])");
}

TEST(Json, EqualityIsStructural) {
  EXPECT_EQ(Json(1), Json(1.0));
  EXPECT_NE(Json(1), Json(1.5));
  EXPECT_NE(Json(INT64_MAX), Json(9223372036854775807.0)); // that double is 2^63
  EXPECT_NE(Json(1), Json("1"));
  EXPECT_NE(Json(), Json(false));
  EXPECT_EQ(Json(Json::Array{1, 2}), Json(Json::Array{1, 2}));
  EXPECT_NE(Json(Json::Array{1, 2}), Json(Json::Array{2, 1}));
  // Objects are equal whatever the member order.
  EXPECT_EQ(Json(Json::Object{{"a", 1}, {"b", 2}}), Json(Json::Object{{"b", 2}, {"a", 1}}));
  EXPECT_NE(Json(Json::Object{{"a", 1}, {"b", 2}}), Json(Json::Object{{"a", 1}, {"b", 3}}));
  EXPECT_NE(Json(Json::Object{{"a", 1}}), Json(Json::Object{{"a", 1}, {"b", 2}}));
  EXPECT_NE(Json(Json::Object{{"a", 1}, {"a", 1}}), Json(Json::Object{{"a", 1}, {"b", 2}}));
}

// ---- dump -------------------------------------------------------------------------------

TEST(JsonDump, Scalars) {
  EXPECT_EQ(Json().dump(), "null");
  EXPECT_EQ(Json(true).dump(), "true");
  EXPECT_EQ(Json(false).dump(), "false");
  EXPECT_EQ(Json(42).dump(), "42");
  EXPECT_EQ(Json(-7).dump(), "-7");
  EXPECT_EQ(Json(INT64_MAX).dump(), "9223372036854775807");
  EXPECT_EQ(Json(INT64_MIN).dump(), "-9223372036854775808");
  EXPECT_EQ(Json("hi").dump(), R"("hi")");
}

TEST(JsonDump, DoublesUseTheShortestFormAndStayDoubles) {
  EXPECT_EQ(Json(0.1).dump(), "0.1");
  EXPECT_EQ(Json(2.0).dump(), "2.0");
  EXPECT_EQ(Json(-0.0).dump(), "-0.0");
  EXPECT_EQ(Json(1.5e300).dump(), "1.5e+300");
  EXPECT_EQ(Json(5e-324).dump(), "5e-324");
  EXPECT_EQ(Json(1.0 / 3).dump(), "0.3333333333333333");
}

TEST(JsonDump, NonFiniteDoublesBecomeNull) {
  EXPECT_EQ(Json(std::nan("")).dump(), "null");
  EXPECT_EQ(Json(INFINITY).dump(), "null");
  EXPECT_EQ(Json(-INFINITY).dump(), "null");
  EXPECT_EQ(Json(Json::Array{INFINITY, 1}).dump(), "[null,1]");
}

TEST(JsonDump, ObjectsKeepInsertionOrder) {
  Json object;
  for (const char *key : {"zeta", "alpha", "mu", "beta"})
    object.set(key, key);
  EXPECT_EQ(object.dump(), R"({"zeta":"zeta","alpha":"alpha","mu":"mu","beta":"beta"})");
  // And parsing keeps the order of the text.
  EXPECT_EQ(parseOk(R"({"b":1,"a":2,"c":3})").dump(), R"({"b":1,"a":2,"c":3})");
}

TEST(JsonDump, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Json("a\"b\\c/d").dump(), R"("a\"b\\c/d")");
  EXPECT_EQ(Json("\b\f\n\r\t").dump(), R"("\b\f\n\r\t")");
  EXPECT_EQ(Json("\x01\x1f\x7f"s).dump(), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(Json("nul\0byte"s).dump(), R"("nul\u0000byte")");
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    const std::string dumped = Json(text).dump();
    for (char byte : dumped)
      EXPECT_GE(static_cast<unsigned char>(byte), 0x20) << "char " << c;
    EXPECT_EQ(parseOk(dumped).asString(), text) << "char " << c;
  }
}

TEST(JsonDump, KeepsValidUtf8) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"; // é € 😀
  EXPECT_EQ(Json(text).dump(), "\"" + text + "\"");
}

TEST(JsonDump, ReplacesInvalidUtf8WithReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    std::string input, expected;
  };
  const Case cases[] = {
      {"a\x80z", "a" + fffd + "z"},                    // stray continuation byte
      {"a\xFFz", "a" + fffd + "z"},                    // never valid
      {"a\xE2\x82z", "a" + fffd + "z"},                // truncated 3-byte sequence
      {"a\xE2\x82", "a" + fffd},                       // truncated at the end
      {"\xC0\xAF", fffd + fffd},                       // overlong '/'
      {"\xED\xA0\x80", fffd + fffd + fffd},            // UTF-16 surrogate
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd}, // above U+10FFFF
      {"\xF0\x9F\x98", fffd},                          // truncated 4-byte sequence
  };
  for (const Case &c : cases) {
    const std::string dumped = Json(c.input).dump();
    EXPECT_EQ(dumped, "\"" + c.expected + "\"");
    EXPECT_TRUE(Json::parse(dumped).ok()) << dumped;
  }
}

// ---- parse: values ------------------------------------------------------------------------

TEST(JsonParse, ControlSocketRequest) {
  const Json request = parseOk(R"({"id":1,"argv":["dial","sip:bob@127.0.0.1"]})");
  ASSERT_NE(request.find("id"), nullptr);
  EXPECT_EQ(request.find("id")->asInt(), 1);
  const Json *argv = request.find("argv");
  ASSERT_NE(argv, nullptr);
  ASSERT_EQ(argv->asArray().size(), 2u);
  EXPECT_EQ(argv->asArray()[0].asString(), "dial");
  EXPECT_EQ(argv->asArray()[1].asString(), "sip:bob@127.0.0.1");
}

TEST(JsonParse, ScalarsAtTheTopLevelWithSurroundingWhitespace) {
  EXPECT_EQ(parseOk(" \t\r\n null \n"), Json());
  EXPECT_EQ(parseOk("true"), Json(true));
  EXPECT_EQ(parseOk("false"), Json(false));
  EXPECT_EQ(parseOk("\"s\""), Json("s"));
  EXPECT_EQ(parseOk("12").asInt(), 12);
  EXPECT_TRUE(parseOk("[]").asArray().empty());
  EXPECT_TRUE(parseOk("{ }").isObject());
}

TEST(JsonParse, RoundTripsADocument) {
  const std::string text = R"( { "name" : "wisp", "n" : [ 1 , -2.5 , 3e2 , true , null ] ,
      "nested" : { "empty" : { } , "list" : [ [ ] , [ { } ] ] } , "s" : "a\u00e9\n" } )";
  const Json value = parseOk(text);
  const std::string compact =
      R"({"name":"wisp","n":[1,-2.5,300.0,true,null],"nested":{"empty":{},"list":[[],[{}]]},)"
      "\"s\":\"a\xC3\xA9\\n\"}";
  EXPECT_EQ(value.dump(), compact);
  EXPECT_EQ(parseOk(compact), value);
  EXPECT_EQ(parseOk(compact).dump(), compact);
}

TEST(JsonParse, BuiltValuesRoundTrip) {
  Json value;
  value.set("id", 17)
      .set("ok", false)
      .set("ratio", 0.75)
      .set("list", Json(Json::Array{"a", Json(), Json::object(), INT64_MIN}))
      .set("weird key \"\x01\"", "tab\there");
  EXPECT_EQ(parseOk(value.dump()), value);
}

TEST(JsonParse, IntegersAreExact) {
  EXPECT_EQ(parseOk("0").asInt(), 0);
  EXPECT_EQ(parseOk("-0").asInt(), 0);
  EXPECT_EQ(parseOk("9223372036854775807").asInt(), INT64_MAX);
  EXPECT_EQ(parseOk("-9223372036854775808").asInt(), INT64_MIN);
  EXPECT_EQ(parseOk("9223372036854775807").dump(), "9223372036854775807");
  EXPECT_EQ(parseOk("-9223372036854775808").dump(), "-9223372036854775808");
  // Just outside int64: a double (2^63 exactly), no longer an exact integer.
  const Json past = parseOk("9223372036854775808");
  EXPECT_EQ(past.asInt(), std::nullopt);
  EXPECT_EQ(past.asNumber(), 9223372036854775808.0);
  EXPECT_EQ(past.dump(), "9223372036854775808.0");
  EXPECT_EQ(parseOk("-9223372036854775809").dump(), "-9223372036854775808.0");
  EXPECT_EQ(parseOk("123456789012345678901234567890").asNumber(), 1.2345678901234568e29);
  // Exponent or fraction forms that are integral still give asInt().
  EXPECT_EQ(parseOk("1e2").asInt(), 100);
  EXPECT_EQ(parseOk("2.0").asInt(), 2);
}

TEST(JsonParse, Doubles) {
  EXPECT_EQ(parseOk("1.5").asNumber(), 1.5);
  EXPECT_EQ(parseOk("-0.25").asNumber(), -0.25);
  EXPECT_EQ(parseOk("1E+2").asNumber(), 100.0);
  EXPECT_EQ(parseOk("1e-2").asNumber(), 0.01);
  EXPECT_EQ(parseOk("0.1").asNumber(), 0.1);
  EXPECT_EQ(parseOk("1.7976931348623157e308").asNumber(), 1.7976931348623157e308);
  EXPECT_EQ(parseOk("4.9406564584124654e-324").asNumber(), 5e-324);
  EXPECT_TRUE(std::signbit(parseOk("-0.0").asNumber()));
  // Too small for a double: zero with the right sign.
  EXPECT_EQ(parseOk("1e-400").asNumber(), 0.0);
  EXPECT_TRUE(std::signbit(parseOk("-1e-400").asNumber()));
  EXPECT_EQ(parseOk("0.0000000000000000000000000000001e-300").asNumber(), 0.0);
}

TEST(JsonParse, RandomDoublesRoundTripBitForBit) {
  std::mt19937_64 random(12345);
  int checked = 0;
  while (checked < 20000) {
    const double value = std::bit_cast<double>(random());
    if (!std::isfinite(value))
      continue;
    ++checked;
    const std::string text = Json(value).dump();
    const Json parsed = parseOk(text);
    ASSERT_EQ(std::bit_cast<uint64_t>(parsed.asNumber()), std::bit_cast<uint64_t>(value)) << text;
  }
}

TEST(JsonParse, EverySimpleEscape) {
  EXPECT_EQ(parseOk(R"("\" \\ \/ \b \f \n \r \t")").asString(), "\" \\ / \b \f \n \r \t");
}

TEST(JsonParse, UnicodeEscapesBecomeUtf8) {
  EXPECT_EQ(parseOk(R"("\u0041")").asString(), "A");
  EXPECT_EQ(parseOk(R"("\u00e9\u00E9")").asString(), "\xC3\xA9\xC3\xA9"); // 2 bytes
  EXPECT_EQ(parseOk(R"("\u20AC")").asString(), "\xE2\x82\xAC");           // 3 bytes
  EXPECT_EQ(parseOk(R"("\uFFFF")").asString(), "\xEF\xBF\xBF");
  EXPECT_EQ(parseOk(R"("\uD83D\uDE00")").asString(), "\xF0\x9F\x98\x80"); // 4 bytes
  EXPECT_EQ(parseOk(R"("\uDBFF\uDFFF")").asString(), "\xF4\x8F\xBF\xBF"); // U+10FFFF
  EXPECT_EQ(parseOk(R"("\u0000")").asString(), "\0"s);
}

TEST(JsonParse, LoneSurrogatesBecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(parseOk(R"("\uD800")").asString(), fffd);
  EXPECT_EQ(parseOk(R"("\uDC00")").asString(), fffd);
  EXPECT_EQ(parseOk(R"("\uD800x")").asString(), fffd + "x");
  EXPECT_EQ(parseOk(R"("\uD800\u0041")").asString(), fffd + "A");
  EXPECT_EQ(parseOk(R"("\uD800\uD800\uDC00")").asString(), fffd + "\xF0\x90\x80\x80");
  EXPECT_EQ(parseOk(R"("\uDC00\uD800")").asString(), fffd + fffd);
}

TEST(JsonParse, RawUtf8IsKept) {
  const std::string text = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF";
  EXPECT_EQ(parseOk("\"" + text + "\"").asString(), text);
}

TEST(JsonParse, DuplicateKeysAreRejectedButSameKeyInOtherObjectsIsFine) {
  EXPECT_EQ(parseError(R"({"a":1,"a":2})"), prefixAt(7) + "duplicate object key");
  EXPECT_EQ(parseError(R"({"a":1,"b":{},"\u0061":2})"), prefixAt(14) + "duplicate object key");
  EXPECT_TRUE(parseOk(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})").isObject());
}

TEST(JsonParse, DuplicateKeysAreFoundInBigObjectsToo) {
  std::string text = "{";
  for (int i = 0; i < 200; ++i)
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const Json big = parseOk(text + "\"last\":0}");
  EXPECT_EQ(big.asObject().size(), 201u);
  EXPECT_EQ(big.find("k150")->asInt(), 150);
  for (const char *repeated : {"k0", "k15", "k16", "k199"}) {
    const std::string message = parseError(text + "\"" + repeated + "\":0}");
    EXPECT_EQ(message, prefixAt(text.size()) + "duplicate object key") << repeated;
  }
}

TEST(JsonParse, RejectsEveryRawControlCharacterInStrings) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string text = "\"ab" + std::string(1, static_cast<char>(c)) + "\"";
    EXPECT_EQ(parseError(text), prefixAt(3) + "control character in string (must be escaped)")
        << "char " << c;
  }
  EXPECT_EQ(parseOk("\"\x7f\"").asString(), "\x7f"); // DEL is not a control character in JSON
}

// ---- parse: rejections --------------------------------------------------------------------

TEST(JsonParse, RejectsMalformedInputNamingTheByte) {
  struct Case {
    std::string input;
    size_t byte;
  };
  const Case cases[] = {
      {"", 0},
      {"   ", 3},
      {"[1,]", 3},
      {R"({"a":1,})", 7},
      {"[1,,2]", 3},
      {"[,1]", 1},
      {"{,}", 1},
      {"[1 2]", 3},
      {R"({"a":1 "b":2})", 7},
      {R"({"a" 1})", 5},
      {"{a:1}", 1},
      {"{'a':1}", 1},
      {"['a']", 1},
      {"{1:2}", 1},
      {"[", 1},
      {"[1", 2},
      {"{", 1},
      {R"({"a")", 4},
      {R"({"a":)", 5},
      {R"({"a":1)", 6},
      {"]", 0},
      {"}", 0},
      {"[1]]", 3},
      {"1 2", 2},
      {"[1] [2]", 4},
      {"nullx", 4},
      {"truefalse", 4},
      {"tru", 0},
      {"nul", 0},
      {"True", 0},
      {"NULL", 0},
      {"NaN", 0},
      {"Infinity", 0},
      {"-Infinity", 1},
      {"undefined", 0},
      {"01", 1},
      {"00", 1},
      {"-01", 2},
      {"-", 1},
      {"- 1", 1},
      {"[-]", 2},
      {"+1", 0},
      {".5", 0},
      {"1.", 2},
      {"1.e5", 2},
      {"1e", 2},
      {"1e+", 3},
      {"1E-x", 3},
      {"0x10", 1},
      {"1e400", 0},
      {"[-1e999]", 1},
      {"\"abc", 4},
      {"\"\\", 2},
      {"\"a\x01z\"", 2},
      {"\"\t\"", 1},
      {"\"\n\"", 1},
      {R"("\x")", 2},
      {R"("\a")", 2},
      {R"("\U0041")", 2},
      {R"("\u12")", 3},
      {R"("\u12G4")", 3},
      {R"("\uD800\u")", 9},
      {"\"\xFF\"", 1},
      {"\"a\x80\"", 2},
      {"\"\xC0\xAF\"", 1},
      {"\"\xE2\x82\"", 1},
      {"\"\xED\xA0\x80\"", 1},
      {"\"\xF4\x90\x80\x80\"", 1},
      {"\"\xF0\x9F\x98", 1},
      {"/* c */ 1", 0},
      {"[1] // c", 4},
      {"# c\n1", 0},
      {"\xEF\xBB\xBF{}", 0},
      {"\f1", 0},
      {"\v1", 0},
      {"\xC2\xA0 1", 0},
      {"\0"s, 0},
      {"1\0"s, 1},
      {"[1]\0"s, 3},
  };
  for (const Case &c : cases) {
    const std::string message = parseError(c.input);
    EXPECT_TRUE(message.starts_with(prefixAt(c.byte)))
        << "input: " << c.input << "\nmessage: " << message;
  }
}

TEST(JsonParse, ErrorMessagesSayWhatWasExpected) {
  EXPECT_EQ(parseError("[1 2]"), prefixAt(3) + "expected ',' or ']'");
  EXPECT_EQ(parseError(R"({"a" 1})"), prefixAt(5) + "expected ':'");
  EXPECT_EQ(parseError("01"), prefixAt(1) + "leading zeros are not allowed");
  EXPECT_EQ(parseError("1 2"), prefixAt(2) + "expected end of input");
  EXPECT_EQ(parseError(""), prefixAt(0) + "expected a value");
  EXPECT_EQ(parseError("1e999"), prefixAt(0) + "number out of range");
}

// ---- limits -------------------------------------------------------------------------------

std::string nestedArrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nestedObjects(size_t depth) {
  std::string text;
  for (size_t i = 0; i < depth; ++i)
    text += R"({"k":)";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

TEST(JsonLimits, NestingUpToMaxDepthIsAccepted) {
  EXPECT_TRUE(Json::parse(nestedArrays(32)).ok());
  EXPECT_TRUE(Json::parse(nestedObjects(32)).ok());
  EXPECT_TRUE(Json::parse(nestedArrays(500), {.maxDepth = 500}).ok());
}

TEST(JsonLimits, NestingBeyondMaxDepthIsTooDeep) {
  EXPECT_EQ(parseError(nestedArrays(33)),
            prefixAt(32) + "too deep (more than 32 nested arrays/objects)");
  EXPECT_TRUE(parseError(nestedObjects(33)).starts_with(prefixAt(32 * 5)));
  EXPECT_TRUE(parseError(nestedArrays(3), {.maxDepth = 2}).starts_with(prefixAt(2)));
  EXPECT_NE(parseError("[[1]]", {.maxDepth = 1}).find("too deep"), std::string::npos);
  EXPECT_NE(parseError("{}", {.maxDepth = 0}).find("too deep"), std::string::npos);
  EXPECT_TRUE(Json::parse("1", {.maxDepth = 0}).ok());
}

TEST(JsonLimits, VeryDeepInputDoesNotExhaustTheStack) {
  // Far deeper than any recursive parser survives; rejected cleanly at the limit.
  const std::string deep(200'000, '[');
  const ParseLimits limits{.maxDepth = 32, .maxSize = deep.size()};
  EXPECT_NE(parseError(deep, limits).find("too deep"), std::string::npos);
  // With the limit raised, the iterative parser still copes (and reports the missing ']').
  const ParseLimits generous{.maxDepth = deep.size(), .maxSize = deep.size()};
  EXPECT_EQ(parseError(deep, generous), prefixAt(deep.size()) + "expected a value");
}

TEST(JsonLimits, InputOverMaxSizeIsTooLarge) {
  const std::string exact = "\"" + std::string(64 * 1024 - 2, 'x') + "\"";
  ASSERT_EQ(exact.size(), 64u * 1024);
  EXPECT_TRUE(Json::parse(exact).ok());
  EXPECT_EQ(parseError(exact + " "), prefixAt(65536) + "too large (limit 65536 bytes)");
  EXPECT_NE(parseError("[1,2,3]", {.maxSize = 6}).find("too large"), std::string::npos);
  EXPECT_TRUE(Json::parse("[1,2,3]", {.maxSize = 7}).ok());
}

// ---- robustness -------------------------------------------------------------------------

// Whatever parse() accepts must dump to JSON that parses back to an equal value; whatever it
// rejects must be reported as bad_json at a byte inside the input.
void checkParseProperties(const std::string &input) {
  Result<Json> result = Json::parse(input);
  if (!result.ok()) {
    ASSERT_EQ(result.error().code, "bad_json");
    const std::string &message = result.error().message;
    const std::string prefix = "invalid JSON at byte ";
    ASSERT_TRUE(message.starts_with(prefix)) << message;
    ASSERT_LE(std::stoul(message.substr(prefix.size())), input.size()) << message;
    return;
  }
  const std::string dumped = result->dump();
  Result<Json> again = Json::parse(dumped);
  ASSERT_TRUE(again.ok()) << "input: " << input << "\ndumped: " << dumped;
  ASSERT_EQ(*again, *result) << dumped;
  ASSERT_EQ(again->dump(), dumped);
}

TEST(JsonRobustness, RandomBytesNeverCrash) {
  std::mt19937 random(2024);
  // Half the bytes from JSON's own alphabet, so the parser gets deep into its states.
  const std::string_view alphabet = "[]{}\",:0123456789-+.eEtrufalsn\\u \t\n\x01\xC3\xA9\xF0\x9F";
  std::uniform_int_distribution<int> length(0, 48), byte(0, 255), coin(0, 1);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  int accepted = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string input;
    for (int n = length(random); n > 0; --n) {
      input.push_back(coin(random) ? alphabet[pick(random)] : static_cast<char>(byte(random)));
    }
    checkParseProperties(input);
    if (HasFatalFailure())
      return;
    accepted += Json::parse(input).ok();
  }
  // Sanity check that the generator reaches the success path at all.
  EXPECT_GT(accepted, 0);
}

TEST(JsonRobustness, MutatedDocumentsNeverCrash) {
  const std::string seed =
      R"({"id":12,"argv":["dial","sip:bob@127.0.0.1"],"x":[1.5e3,-0,true,null,{"k":"\u00e9\uD83D\uDE00\n"}]})";
  ASSERT_TRUE(Json::parse(seed).ok());
  std::mt19937 random(99);
  std::uniform_int_distribution<int> byte(0, 255), edits(1, 4), kind(0, 2);
  int accepted = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string input = seed;
    for (int n = edits(random); n > 0 && !input.empty(); --n) {
      std::uniform_int_distribution<size_t> where(0, input.size() - 1);
      const size_t at = where(random);
      switch (kind(random)) {
      case 0:
        input[at] = static_cast<char>(byte(random));
        break;
      case 1:
        input.erase(at, 1);
        break;
      default:
        input.insert(at, 1, input[where(random)]);
        break;
      }
    }
    checkParseProperties(input);
    if (HasFatalFailure())
      return;
    accepted += Json::parse(input).ok();
  }
  EXPECT_GT(accepted, 0);
}

} // namespace
} // namespace wisp
