#include "media/pcm_decode.h"

#include "media/little_endian.h"

namespace wisp {

int16_t decodeMulaw(uint8_t code) {
  // G.711: codes are stored inverted; magnitude = ((mantissa·2 + 33) << exponent) − 33,
  // scaled by 4 to 16 bits (0x84 is that bias of 33, times 4).
  const unsigned u = static_cast<uint8_t>(~code);
  const int exponent = (u >> 4) & 0x07;
  const int mantissa = u & 0x0F;
  const int magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return static_cast<int16_t>((u & 0x80) ? -magnitude : magnitude);
}

int16_t decodeAlaw(uint8_t code) {
  // G.711: even bits are inverted on the wire; a set sign bit means positive.
  const unsigned a = code ^ 0x55u;
  const int exponent = (a >> 4) & 0x07;
  const int mantissa = a & 0x0F;
  int magnitude = (mantissa << 4) + 8;
  if (exponent > 0)
    magnitude = (magnitude + 0x100) << (exponent - 1);
  return static_cast<int16_t>((a & 0x80) ? magnitude : -magnitude);
}

float decodeSample(const SampleFormat &format, const uint8_t *sample) {
  switch (format.code) {
  case kWaveFormatMulaw:
    return decodeMulaw(*sample);
  case kWaveFormatAlaw:
    return decodeAlaw(*sample);
  default:
    if (format.bits == 8)
      return static_cast<float>((static_cast<int>(*sample) - 128) * 256); // 8-bit PCM is unsigned
    return static_cast<int16_t>(readLe16(sample));
  }
}

std::vector<float> decodeToMono(const SampleFormat &format, std::span<const uint8_t> data) {
  const size_t frameBytes = format.bytesPerFrame();
  std::vector<float> mono(data.size() / frameBytes);
  for (size_t i = 0; i < mono.size(); ++i) {
    const uint8_t *frame = data.data() + i * frameBytes;
    double sum = 0.0;
    for (unsigned c = 0; c < format.channels; ++c)
      sum += decodeSample(format, frame + c * format.bytesPerSample());
    mono[i] = static_cast<float>(sum / format.channels);
  }
  return mono;
}

} // namespace wisp
