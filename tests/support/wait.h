// Polling until something becomes true: the end-to-end tests watch other processes, which
// offer no event to block on.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace wisp::test {

// Calls `pred` every `poll` until it returns true or `timeout` has passed; it is always called
// at least once, and once more at the deadline. True if it returned true.
inline bool waitUntil(const std::function<bool()> &pred, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred())
      return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return false;
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::max(std::min(remaining, poll), std::chrono::milliseconds(1)));
  }
}

} // namespace wisp::test
