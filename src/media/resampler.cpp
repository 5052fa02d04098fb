#include "media/resampler.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <numeric>

namespace wisp {
namespace {

constexpr int kZeroCrossings = 32; // kernel half-width, in low-rate sample periods
constexpr int kOversample = 512;   // table entries per low-rate sample period
constexpr double kRolloff = 0.93;  // cutoff as a fraction of the lower Nyquist
constexpr uint64_t kMaxCachedTaps = 1u << 20;

double besselI0(double x) {
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50 && term > 1e-12 * sum; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
  }
  return sum;
}

} // namespace

SincResampler::SincResampler() {
  table_.resize(kZeroCrossings * kOversample + 2);
  const double beta = 8.6; // ~86 dB stopband
  const double norm = besselI0(beta);
  for (size_t j = 0; j < table_.size(); ++j) {
    const double u = static_cast<double>(j) / kOversample; // in low-rate sample periods
    const double r = u / kZeroCrossings;
    const double window = r >= 1.0 ? 0.0 : besselI0(beta * std::sqrt(1.0 - r * r)) / norm;
    const double x = kRolloff * u;
    const double sinc = x == 0.0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
    table_[j] = kRolloff * sinc * window;
  }
}

std::vector<float> SincResampler::convert(const std::vector<float> &in, unsigned fromRate,
                                          unsigned toRate) const {
  // Output n sits at input position t = n·from/to = base + phase/phases: an integer plus
  // one of `phases` fractions. The taps depend only on the fraction, so for the usual
  // rates (48k: 1 phase, 44.1k: 80) they are computed once per phase.
  const uint64_t common = std::gcd(fromRate, toRate);
  const uint64_t from = fromRate / common, phases = toRate / common;
  const double scale = std::min(1.0, static_cast<double>(toRate) / fromRate); // lower rate
  const auto reach = static_cast<long long>(std::ceil(kZeroCrossings / scale));
  const auto taps = static_cast<size_t>(2 * reach); // k = base - reach + 1 ... base + reach
  const bool cached = phases * taps <= kMaxCachedTaps;
  std::vector<float> weights(cached ? phases * taps : taps);
  auto fillTaps = [&](uint64_t phase, float *row) {
    const double frac = static_cast<double>(phase) / static_cast<double>(phases);
    for (size_t j = 0; j < taps; ++j) {
      const double offset = static_cast<double>(reach - 1 - static_cast<long long>(j)) + frac;
      row[j] = static_cast<float>(kernel(std::abs(offset) * scale) * scale);
    }
  };
  if (cached)
    for (uint64_t phase = 0; phase < phases; ++phase)
      fillTaps(phase, &weights[phase * taps]);

  const auto outCount = static_cast<size_t>(static_cast<uint64_t>(in.size()) * phases / from);
  const auto size = static_cast<long long>(in.size());
  std::vector<float> out(outCount);
  for (size_t n = 0; n < outCount; ++n) {
    const uint64_t position = n * from; // in units of 1/phases input samples
    const auto base = static_cast<long long>(position / phases);
    const uint64_t phase = position % phases;
    float *row = weights.data();
    if (cached)
      row += phase * taps;
    else
      fillTaps(phase, row);
    const long long firstK = base - reach + 1;
    const auto jBegin = static_cast<size_t>(std::max(0LL, -firstK));
    const auto jEnd =
        static_cast<size_t>(std::clamp(size - firstK, 0LL, static_cast<long long>(taps)));
    double acc = 0.0;
    for (size_t j = jBegin; j < jEnd; ++j)
      acc += static_cast<double>(in[static_cast<size_t>(firstK) + j] * row[j]);
    out[n] = static_cast<float>(acc);
  }
  return out;
}

double SincResampler::kernel(double u) const {
  const double pos = u * kOversample;
  const auto i = static_cast<size_t>(pos);
  if (i + 1 >= table_.size())
    return 0.0;
  const double frac = pos - static_cast<double>(i);
  return table_[i] + frac * (table_[i + 1] - table_[i]);
}

} // namespace wisp
