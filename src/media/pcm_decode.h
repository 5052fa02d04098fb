// Decoding the samples of a WAV data chunk: 8-bit (unsigned) or 16-bit PCM and G.711 mu-law
// or A-law, any number of interleaved channels, averaged to one. The WAV parser checks the
// format first; these functions trust it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wisp {

// WAVE format codes: the first field of a 'fmt ' chunk.
inline constexpr uint16_t kWaveFormatPcm = 1;
inline constexpr uint16_t kWaveFormatFloat = 3;
inline constexpr uint16_t kWaveFormatAlaw = 6;
inline constexpr uint16_t kWaveFormatMulaw = 7;
inline constexpr uint16_t kWaveFormatExtensible = 0xFFFE;

// How the samples are stored, as a 'fmt ' chunk says.
struct SampleFormat {
  uint16_t code = 0; // after unwrapping WAVE_FORMAT_EXTENSIBLE
  unsigned channels = 0;
  unsigned rate = 0;
  unsigned bits = 0;
  unsigned bytesPerSample() const { return (bits + 7) / 8; }
  size_t bytesPerFrame() const { return static_cast<size_t>(channels) * bytesPerSample(); }
};

int16_t decodeMulaw(uint8_t code);
int16_t decodeAlaw(uint8_t code);

// One sample of a PCM, mu-law or A-law format, at int16 scale.
float decodeSample(const SampleFormat &format, const uint8_t *sample);

// Every whole frame of `data` (a trailing partial frame is dropped), its channels averaged:
// int16 scale, but still float so that resampling does not round twice.
std::vector<float> decodeToMono(const SampleFormat &format, std::span<const uint8_t> data);

} // namespace wisp
