#include "media/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace wisp {
namespace {

struct Rates {
  unsigned from;
  unsigned to;
};

// The resampler is general; the WAV reader only ever asks for 8 kHz (test_wav_file.cpp).
// 96001 -> 8000 has 8000 phases of 770 taps: too many to tabulate, so taps are computed per
// sample, the other path through convert().
const Rates kRatePairs[] = {{44100, 8000}, {16000, 8000},  {8000, 48000},
                            {8000, 44100}, {11025, 16000}, {96001, 8000}};

const SincResampler &resampler() {
  static const SincResampler instance;
  return instance;
}

std::vector<float> sine(double freqHz, unsigned rate, double seconds, double amplitude) {
  std::vector<float> out(static_cast<size_t>(seconds * rate));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<float>(
        amplitude * std::sin(2 * std::numbers::pi * freqHz * static_cast<double>(i) / rate));
  }
  return out;
}

// The middle half: the ends fade in and out, as the input is silent beyond them.
double middleRms(const std::vector<float> &x) {
  double sum = 0;
  for (size_t i = x.size() / 4; i < x.size() * 3 / 4; ++i) {
    sum += static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(sum / static_cast<double>(x.size() / 2));
}

TEST(SincResampler, OutputLengthFollowsTheRateRatio) {
  for (const Rates &r : kRatePairs) {
    for (size_t n : {0u, 1u, 7u, 1000u, 44100u}) {
      const std::vector<float> in(n, 0.0f);
      EXPECT_EQ(resampler().convert(in, r.from, r.to).size(),
                static_cast<size_t>(static_cast<uint64_t>(n) * r.to / r.from))
          << r.from << " -> " << r.to << ", " << n << " samples";
    }
  }
}

TEST(SincResampler, ConstantLevelIsKept) {
  for (const Rates &r : kRatePairs) {
    const std::vector<float> in(r.from / 2, 1000.0f); // half a second
    const std::vector<float> out = resampler().convert(in, r.from, r.to);
    ASSERT_FALSE(out.empty());
    for (size_t i = out.size() / 4; i < out.size() * 3 / 4; ++i) {
      ASSERT_NEAR(out[i], 1000.0f, 5.0f) << r.from << " -> " << r.to << " at " << i;
    }
  }
}

TEST(SincResampler, PassesTheTelephoneBandAndStopsWhatWouldAlias) {
  for (const Rates &r : kRatePairs) {
    SCOPED_TRACE(std::to_string(r.from) + " -> " + std::to_string(r.to));
    const std::vector<float> tone = sine(1000, r.from, 0.5, 10000);
    EXPECT_NEAR(middleRms(resampler().convert(tone, r.from, r.to)), middleRms(tone),
                0.01 * middleRms(tone));
    const unsigned lowerRate = std::min(r.from, r.to);
    if (r.from > r.to) {
      // Just above the output's Nyquist frequency: it would fold back into the band.
      const std::vector<float> high = sine(0.55 * lowerRate, r.from, 0.5, 10000);
      EXPECT_LT(middleRms(resampler().convert(high, r.from, r.to)), middleRms(high) / 1000);
    }
  }
}

} // namespace
} // namespace wisp
