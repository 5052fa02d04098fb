#include "util/json.h"

#include "util/text.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <memory>
#include <unordered_set>

namespace wisp {
namespace {

// ---- UTF-8 -------------------------------------------------------------------------------

struct Utf8Step {
  bool valid;
  size_t length; // bytes of the sequence; when invalid, of its longest well-formed prefix (>= 1)
};

// Checks the UTF-8 sequence starting at text[pos] (which must exist) against the well-formed
// byte ranges of the Unicode standard, so overlong forms, surrogates and code points above
// U+10FFFF are all invalid. Reporting the invalid prefix length lets dump() replace each
// broken sequence by one U+FFFD, as the standard recommends.
Utf8Step checkUtf8(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80)
    return {true, 1};
  size_t continuations = 0;
  unsigned char secondMin = 0x80, secondMax = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuations = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuations = 2;
    if (lead == 0xE0)
      secondMin = 0xA0; // overlong
    if (lead == 0xED)
      secondMax = 0x9F; // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuations = 3;
    if (lead == 0xF0)
      secondMin = 0x90; // overlong
    if (lead == 0xF4)
      secondMax = 0x8F; // above U+10FFFF
  } else {
    return {false, 1};
  }
  for (size_t i = 1; i <= continuations; ++i) {
    if (pos + i >= text.size())
      return {false, i};
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    const unsigned char min = i == 1 ? secondMin : 0x80;
    const unsigned char max = i == 1 ? secondMax : 0xBF;
    if (byte < min || byte > max)
      return {false, i};
  }
  return {true, continuations + 1};
}

void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr char32_t kReplacementChar = 0xFFFD;

// ---- Output ------------------------------------------------------------------------------

void dumpString(std::string &out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t pos = 0;
  while (pos < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c >= 0x80) {
      const Utf8Step step = checkUtf8(text, pos);
      if (step.valid) {
        out.append(text.substr(pos, step.length));
      } else {
        appendUtf8(out, kReplacementChar);
      }
      pos += step.length;
      continue;
    }
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
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
      if (c < 0x20) {
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    ++pos;
  }
  out.push_back('"');
}

void dumpDouble(std::string &out, double value) {
  if (!std::isfinite(value)) {
    out += "null"; // JSON has no NaN or infinity
    return;
  }
  char buffer[32];
  // Without a precision, to_chars gives the shortest text that reads back as the same double.
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  assert(ec == std::errc());
  const std::string_view text(buffer, static_cast<size_t>(end - buffer));
  out += text;
  // Keep doubles recognisable as doubles: 2.0 dumps as "2.0", not as the integer "2".
  if (text.find_first_of(".e") == std::string_view::npos)
    out += ".0";
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// An exactly integral double in [-2^63, 2^63) converted to int64, else nothing.
std::optional<int64_t> exactInt64(double value) {
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!(value >= -kTwoTo63 && value < kTwoTo63))
    return std::nullopt; // also rejects NaN
  if (std::trunc(value) != value)
    return std::nullopt;
  return static_cast<int64_t>(value);
}

// ---- Parsing -----------------------------------------------------------------------------

// An iterative parser: open arrays and objects live on an explicit stack, so hostile input
// like "[[[[..." costs heap (bounded by maxDepth), never native stack.
class Parser {
public:
  Parser(std::string_view text, const ParseLimits &limits) : text_(text), limits_(limits) {}

  Result<Json> run();

private:
  // An array or object whose closing bracket has not been seen yet.
  struct Frame {
    bool isObject = false;
    Json::Array array;
    Json::Object object;
    std::string key; // object: the key the next value belongs to
    // object: all keys so far, built only once the object is big enough to need it
    std::unique_ptr<std::unordered_set<std::string>> keyIndex;
  };

  enum class Step { Failed, Opened, Completed };

  Step parseValue(Json &value);
  bool parseMemberKey(Frame &frame);
  static bool isDuplicateKey(Frame &frame, const std::string &key);
  bool parseString(std::string &out);
  bool parseEscape(std::string &out);
  std::optional<char32_t> parseHex4(size_t at) const;
  bool parseNumber(Json &value);
  bool parseLiteral(Json &value);
  bool numberOverflows(size_t start, size_t intEnd, size_t fracEnd) const;

  void skipWhitespace();
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool atDigit() const { return pos_ < text_.size() && isDigit(text_[pos_]); }
  bool fail(size_t at, std::string_view what);
  bool fail(std::string_view what) { return fail(pos_, what); }

  std::string_view text_;
  ParseLimits limits_;
  size_t pos_ = 0;
  std::vector<Frame> stack_;
  std::optional<Error> error_;
};

bool Parser::fail(size_t at, std::string_view what) {
  if (!error_) {
    error_ = makeError("bad_json",
                       "invalid JSON at byte " + std::to_string(at) + ": " + std::string(what));
  }
  return false;
}

void Parser::skipWhitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return;
    ++pos_;
  }
}

Result<Json> Parser::run() {
  if (text_.size() > limits_.maxSize) {
    fail(limits_.maxSize, "too large (limit " + std::to_string(limits_.maxSize) + " bytes)");
    return *error_;
  }
  Json value;
  for (;;) {
    const Step step = parseValue(value);
    if (step == Step::Failed)
      return *error_;
    if (step == Step::Opened)
      continue; // the container's first value comes next

    // `value` is complete: attach it to the innermost open container, closing containers
    // (which completes them in turn) for as long as closing brackets follow.
    for (;;) {
      if (stack_.empty()) {
        skipWhitespace();
        if (pos_ != text_.size()) {
          fail("expected end of input");
          return *error_;
        }
        return value;
      }
      Frame &top = stack_.back();
      if (top.isObject) {
        top.object.emplace_back(std::move(top.key), std::move(value));
      } else {
        top.array.push_back(std::move(value));
      }
      skipWhitespace();
      if (at(',')) {
        ++pos_;
        if (top.isObject && !parseMemberKey(top))
          return *error_;
        break; // parse the next element
      }
      if (at(top.isObject ? '}' : ']')) {
        ++pos_;
        value = top.isObject ? Json(std::move(top.object)) : Json(std::move(top.array));
        stack_.pop_back();
        continue;
      }
      fail(top.isObject ? "expected ',' or '}'" : "expected ',' or ']'");
      return *error_;
    }
  }
}

// Parses a scalar into `value` (Completed), or opens an array/object (Opened; for an object
// the first key and ':' are consumed too). An empty container is Completed right away.
Parser::Step Parser::parseValue(Json &value) {
  skipWhitespace();
  if (pos_ >= text_.size()) {
    fail("expected a value");
    return Step::Failed;
  }
  const char c = text_[pos_];
  if (c == '[' || c == '{') {
    if (stack_.size() >= limits_.maxDepth) {
      fail("too deep (more than " + std::to_string(limits_.maxDepth) + " nested arrays/objects)");
      return Step::Failed;
    }
    ++pos_;
    const bool isObject = c == '{';
    skipWhitespace();
    if (at(isObject ? '}' : ']')) {
      ++pos_;
      value = isObject ? Json::object() : Json::array();
      return Step::Completed;
    }
    Frame &frame = stack_.emplace_back();
    frame.isObject = isObject;
    if (isObject && !parseMemberKey(frame))
      return Step::Failed;
    return Step::Opened;
  }
  bool ok = false;
  if (c == '"') {
    std::string text;
    ok = parseString(text);
    value = Json(std::move(text));
  } else if (c == '-' || isDigit(c)) {
    ok = parseNumber(value);
  } else {
    ok = parseLiteral(value);
  }
  return ok ? Step::Completed : Step::Failed;
}

bool Parser::parseMemberKey(Frame &frame) {
  skipWhitespace();
  if (!at('"'))
    return fail("expected a string (object key)");
  const size_t keyStart = pos_;
  std::string key;
  if (!parseString(key))
    return false;
  // Duplicates are ambiguous (RFC 8259 leaves the meaning open), so a strict reader refuses.
  if (isDuplicateKey(frame, key))
    return fail(keyStart, "duplicate object key");
  skipWhitespace();
  if (!at(':'))
    return fail("expected ':'");
  ++pos_;
  frame.key = std::move(key);
  return true;
}

// Small objects (the common case) are scanned; big ones get a hash index so that an object
// with thousands of keys costs O(n), not O(n^2).
bool Parser::isDuplicateKey(Frame &frame, const std::string &key) {
  constexpr size_t kIndexFrom = 16;
  if (!frame.keyIndex) {
    if (frame.object.size() < kIndexFrom) {
      return std::any_of(frame.object.begin(), frame.object.end(),
                         [&](const auto &member) { return member.first == key; });
    }
    frame.keyIndex = std::make_unique<std::unordered_set<std::string>>();
    for (const auto &member : frame.object)
      frame.keyIndex->insert(member.first);
  }
  return !frame.keyIndex->insert(key).second;
}

bool Parser::parseString(std::string &out) {
  ++pos_; // opening quote
  for (;;) {
    if (pos_ >= text_.size())
      return fail("unterminated string");
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c == '\\') {
      if (!parseEscape(out))
        return false;
    } else if (c < 0x20) {
      return fail("control character in string (must be escaped)");
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++pos_;
    } else {
      const Utf8Step step = checkUtf8(text_, pos_);
      if (!step.valid)
        return fail("invalid UTF-8");
      out.append(text_.substr(pos_, step.length));
      pos_ += step.length;
    }
  }
}

std::optional<char32_t> Parser::parseHex4(size_t at) const {
  if (text_.size() - at < 4)
    return std::nullopt;
  char32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    const int digit = hexDigitValue(text_[at + i]);
    if (digit < 0)
      return std::nullopt;
    value = value * 16 + static_cast<char32_t>(digit);
  }
  return value;
}

bool Parser::parseEscape(std::string &out) {
  if (pos_ + 1 >= text_.size())
    return fail(pos_ + 1, "unterminated string");
  const char kind = text_[pos_ + 1];
  char simple = 0;
  switch (kind) {
  case '"':
    simple = '"';
    break;
  case '\\':
    simple = '\\';
    break;
  case '/':
    simple = '/';
    break;
  case 'b':
    simple = '\b';
    break;
  case 'f':
    simple = '\f';
    break;
  case 'n':
    simple = '\n';
    break;
  case 'r':
    simple = '\r';
    break;
  case 't':
    simple = '\t';
    break;
  case 'u':
    break;
  default:
    return fail(pos_ + 1, "invalid escape (expected one of \"\\/bfnrtu)");
  }
  if (kind != 'u') {
    out.push_back(simple);
    pos_ += 2;
    return true;
  }
  const std::optional<char32_t> unit = parseHex4(pos_ + 2);
  if (!unit)
    return fail(pos_ + 2, "expected 4 hex digits after \\u");
  pos_ += 6;
  char32_t cp = *unit;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    // A high surrogate must be followed by an escaped low one; otherwise it stands alone.
    std::optional<char32_t> low;
    if (at('\\') && pos_ + 1 < text_.size() && text_[pos_ + 1] == 'u')
      low = parseHex4(pos_ + 2);
    if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
      pos_ += 6;
    } else {
      cp = kReplacementChar;
    }
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    cp = kReplacementChar; // a low surrogate without a high one before it
  }
  appendUtf8(out, cp);
  return true;
}

bool Parser::parseNumber(Json &value) {
  const size_t start = pos_;
  if (at('-'))
    ++pos_;
  if (!atDigit())
    return fail("expected a digit");
  if (at('0')) {
    ++pos_;
    if (atDigit())
      return fail("leading zeros are not allowed");
  } else {
    while (atDigit())
      ++pos_;
  }
  const size_t intEnd = pos_;
  bool isInteger = true;
  if (at('.')) {
    ++pos_;
    if (!atDigit())
      return fail("expected a digit after '.'");
    while (atDigit())
      ++pos_;
    isInteger = false;
  }
  const size_t fracEnd = pos_;
  if (at('e') || at('E')) {
    ++pos_;
    if (at('+') || at('-'))
      ++pos_;
    if (!atDigit())
      return fail("expected a digit in the exponent");
    while (atDigit())
      ++pos_;
    isInteger = false;
  }
  const char *first = text_.data() + start;
  const char *last = text_.data() + pos_;
  if (isInteger) {
    int64_t integer = 0;
    if (std::from_chars(first, last, integer).ec == std::errc()) {
      value = Json(integer);
      return true;
    }
    // Outside int64: fall back to a double, like most JSON readers.
  }
  double number = 0;
  const auto result = std::from_chars(first, last, number);
  if (result.ec == std::errc::result_out_of_range) {
    if (numberOverflows(start, intEnd, fracEnd))
      return fail(start, "number out of range");
    number = text_[start] == '-' ? -0.0 : 0.0; // too small for a double: underflow to zero
  } else if (result.ec != std::errc() || result.ptr != last) {
    return fail(start, "invalid number"); // not expected: the grammar was checked above
  }
  value = Json(number);
  return true;
}

// from_chars reports both overflow and underflow as out of range; tell them apart by the
// decimal exponent of the first significant digit.
bool Parser::numberOverflows(size_t start, size_t intEnd, size_t fracEnd) const {
  const size_t intStart = text_[start] == '-' ? start + 1 : start;
  int64_t magnitude = 0;
  if (text_[intStart] != '0') {
    magnitude = static_cast<int64_t>(intEnd - intStart);
  } else {
    for (size_t i = intEnd + 1; i < fracEnd && text_[i] == '0'; ++i)
      --magnitude;
  }
  if (fracEnd < pos_) { // an exponent follows
    size_t i = fracEnd + 1;
    bool negative = false;
    if (text_[i] == '+' || text_[i] == '-')
      negative = text_[i++] == '-';
    int64_t exponent = 0;
    for (; i < pos_; ++i) {
      // Saturate: anything this large is far outside the double range either way.
      exponent = std::min<int64_t>(exponent * 10 + (text_[i] - '0'), 1'000'000'000);
    }
    magnitude += negative ? -exponent : exponent;
  }
  return magnitude > 0;
}

bool Parser::parseLiteral(Json &value) {
  const std::string_view rest = text_.substr(pos_);
  auto match = [&](std::string_view word, Json literal) {
    if (!rest.starts_with(word))
      return false;
    value = std::move(literal);
    pos_ += word.size();
    return true;
  };
  if (match("true", true) || match("false", false) || match("null", nullptr))
    return true;
  return fail("expected a value");
}

} // namespace

// ---- Json --------------------------------------------------------------------------------

Json::Type Json::type() const {
  switch (v_.index()) {
  case 0:
    return Type::Null;
  case 1:
    return Type::Bool;
  case 2:
  case 3:
    return Type::Number;
  case 4:
    return Type::String;
  case 5:
    return Type::Array;
  default:
    return Type::Object;
  }
}

bool Json::asBool() const {
  const bool *value = std::get_if<bool>(&v_);
  return value && *value;
}

double Json::asNumber() const {
  if (const auto *integer = std::get_if<int64_t>(&v_))
    return static_cast<double>(*integer);
  if (const auto *number = std::get_if<double>(&v_))
    return *number;
  return 0;
}

std::optional<int64_t> Json::asInt() const {
  if (const auto *integer = std::get_if<int64_t>(&v_))
    return *integer;
  if (const auto *number = std::get_if<double>(&v_))
    return exactInt64(*number);
  return std::nullopt;
}

const std::string &Json::asString() const {
  static const std::string empty;
  const auto *value = std::get_if<std::string>(&v_);
  return value ? *value : empty;
}

const Json::Array &Json::asArray() const {
  static const Array empty;
  const auto *value = std::get_if<Array>(&v_);
  return value ? *value : empty;
}

const Json::Object &Json::asObject() const {
  static const Object empty;
  const auto *value = std::get_if<Object>(&v_);
  return value ? *value : empty;
}

const Json *Json::find(std::string_view key) const {
  const auto *object = std::get_if<Object>(&v_);
  if (!object)
    return nullptr;
  for (const auto &[name, value] : *object) {
    if (name == key)
      return &value;
  }
  return nullptr;
}

Json &Json::set(std::string key, Json value) {
  assert(isNull() || isObject());
  if (!isObject())
    v_ = Object{};
  auto &object = std::get<Object>(v_);
  for (auto &[name, existing] : object) {
    if (name == key) {
      existing = std::move(value);
      return *this;
    }
  }
  object.emplace_back(std::move(key), std::move(value));
  return *this;
}

Json &Json::push(Json value) {
  assert(isNull() || isArray());
  if (!isArray())
    v_ = Array{};
  std::get<Array>(v_).push_back(std::move(value));
  return *this;
}

std::string Json::dump() const {
  std::string out;
  dumpTo(out);
  return out;
}

void Json::dumpTo(std::string &out) const {
  switch (v_.index()) {
  case 0:
    out += "null";
    break;
  case 1:
    out += std::get<bool>(v_) ? "true" : "false";
    break;
  case 2:
    out += std::to_string(std::get<int64_t>(v_));
    break;
  case 3:
    dumpDouble(out, std::get<double>(v_));
    break;
  case 4:
    dumpString(out, std::get<std::string>(v_));
    break;
  case 5: {
    out.push_back('[');
    bool first = true;
    for (const Json &element : std::get<Array>(v_)) {
      if (!first)
        out.push_back(',');
      first = false;
      element.dumpTo(out);
    }
    out.push_back(']');
    break;
  }
  default: {
    out.push_back('{');
    bool first = true;
    for (const auto &[key, value] : std::get<Object>(v_)) {
      if (!first)
        out.push_back(',');
      first = false;
      dumpString(out, key);
      out.push_back(':');
      value.dumpTo(out);
    }
    out.push_back('}');
  }
  }
}

Result<Json> Json::parse(std::string_view text, const ParseLimits &limits) {
  return Parser(text, limits).run();
}

bool Json::operator==(const Json &other) const {
  if (isNumber() && other.isNumber()) {
    const auto *a = std::get_if<int64_t>(&v_);
    const auto *b = std::get_if<int64_t>(&other.v_);
    if (a && b)
      return *a == *b;
    if (!a && !b)
      return std::get<double>(v_) == std::get<double>(other.v_);
    // Mixed: compare exactly, without rounding the integer to a double.
    const std::optional<int64_t> asInteger =
        exactInt64(a ? std::get<double>(other.v_) : std::get<double>(v_));
    return asInteger && *asInteger == (a ? *a : *b);
  }
  if (v_.index() != other.v_.index())
    return false;
  if (const auto *object = std::get_if<Object>(&v_)) {
    const Object &otherObject = std::get<Object>(other.v_);
    if (object->size() != otherObject.size())
      return false;
    // Both directions, so hand-built objects with repeated keys cannot fake equality.
    auto contains = [](const Json &container, const Object &members) {
      for (const auto &[key, value] : members) {
        const Json *found = container.find(key);
        if (!found || !(*found == value))
          return false;
      }
      return true;
    };
    return contains(other, *object) && contains(*this, otherObject);
  }
  return v_ == other.v_;
}

} // namespace wisp
