#include "media/jitter_buffer.h"

#include <algorithm>

namespace wisp {
namespace {
// A jump back by more than this many packets is a new source, not a late packet.
constexpr int kRestartJump = 100;
} // namespace

bool JitterBuffer::put(uint16_t seq, uint32_t timestamp, std::span<const int16_t> samples) {
  if (started_) {
    const auto seqDelta = int16_t(uint16_t(seq - lastSeq_));
    if (seqDelta < -kRestartJump) {
      // Far behind: the sender restarted its sequence (new source). Start over with it.
      reset();
    } else if (seqDelta <= 0) { // duplicate, or reordered behind what we already queued
      ++dropped_;
      return false;
    }
  }
  if (started_) {
    // A loss or a silence period shows as a timestamp jump: keep the time line, but
    // bridge at most one prebuffer of it so a long pause does not add latency.
    const auto tsDelta = int32_t(timestamp - nextTimestamp_);
    if (tsDelta > 0) {
      const size_t gap = std::min<size_t>(size_t(tsDelta), config_.prebufferFrames * kFrameSamples);
      if (playing_)
        samples_.insert(samples_.end(), gap, int16_t(0));
    }
  }
  started_ = true;
  lastSeq_ = seq;
  nextTimestamp_ = timestamp + uint32_t(samples.size());
  samples_.insert(samples_.end(), samples.begin(), samples.end());

  const size_t cap = size_t(config_.maxFrames) * kFrameSamples;
  if (samples_.size() > cap) {
    dropped_ += (samples_.size() - cap) / kFrameSamples;
    samples_.erase(samples_.begin(), samples_.begin() + std::ptrdiff_t(samples_.size() - cap));
  }
  return true;
}

bool JitterBuffer::get(AudioFrame &frame) {
  if (!playing_ && samples_.size() >= config_.prebufferFrames * kFrameSamples)
    playing_ = true;
  if (!playing_ || samples_.size() < kFrameSamples) {
    if (playing_) {
      ++underruns_;
      playing_ = false;
    }
    frame.fill(0);
    return false;
  }
  std::copy_n(samples_.begin(), kFrameSamples, frame.begin());
  samples_.erase(samples_.begin(), samples_.begin() + kFrameSamples);
  return true;
}

void JitterBuffer::reset() {
  samples_.clear();
  started_ = false;
  playing_ = false;
}

} // namespace wisp
