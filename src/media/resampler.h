// Sample-rate conversion for audio files, e.g. a 44.1 kHz prompt played into an 8 kHz call.
#pragma once

#include <vector>

namespace wisp {

// Windowed-sinc interpolation: each output sample is the input convolved with a Kaiser-
// windowed low-pass centred on its (fractional) input position. The cutoff sits just below
// the lower of the two Nyquist frequencies, so downsampling does not alias and upsampling
// does not image. The kernel is tabulated finely once (in the constructor: build one and
// keep it) and linearly interpolated.
class SincResampler {
public:
  SincResampler();

  // in.size() * toRate / fromRate samples (rounded down); the input is taken as silent
  // beyond its ends. Converting at equal rates still filters: callers skip it.
  std::vector<float> convert(const std::vector<float> &in, unsigned fromRate,
                             unsigned toRate) const;

private:
  double kernel(double u) const; // u in low-rate sample periods from the centre, >= 0

  std::vector<double> table_;
};

} // namespace wisp
