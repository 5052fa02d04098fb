// Paces a thread to one audio frame every 20 ms on the monotonic clock, without drift:
// each deadline is the previous one plus 20 ms, not "now" plus 20 ms.
#pragma once

#include "media/audio_frame.h"

#include <cerrno>
#include <ctime>

namespace wisp {

class FrameClock {
public:
  void reset() { clock_gettime(CLOCK_MONOTONIC, &next_); }

  // Sleeps until the next frame is due. If the thread fell far behind (suspend, debugger),
  // it starts a fresh time line instead of bursting frames to catch up.
  void waitNextFrame() {
    advance(next_, kFrameMs * 1000000L);
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long long behindNs =
        (now.tv_sec - next_.tv_sec) * 1000000000LL + (now.tv_nsec - next_.tv_nsec);
    if (behindNs > 200 * 1000000LL) {
      next_ = now;
      return;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next_, nullptr) == EINTR) {
    }
  }

private:
  static void advance(timespec &t, long ns) {
    t.tv_nsec += ns;
    while (t.tv_nsec >= 1000000000L) {
      t.tv_nsec -= 1000000000L;
      ++t.tv_sec;
    }
  }
  timespec next_{};
};

} // namespace wisp
