// A bounded single-producer single-consumer queue without locks: how audio threads and the
// SIP loop trade frames. A full queue refuses the push (the caller decides what to drop);
// neither side ever blocks or allocates.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <optional>

namespace wisp {

template <class T, size_t Capacity> class SpscQueue {
  static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0, "power of two");

public:
  // Producer thread only.
  bool push(const T &item) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) == Capacity)
      return false;
    slots_[head & (Capacity - 1)] = item;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer thread only.
  bool pop(T &out) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (head_.load(std::memory_order_acquire) == tail)
      return false;
    out = slots_[tail & (Capacity - 1)];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Approximate from either side; exact when the other side is idle.
  size_t size() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
  }

private:
  std::array<T, Capacity> slots_{};
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

} // namespace wisp
