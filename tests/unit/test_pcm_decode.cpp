#include "media/pcm_decode.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace wisp {
namespace {

SampleFormat pcm16(unsigned channels) {
  return SampleFormat{kWaveFormatPcm, channels, 8000, 16};
}

TEST(PcmDecode, SixteenBitSamplesAreSignedLittleEndian) {
  const std::vector<uint8_t> bytes = {0x01, 0x00, 0xFF, 0x7F, 0x00, 0x80, 0xFF, 0xFF, 0x34, 0x12};
  EXPECT_EQ(decodeToMono(pcm16(1), bytes), (std::vector<float>{1, 32767, -32768, -1, 0x1234}));
}

TEST(PcmDecode, ChannelsAreAveragedWithoutRounding) {
  // Three channels of 16 bits: (1 + 2 + 2) / 3, then (-3 + 0 + 0) / 3.
  const std::vector<uint8_t> bytes = {1, 0, 2, 0, 2, 0, 0xFD, 0xFF, 0, 0, 0, 0};
  const std::vector<float> mono = decodeToMono(pcm16(3), bytes);
  ASSERT_EQ(mono.size(), 2u);
  EXPECT_FLOAT_EQ(mono[0], 5.0f / 3.0f);
  EXPECT_FLOAT_EQ(mono[1], -1.0f);
}

TEST(PcmDecode, APartialTrailingFrameIsDropped) {
  // Stereo 16-bit: 4 bytes a frame; 10 bytes hold two frames and half of a third.
  const std::vector<uint8_t> bytes(10, 0x10);
  EXPECT_EQ(decodeToMono(pcm16(2), bytes).size(), 2u);
  EXPECT_TRUE(decodeToMono(pcm16(2), std::vector<uint8_t>(3, 0)).empty());
}

TEST(PcmDecode, EightBitPcmIsUnsignedAroundTheMiddle) {
  const SampleFormat u8{kWaveFormatPcm, 1, 8000, 8};
  const std::vector<uint8_t> bytes = {0, 127, 128, 129, 255};
  EXPECT_EQ(decodeToMono(u8, bytes), (std::vector<float>{-32768, -256, 0, 256, 32512}));
}

// The full tables are checked against librem's in test_wav_file.cpp; these are G.711's
// structure: the top bit is the sign, and the other seven bits grow the magnitude steadily.
TEST(PcmDecode, G711CodesAreSymmetricAndMonotonic) {
  for (int code = 0; code < 128; ++code) {
    SCOPED_TRACE(code);
    const auto c = static_cast<uint8_t>(code);
    EXPECT_EQ(decodeMulaw(c), -decodeMulaw(static_cast<uint8_t>(c | 0x80)));
    EXPECT_EQ(decodeAlaw(static_cast<uint8_t>(c | 0x80)), -decodeAlaw(c));
    if (code > 0) {
      // mu-law codes are stored inverted: a larger code is a smaller magnitude.
      EXPECT_LT(decodeMulaw(static_cast<uint8_t>(0x80 | code)),
                decodeMulaw(static_cast<uint8_t>(0x80 | (code - 1))));
    }
  }
  // A-law inverts every other bit on the wire: undo that to walk the magnitudes in order.
  for (int step = 1; step < 128; ++step) {
    EXPECT_GT(decodeAlaw(static_cast<uint8_t>((0x80 | step) ^ 0x55)),
              decodeAlaw(static_cast<uint8_t>((0x80 | (step - 1)) ^ 0x55)))
        << step;
  }
  const SampleFormat mulaw{kWaveFormatMulaw, 1, 8000, 8};
  const SampleFormat alaw{kWaveFormatAlaw, 1, 8000, 8};
  const std::vector<uint8_t> codes = {0x00, 0x55, 0xD5, 0xFF};
  const std::vector<float> mu = decodeToMono(mulaw, codes);
  const std::vector<float> a = decodeToMono(alaw, codes);
  for (size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(mu[i], decodeMulaw(codes[i]));
    EXPECT_EQ(a[i], decodeAlaw(codes[i]));
  }
}

} // namespace
} // namespace wisp
