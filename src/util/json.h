// A small, strict JSON value type: what the control socket reads and writes.
//
// The socket accepts data from any local process, so parse() follows RFC 8259 to the letter,
// never recurses, and bounds both input size and nesting depth. Values built in code are
// expected to be small and shallow (dump() and the destructor recurse over the nesting).
#pragma once

#include "util/result.h"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace wisp {

struct ParseLimits {
  // Nested arrays/objects; `[[1]]` has depth 2. Parsing itself never recurses, but dump() and
  // destruction of the result do, so keep this modest.
  size_t maxDepth = 32;
  size_t maxSize = 64 * 1024; // bytes of input text, whitespace included
};

class Json {
public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  // A vector, not a map: output keeps insertion order, so dumps are stable and readable.
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default; // null
  Json(std::nullptr_t) {}
  Json(bool value) : v_(value) {}
  // Any integer type (int, size_t, int64_t, ...) without overload ambiguity. Integers that fit
  // int64 are kept exactly; larger unsigned values become doubles. `char` is excluded because
  // Json('x') is almost certainly a mistake.
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Json(T value)
      : v_(fromInteger(value)) {}
  Json(double value) : v_(value) {}
  // A null pointer gives a JSON null rather than undefined behaviour.
  Json(const char *value) : v_(value ? Storage(std::string(value)) : Storage(nullptr)) {}
  Json(std::string value) : v_(std::move(value)) {}
  Json(std::string_view value) : v_(std::string(value)) {}
  Json(Array value) : v_(std::move(value)) {}
  Json(Object value) : v_(std::move(value)) {}

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const;
  bool isNull() const { return type() == Type::Null; }
  bool isBool() const { return type() == Type::Bool; }
  bool isNumber() const { return type() == Type::Number; }
  bool isString() const { return type() == Type::String; }
  bool isArray() const { return type() == Type::Array; }
  bool isObject() const { return type() == Type::Object; }

  // Accessors never fail: on the wrong type they return false / 0 / "" / an empty container,
  // so code handling untrusted input cannot hit undefined behaviour by forgetting a check.
  bool asBool() const;
  double asNumber() const;
  // The number as an int64 if it is one exactly (42 and 42.0 yes; 42.5, 1e300, "42" no).
  std::optional<int64_t> asInt() const;
  const std::string &asString() const;
  const Array &asArray() const;
  const Object &asObject() const;

  // Object member lookup; nullptr if absent or if this is not an object.
  const Json *find(std::string_view key) const;
  // Object: replaces the value of an existing key or appends a new one. A null becomes an
  // empty object first; any other non-object is a programming error (asserts, then replaced).
  Json &set(std::string key, Json value);
  // Array append, with the same null-becomes-array rule as set().
  Json &push(Json value);

  // Compact, single-line JSON without a trailing newline. Integers print without a decimal
  // point, doubles in the shortest form that parses back to the same double (always with a
  // '.' or exponent, so they stay doubles), NaN and infinities as null. Invalid UTF-8 in
  // strings is replaced with U+FFFD so the output is always valid JSON.
  std::string dump() const;

  // Errors are Error{"bad_json", "invalid JSON at byte N: ..."}; the message says "too deep"
  // or "too large" when a limit was hit. Integers outside int64 become doubles; numbers beyond
  // the double range are rejected, those too small for it become 0. \u escapes that form a lone
  // UTF-16 surrogate decode to U+FFFD (the rest of the text must be valid UTF-8).
  static Result<Json> parse(std::string_view text, const ParseLimits &limits = {});

  // Structural equality. Numbers compare by value (1 == 1.0); object members compare
  // regardless of order (parse() rejects duplicate keys, so objects are sets of keys).
  bool operator==(const Json &other) const;

private:
  using Storage = std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object>;

  template <std::integral T> static Storage fromInteger(T value) {
    if constexpr (std::is_signed_v<T> || sizeof(T) < sizeof(int64_t)) {
      return static_cast<int64_t>(value);
    } else {
      if (value <= static_cast<uint64_t>(INT64_MAX))
        return static_cast<int64_t>(value);
      return static_cast<double>(value);
    }
  }

  void dumpTo(std::string &out) const;

  Storage v_;
};

} // namespace wisp
