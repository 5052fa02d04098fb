// libre calls us back from C. An exception unwinding through its frames would skip its
// cleanup and corrupt the stack's state, so every callback body runs inside this guard:
// the exception is logged and the callback returns a fallback value instead.
#pragma once

#include "util/log.h"

#include <exception>
#include <type_traits>
#include <utility>

namespace wisp {

// Runs body(); on an exception logs it and returns `fallback` (else a value-initialised
// result; nothing for void bodies).
template <class F, class... Fallback>
auto guardCallback(const char *where, F &&body, Fallback... fallback) noexcept
    -> decltype(body()) {
  try {
    return std::forward<F>(body)();
  } catch (const std::exception &e) {
    log::error("internal", "%s: %s", where, e.what());
  } catch (...) {
    log::error("internal", "%s: unknown exception", where);
  }
  if constexpr (sizeof...(Fallback) > 0)
    return (fallback, ...);
  else if constexpr (!std::is_void_v<decltype(body())>)
    return decltype(body()){};
}

} // namespace wisp
