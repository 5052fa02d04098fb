// The unit of audio that moves between devices and calls: 20 ms of 16-bit mono PCM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wisp {

inline constexpr unsigned kSampleRate = 8000;                          // Hz, what G.711 carries
inline constexpr unsigned kFrameMs = 20;                               // packetisation time (ptime)
inline constexpr size_t kFrameSamples = kSampleRate * kFrameMs / 1000; // 160

using AudioFrame = std::array<int16_t, kFrameSamples>;

} // namespace wisp
