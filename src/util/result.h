// A value or an error message: what every fallible parser and loader in Wisp returns.
// (std::expected is C++23; this is the small subset we need.)
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace wisp {

// An error with a stable machine-readable code and a sentence for people.
struct Error {
  std::string code;    // e.g. "bad_argument", "not_found", "config"
  std::string message; // complete sentence shown to the user
};

template <class T> class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T &value() & { assert(ok()); return std::get<T>(v_); }
  const T &value() const & { assert(ok()); return std::get<T>(v_); }
  T &&value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() { return value(); }
  const T &operator*() const { return value(); }

  const Error &error() const { assert(!ok()); return std::get<Error>(v_); }

private:
  std::variant<T, Error> v_;
};

// For operations that return nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error makeError(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

} // namespace wisp
