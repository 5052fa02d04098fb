// Numeric checks on audio for the end-to-end tests: known test signals to play into a call,
// and a matcher that tells whether a recording contains (a looped copy of) such a signal.
//
// Levels are in dBFS as in AES17: a full-scale sine is 0 dBFS, so a sine of amplitude A
// (as a fraction of full scale) measures 20·log10(A) both in rmsDbfs and toneLevelDbfs.
#pragma once

#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace wisp {

// One piece of a test signal: a sine (or silence when frequencyHz is 0).
struct ToneStep {
  double frequencyHz = 0;
  unsigned durationMs = 0;
  double amplitude = 0; // fraction of full scale, 0..1
};

// Concatenates the steps. Phase runs on across steps and amplitude changes ramp over 2 ms,
// so the sequence has no clicks that would splatter energy across the band.
std::vector<int16_t> makeToneSequence(const std::vector<ToneStep> &steps, unsigned rate = 8000);

// Two clearly different 8 kHz signals (~2.5 s, stepped tones at -12 dBFS within 300-3400 Hz
// with short silent gaps). No frequency of one is within 100 Hz of a frequency of the other.
const std::vector<int16_t> &signalA();
const std::vector<int16_t> &signalB();

// Writes a 16-bit mono WAV (atomically, via WavWriter).
Status writeWav(const std::filesystem::path &path, const std::vector<int16_t> &samples,
                unsigned rate = 8000);

// RMS level; -infinity for silence or no samples.
double rmsDbfs(std::span<const int16_t> x);
// Level of the sine at freqHz (Hann-windowed Goertzel over all of x); -infinity if absent.
double toneLevelDbfs(std::span<const int16_t> x, double freqHz, unsigned rate = 8000);

// How well a recording matches a reference that the far end played in a loop.
struct MatchReport {
  double bestCorrelation = 0;         // highest normalised cross-correlation of any window
  double medianWindowCorrelation = 0; // median over the active windows
  double fractionWindowsMatched = 0;  // share of active windows with correlation >= 0.9
  int lagSamples = 0; // recorded[t] ~ reference[(t + lagSamples) % size], best window
  int windows = 0;    // active windows compared
  double recordedRmsDbfs = -std::numeric_limits<double>::infinity(); // of the active part
  double activeSeconds = 0; // how much of the recording is not silent
  std::string summary() const;
};

// Cuts the active part of `recorded` into 0.5 s windows and finds, for each, the best
// normalised cross-correlation against the circularly extended `reference` over all lags
// (FFT based). Silent windows are skipped; check activeSeconds to require enough audio.
// Tolerates G.711 quantisation, any constant delay, a start anywhere in the loop, and the
// odd lost or inserted frame (which only spoils the window it falls in).
MatchReport matchLoopedSignal(const std::vector<int16_t> &recorded,
                              const std::vector<int16_t> &reference);

} // namespace wisp
