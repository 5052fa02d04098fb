// Smooths the arrival of RTP audio for one call: packets arrive when the network delivers
// them, frames leave on the local audio clock. Decoded samples wait in a FIFO with a small
// prebuffer; late or duplicate packets are dropped, a gap in the sequence (loss) leaves
// a gap in time, and the depth is capped so latency cannot grow without bound.
#pragma once

#include "media/audio_frame.h"

#include <cstdint>
#include <deque>
#include <span>

namespace wisp {

class JitterBuffer {
public:
  struct Config {
    unsigned prebufferFrames = 2; // wait for this much audio before playing (40 ms)
    unsigned maxFrames = 8;       // beyond this the oldest audio is dropped (160 ms)
  };

  JitterBuffer() : JitterBuffer(Config{}) {}
  explicit JitterBuffer(Config config) : config_(config) {}

  // Adds decoded samples that arrived in the RTP packet with this sequence number and
  // timestamp (8 kHz units). Returns false if the packet was too late or a duplicate. A
  // jump far back in the sequence restarts the buffer (the sender restarted).
  bool put(uint16_t seq, uint32_t timestamp, std::span<const int16_t> samples);

  // Takes the next 20 ms; false (and silence) while prebuffering or after an underrun.
  bool get(AudioFrame &frame);

  void reset();

  size_t bufferedSamples() const { return samples_.size(); }
  uint64_t underruns() const { return underruns_; }
  uint64_t dropped() const { return dropped_; }

private:
  Config config_;
  std::deque<int16_t> samples_;
  bool started_ = false; // have we seen a packet at all
  bool playing_ = false; // false while (re)filling the prebuffer
  uint16_t lastSeq_ = 0;
  uint32_t nextTimestamp_ = 0; // timestamp the next in-order packet should carry
  uint64_t underruns_ = 0;
  uint64_t dropped_ = 0;
};

} // namespace wisp
