#include "support/audio_analysis.h"

#include "media/wav_file.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <numbers>
#include <utility>

namespace wisp {

namespace {

constexpr double kFullScale = 32768.0;
constexpr unsigned kRate = 8000;
constexpr size_t kBlock = 160;      // 20 ms: the unit in which activity is judged
constexpr size_t kWindow = 4000;    // 0.5 s: the unit in which matching is judged
constexpr size_t kMinWindow = 800;  // a shorter recording still gets one window if >= 0.1 s
constexpr double kActiveDbfs = -50; // quieter than this is silence (G.711 idle is far below)
constexpr double kMatchedNcc = 0.9;

double toDbfs(double rms) {
  // AES17: full-scale sine (rms = full scale / sqrt 2) is 0 dBFS.
  if (rms <= 0)
    return -std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(rms * std::numbers::sqrt2 / kFullScale);
}

double energy(std::span<const int16_t> x) {
  double sum = 0;
  for (int16_t v : x)
    sum += static_cast<double>(v) * v;
  return sum;
}

bool isActive(std::span<const int16_t> x) {
  return !x.empty() && rmsDbfs(x) >= kActiveDbfs;
}

using Complex = std::complex<double>;

// (a + ib)(c + id) written out: std::complex's operator* checks for NaN/inf (a library call per
// product), which made the transform several times slower.
Complex times(Complex x, Complex y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

// Iterative radix-2 FFT of one fixed power-of-two size, with its twiddle factors computed once.
class Fft {
public:
  explicit Fft(size_t size) : size_(size), twiddle_(size / 2) {
    for (size_t k = 0; k < twiddle_.size(); ++k)
      twiddle_[k] = std::polar(1.0, -2 * std::numbers::pi * static_cast<double>(k) /
                                        static_cast<double>(size));
  }

  size_t size() const { return size_; }

  // In place; the inverse leaves out the 1/size scaling.
  void transform(std::vector<Complex> &a, bool inverse) const {
    for (size_t i = 1, j = 0; i < size_; ++i) {
      size_t bit = size_ >> 1;
      for (; j & bit; bit >>= 1)
        j ^= bit;
      j ^= bit;
      if (i < j)
        std::swap(a[i], a[j]);
    }
    for (size_t half = 1; half < size_; half <<= 1) {
      const size_t stride = size_ / (2 * half);
      for (size_t i = 0; i < size_; i += 2 * half)
        for (size_t k = 0; k < half; ++k) {
          const Complex w = inverse ? std::conj(twiddle_[k * stride]) : twiddle_[k * stride];
          const Complex u = a[i + k];
          const Complex v = times(a[i + k + half], w);
          a[i + k] = u + v;
          a[i + k + half] = u - v;
        }
    }
  }

private:
  size_t size_;
  std::vector<Complex> twiddle_;
};

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// The reference repeated to cover every lag of every window, its spectrum, and running sums
// of its energy so each lag's normalisation costs O(1).
class LoopedReference {
public:
  LoopedReference(const std::vector<int16_t> &reference, size_t window)
      : period_(reference.size()), fft_(fftSizeFor(period_ + window - 1)) {
    const size_t length = period_ + window - 1;
    spectrum_.assign(fft_.size(), 0.0);
    prefixEnergy_.assign(length + 1, 0.0);
    for (size_t i = 0; i < length; ++i) {
      const double v = reference[i % period_];
      spectrum_[i] = v;
      prefixEnergy_[i + 1] = prefixEnergy_[i] + v * v; // sums of integers: exact in a double
    }
    fft_.transform(spectrum_, false);
  }

  struct Best {
    double ncc = 0;
    size_t lag = 0;
  };

  // Best normalised correlation against the reference at any lag in [0, period) for two
  // windows at once: both are real, so one goes in the real and one in the imaginary part
  // of a single transform, and their two real correlations come back the same way.
  std::pair<Best, Best> bestMatches(std::span<const int16_t> a, std::span<const int16_t> b) const {
    const size_t n = fft_.size();
    std::vector<Complex> z(n, 0.0);
    for (size_t i = 0; i < a.size(); ++i)
      z[i].real(a[i]);
    for (size_t i = 0; i < b.size(); ++i)
      z[i].imag(b[i]);
    fft_.transform(z, false);
    // With Z = FFT(a + ib): A[k] = (Z[k] + conj Z[-k]) / 2, B[k] = (Z[k] - conj Z[-k]) / 2i.
    // Correlation spectra are R·conj(A) and R·conj(B); send back R·(conj A + i conj B).
    std::vector<Complex> product(n);
    for (size_t k = 0; k < n; ++k) {
      const Complex zk = z[k], zm = std::conj(z[(n - k) % n]);
      const Complex specA = (zk + zm) * 0.5;
      const Complex specB = times(zk - zm, Complex(0, -0.5));
      product[k] = times(spectrum_[k], std::conj(specA) + times(Complex(0, 1), std::conj(specB)));
    }
    fft_.transform(product, true); // product[lag] = n · (corrA[lag] + i corrB[lag])
    return {best(a, product, false), best(b, product, true)};
  }

private:
  static size_t fftSizeFor(size_t length) {
    size_t size = 1;
    while (size < length)
      size <<= 1;
    return size;
  }

  Best best(std::span<const int16_t> w, const std::vector<Complex> &correlation,
            bool imaginary) const {
    Best best;
    if (w.empty())
      return best;
    const double n = static_cast<double>(fft_.size());
    const double windowEnergy = energy(w);
    // Below one LSB rms the reference is silent there and FFT rounding would dominate.
    const double quietest = static_cast<double>(w.size());
    for (size_t lag = 0; lag < period_; ++lag) {
      const double refEnergy = prefixEnergy_[lag + w.size()] - prefixEnergy_[lag];
      if (refEnergy < quietest)
        continue;
      const double c = imaginary ? correlation[lag].imag() : correlation[lag].real();
      const double ncc = c / n / std::sqrt(windowEnergy * refEnergy);
      if (ncc > best.ncc) {
        best.ncc = std::min(ncc, 1.0);
        best.lag = lag;
      }
    }
    return best;
  }

  size_t period_;
  Fft fft_;
  std::vector<Complex> spectrum_;
  std::vector<double> prefixEnergy_;
};

} // namespace

std::vector<int16_t> makeToneSequence(const std::vector<ToneStep> &steps, unsigned rate) {
  std::vector<int16_t> out;
  const double rampStep = 1.0 / (0.002 * rate); // full-scale change per sample in a 2 ms ramp
  double phase = 0;                             // in cycles, carried across steps
  double amplitude = 0;                         // current (ramped) amplitude
  for (const auto &step : steps) {
    const auto count = static_cast<size_t>(static_cast<uint64_t>(step.durationMs) * rate / 1000);
    const double target = step.frequencyHz > 0 ? std::clamp(step.amplitude, 0.0, 1.0) : 0.0;
    for (size_t i = 0; i < count; ++i) {
      amplitude += std::clamp(target - amplitude, -rampStep, rampStep);
      const double v = amplitude * std::sin(2 * std::numbers::pi * phase) * 32767.0;
      out.push_back(static_cast<int16_t>(std::lrint(v)));
      if (step.frequencyHz > 0)
        phase = std::fmod(phase + step.frequencyHz / rate, 1.0);
    }
  }
  return out;
}

// Frequencies are not multiples of 50 Hz, so a signal slipped by a whole 20 ms frame is out of
// phase with itself: the matcher really checks alignment, not just which tones are present.
const std::vector<int16_t> &signalA() {
  constexpr double a = 0.25; // -12 dBFS
  static const std::vector<int16_t> signal = makeToneSequence({
      {610, 220, a},
      {1270, 180, a},
      {0, 80, 0},
      {870, 260, a},
      {2130, 160, a},
      {1010, 300, a},
      {0, 120, 0},
      {2910, 200, a},
      {730, 240, a},
      {1590, 180, a},
      {0, 60, 0},
      {1010, 140, a},
      {2130, 220, a},
      {610, 160, a},
  });
  return signal;
}

const std::vector<int16_t> &signalB() {
  constexpr double a = 0.25;
  static const std::vector<int16_t> signal = makeToneSequence({
      {1430, 300, a},
      {460, 200, a},
      {3170, 140, a},
      {0, 100, 0},
      {1850, 260, a},
      {1130, 180, a},
      {2490, 220, a},
      {0, 60, 0},
      {370, 240, a},
      {1710, 160, a},
      {1130, 200, a},
      {0, 140, 0},
      {2490, 180, a},
      {1430, 220, a},
  });
  return signal;
}

Status writeWav(const std::filesystem::path &path, const std::vector<int16_t> &samples,
                unsigned rate) {
  auto writer = WavWriter::create(path, rate);
  if (!writer)
    return writer.error();
  if (auto written = writer->write(samples.data(), samples.size()); !written)
    return written;
  return writer->finish();
}

double rmsDbfs(std::span<const int16_t> x) {
  if (x.empty())
    return -std::numeric_limits<double>::infinity();
  return toDbfs(std::sqrt(energy(x) / static_cast<double>(x.size())));
}

double toneLevelDbfs(std::span<const int16_t> x, double freqHz, unsigned rate) {
  // Goertzel at exactly freqHz (no bin rounding), Hann-windowed so that other tones and
  // the sine's own negative-frequency image do not leak in.
  const size_t n = x.size();
  if (n < 2)
    return -std::numeric_limits<double>::infinity();
  const double omega = 2 * std::numbers::pi * freqHz / rate;
  const double coeff = 2 * std::cos(omega);
  double s1 = 0, s2 = 0, windowSum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) /
                                          static_cast<double>(n - 1));
    windowSum += w;
    const double s0 = x[i] * w + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double re = s1 - s2 * std::cos(omega);
  const double im = s2 * std::sin(omega);
  const double amplitude = 2 * std::sqrt(re * re + im * im) / windowSum;
  return toDbfs(amplitude / std::numbers::sqrt2);
}

std::string MatchReport::summary() const {
  char text[256];
  std::snprintf(text, sizeof text,
                "%d active windows, median correlation %.3f, best %.3f, %.0f%% matched "
                "(>= %.2f), lag %d samples, active %.2f s at %.1f dBFS",
                windows, medianWindowCorrelation, bestCorrelation, 100 * fractionWindowsMatched,
                kMatchedNcc, lagSamples, activeSeconds, recordedRmsDbfs);
  return text;
}

MatchReport matchLoopedSignal(const std::vector<int16_t> &recorded,
                              const std::vector<int16_t> &reference) {
  MatchReport report;
  const std::span<const int16_t> all(recorded);

  // Which 20 ms blocks carry sound; the active part runs from the first to the last of them.
  size_t firstActive = recorded.size(), endActive = 0, activeBlocks = 0;
  double activeEnergy = 0;
  for (size_t start = 0; start < recorded.size(); start += kBlock) {
    const auto block = all.subspan(start, std::min(kBlock, recorded.size() - start));
    if (!isActive(block))
      continue;
    ++activeBlocks;
    activeEnergy += energy(block);
    firstActive = std::min(firstActive, start);
    endActive = start + block.size();
  }
  report.activeSeconds = static_cast<double>(activeBlocks * kBlock) / kRate;
  if (activeBlocks == 0)
    return report;
  report.recordedRmsDbfs =
      toDbfs(std::sqrt(activeEnergy / static_cast<double>(activeBlocks * kBlock)));
  if (reference.empty() || energy(reference) == 0)
    return report;

  const size_t activeLength = endActive - firstActive;
  const size_t window = activeLength >= kWindow ? kWindow : activeLength;
  if (window < kMinWindow)
    return report;
  const LoopedReference looped(reference, window);

  std::vector<size_t> starts; // of the windows with sound in them
  for (size_t start = firstActive; start + window <= endActive; start += window)
    if (isActive(all.subspan(start, window)))
      starts.push_back(start); // a silent stretch (hold, a gap) says nothing either way

  std::vector<double> correlations;
  size_t matched = 0;
  auto account = [&](size_t start, const LoopedReference::Best &best) {
    correlations.push_back(best.ncc);
    if (best.ncc >= kMatchedNcc)
      ++matched;
    if (best.ncc > report.bestCorrelation) {
      report.bestCorrelation = best.ncc;
      const size_t period = reference.size();
      report.lagSamples = static_cast<int>((best.lag + period - start % period) % period);
    }
  };
  for (size_t i = 0; i < starts.size(); i += 2) {
    const auto first = all.subspan(starts[i], window);
    const bool pair = i + 1 < starts.size();
    const auto second = pair ? all.subspan(starts[i + 1], window) : std::span<const int16_t>();
    const auto [bestFirst, bestSecond] = looped.bestMatches(first, second);
    account(starts[i], bestFirst);
    if (pair)
      account(starts[i + 1], bestSecond);
  }
  report.windows = static_cast<int>(correlations.size());
  report.medianWindowCorrelation = median(correlations);
  if (!correlations.empty())
    report.fractionWindowsMatched =
        static_cast<double>(matched) / static_cast<double>(correlations.size());
  return report;
}

} // namespace wisp
