#include "support/audio_analysis.h"

#include "media/wav_file.h"

#include <re.h>
#include <rem.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>
#include <unistd.h>

namespace wisp {
namespace {

constexpr size_t kFrame = 160;

// ---- What a call does to audio, simulated -------------------------------------------------

enum class Law { Mu, A };

// Encode and decode with librem's G.711, as the phone does on the wire.
std::vector<int16_t> g711(std::vector<int16_t> x, Law law) {
  for (auto &s : x) {
    const auto v = static_cast<int16_t>(std::max<int>(s, -32767)); // librem cannot negate -32768
    s = law == Law::Mu ? g711_ulaw2pcm(g711_pcm2ulaw(v)) : g711_alaw2pcm(g711_pcm2alaw(v));
  }
  return x;
}

// `seconds` of the reference as a sender loops it, starting `offset` samples into the loop.
std::vector<int16_t> looped(const std::vector<int16_t> &ref, size_t offset, double seconds) {
  std::vector<int16_t> out(static_cast<size_t>(seconds * 8000));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = ref[(offset + i) % ref.size()];
  return out;
}

std::vector<int16_t> silence(double seconds) {
  return std::vector<int16_t>(static_cast<size_t>(seconds * 8000), 0);
}

std::vector<int16_t> concat(std::initializer_list<std::vector<int16_t>> parts) {
  std::vector<int16_t> out;
  for (const auto &p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

void dropFrame(std::vector<int16_t> &x, size_t at) {
  x.erase(x.begin() + static_cast<long>(at), x.begin() + static_cast<long>(at + kFrame));
}

void insertSilentFrame(std::vector<int16_t> &x, size_t at) {
  x.insert(x.begin() + static_cast<long>(at), kFrame, 0);
}

void repeatFrame(std::vector<int16_t> &x, size_t at) {
  const std::vector<int16_t> copy(x.begin() + static_cast<long>(at),
                                  x.begin() + static_cast<long>(at + kFrame));
  x.insert(x.begin() + static_cast<long>(at), copy.begin(), copy.end());
}

std::vector<int16_t> whiteNoise(double seconds, double rms, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0, rms);
  std::vector<int16_t> out(static_cast<size_t>(seconds * 8000));
  for (auto &s : out)
    s = static_cast<int16_t>(std::clamp(std::lrint(dist(rng)), -32768L, 32767L));
  return out;
}

std::vector<int16_t> scaled(std::vector<int16_t> x, double gain) {
  for (auto &s : x)
    s = static_cast<int16_t>(std::lrint(s * gain));
  return x;
}

std::vector<int16_t> mixed(std::vector<int16_t> x, const std::vector<int16_t> &y) {
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    x[i] = static_cast<int16_t>(std::clamp(x[i] + y[i], -32768, 32767));
  return x;
}

// A typical end-to-end recording: silence while the call sets up, then the far end's loop
// from somewhere in the middle, through G.711, then silence after hang-up.
struct Recording {
  std::vector<int16_t> samples;
  int expectedLag;
};

Recording callRecording(const std::vector<int16_t> &ref, Law law, size_t offset = 1234,
                        double leadSeconds = 0.7) {
  Recording r;
  r.samples = g711(concat({silence(leadSeconds), looped(ref, offset, 9.0), silence(0.3)}), law);
  const auto lead = static_cast<long>(leadSeconds * 8000);
  const auto n = static_cast<long>(ref.size());
  r.expectedLag = static_cast<int>(((static_cast<long>(offset) - lead) % n + n) % n);
  return r;
}

// ---- Signals and levels -------------------------------------------------------------------

TEST(ToneSequenceTest, StepsHaveTheirLengthFrequencyAndLevel) {
  const auto x = makeToneSequence({{1000, 200, 0.5}, {0, 100, 0}, {2000, 300, 0.1}}, 8000);
  ASSERT_EQ(x.size(), 1600u + 800 + 2400);
  const std::span<const int16_t> all(x);
  const auto first = all.subspan(100, 1400), gap = all.subspan(1700, 600),
             last = all.subspan(2500, 2000);
  EXPECT_NEAR(toneLevelDbfs(first, 1000), 20 * std::log10(0.5), 0.1);
  EXPECT_LT(toneLevelDbfs(first, 2000), -60);
  EXPECT_EQ(rmsDbfs(gap), -std::numeric_limits<double>::infinity());
  EXPECT_NEAR(toneLevelDbfs(last, 2000), 20 * std::log10(0.1), 0.1);
  EXPECT_LT(toneLevelDbfs(last, 1000), -60);
}

TEST(ToneSequenceTest, HasNoClicks) {
  // A 1 kHz sine at 0.5 moves at most 0.5·sin(2π/8) of full scale per sample.
  const auto x =
      makeToneSequence({{1000, 100, 0.5}, {1200, 100, 0.5}, {0, 50, 0}, {900, 100, 0.5}});
  int maxStep = 0;
  for (size_t i = 1; i < x.size(); ++i)
    maxStep = std::max(maxStep, std::abs(x[i] - x[i - 1]));
  EXPECT_LT(maxStep, 0.5 * 32767 * 2 * std::sin(std::numbers::pi * 1200 / 8000) + 50);
}

TEST(ToneSequenceTest, HonoursTheSampleRate) {
  const auto x = makeToneSequence({{1000, 500, 0.5}}, 48000);
  EXPECT_EQ(x.size(), 24000u);
  EXPECT_NEAR(toneLevelDbfs(x, 1000, 48000), -6.02, 0.1);
  EXPECT_LT(toneLevelDbfs(x, 1000 * 48000 / 8000.0, 48000), -60); // not an 8 kHz sequence
}

TEST(LevelTest, RmsIsInAes17DbfsUnits) {
  EXPECT_NEAR(rmsDbfs(makeToneSequence({{1000, 1000, 0.5}})), -6.02, 0.05);
  EXPECT_NEAR(rmsDbfs(std::vector<int16_t>(100, 32767)), 3.01, 0.01); // full-scale square
  EXPECT_EQ(rmsDbfs(std::vector<int16_t>(100, 0)), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(rmsDbfs(std::vector<int16_t>{}), -std::numeric_limits<double>::infinity());
}

TEST(LevelTest, GoertzelPicksOneToneOutOfAMixture) {
  const auto mix =
      mixed(makeToneSequence({{1000, 1000, 0.5}}), makeToneSequence({{1500, 1000, 0.1}}));
  EXPECT_NEAR(toneLevelDbfs(mix, 1000), -6.02, 0.1);
  EXPECT_NEAR(toneLevelDbfs(mix, 1500), -20.0, 0.1);
  EXPECT_LT(toneLevelDbfs(mix, 2000), -70);
  EXPECT_LT(toneLevelDbfs(mix, 1100), -50);
  EXPECT_EQ(toneLevelDbfs(std::vector<int16_t>{}, 1000), -std::numeric_limits<double>::infinity());
}

TEST(SignalsTest, AreShortTelephoneLevelAndHaveGaps) {
  for (const auto *signal : {&signalA(), &signalB()}) {
    EXPECT_GE(signal->size(), 2u * 8000);
    EXPECT_LE(signal->size(), 3u * 8000);
    int silentFrames = 0;
    double loudest = -200;
    for (size_t at = 0; at + kFrame <= signal->size(); at += kFrame) {
      const double level = rmsDbfs(std::span(*signal).subspan(at, kFrame));
      loudest = std::max(loudest, level);
      silentFrames += level < -60;
    }
    EXPECT_GE(silentFrames, 3);
    EXPECT_NEAR(loudest, -12, 0.5);
    // Everything is within the telephone band: nothing at 100 Hz or 3800 Hz.
    EXPECT_LT(toneLevelDbfs(*signal, 100), -50);
    EXPECT_LT(toneLevelDbfs(*signal, 3800), -50);
  }
  EXPECT_NE(signalA(), signalB());
}

TEST(SignalsTest, WriteWavStoresThemFaithfully) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("wisp-analysis-" + std::to_string(::getpid()) + ".wav");
  ASSERT_TRUE(writeWav(path, signalA()).ok());
  auto reader = WavReader::open(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->samples(), signalA());
}

// ---- Matching -----------------------------------------------------------------------------

TEST(MatchTest, FindsTheSignalThroughMulawWithADroppedFrame) {
  auto rec = callRecording(signalA(), Law::Mu);
  dropFrame(rec.samples, 4 * 8000 + 77); // a lost packet, concealed by nothing
  const MatchReport m = matchLoopedSignal(rec.samples, signalA());
  SCOPED_TRACE(m.summary());
  EXPECT_GE(m.medianWindowCorrelation, 0.95);
  EXPECT_GE(m.fractionWindowsMatched, 0.8);
  EXPECT_GT(m.bestCorrelation, 0.99);
  EXPECT_GE(m.windows, 15);
  EXPECT_GT(m.activeSeconds, 7.5); // of 9 s: the loop's own silent gaps are not active
  EXPECT_LE(m.activeSeconds, 9.0);
  EXPECT_NEAR(m.recordedRmsDbfs, -12, 1);
  // The best window is either before or after the lost frame.
  const int n = static_cast<int>(signalA().size());
  EXPECT_TRUE(m.lagSamples == rec.expectedLag || m.lagSamples == (rec.expectedLag + 160) % n)
      << m.lagSamples << " vs " << rec.expectedLag;
}

TEST(MatchTest, FindsTheSignalThroughAlawWithInsertedFrames) {
  auto rec = callRecording(signalB(), Law::A, 17000, 1.3);
  insertSilentFrame(rec.samples, 3 * 8000); // jitter buffer underrun
  repeatFrame(rec.samples, 7 * 8000 + 5);   // packet loss concealment by repetition
  const MatchReport m = matchLoopedSignal(rec.samples, signalB());
  SCOPED_TRACE(m.summary());
  EXPECT_GE(m.medianWindowCorrelation, 0.95);
  EXPECT_GE(m.fractionWindowsMatched, 0.8);
}

TEST(MatchTest, ReportsTheLagOfAnUndisturbedLoop) {
  for (size_t offset : {0u, 999u, 15000u}) {
    const auto rec = callRecording(signalA(), Law::Mu, offset, 0.45);
    const MatchReport m = matchLoopedSignal(rec.samples, signalA());
    EXPECT_EQ(m.lagSamples, rec.expectedLag) << offset;
    EXPECT_EQ(m.fractionWindowsMatched, 1.0) << m.summary();
  }
}

TEST(MatchTest, IgnoresLevelAndSurvivesBackgroundNoise) {
  const auto rec = callRecording(signalA(), Law::Mu);
  const auto quiet = scaled(rec.samples, 0.1); // -20 dB
  const auto noisy =
      mixed(quiet, whiteNoise(11, 0.1 * 0.25 * 32768 / 10 / std::sqrt(2), 3)); // 20 dB SNR
  const MatchReport m = matchLoopedSignal(noisy, signalA());
  SCOPED_TRACE(m.summary());
  EXPECT_NEAR(m.recordedRmsDbfs, -32, 1.5);
  EXPECT_GE(m.medianWindowCorrelation, 0.95);
  EXPECT_GE(m.fractionWindowsMatched, 0.8);
}

TEST(MatchTest, TellsTheTwoSignalsApart) {
  const MatchReport aAsB = matchLoopedSignal(callRecording(signalA(), Law::Mu).samples, signalB());
  EXPECT_LT(aAsB.fractionWindowsMatched, 0.2) << aAsB.summary();
  EXPECT_LT(aAsB.medianWindowCorrelation, 0.5) << aAsB.summary();
  EXPECT_GT(aAsB.activeSeconds, 8); // it is sound, just the wrong sound
  const MatchReport bAsA = matchLoopedSignal(callRecording(signalB(), Law::A).samples, signalA());
  EXPECT_LT(bAsA.fractionWindowsMatched, 0.2) << bAsA.summary();
  EXPECT_LT(bAsA.medianWindowCorrelation, 0.5) << bAsA.summary();
}

TEST(MatchTest, LevelNeitherCreatesNorHidesAMatch) {
  const auto b = callRecording(signalB(), Law::Mu).samples;
  const MatchReport quietB = matchLoopedSignal(scaled(b, 0.03), signalA()); // about -42 dBFS
  EXPECT_GT(quietB.activeSeconds, 8) << quietB.summary();
  EXPECT_LT(quietB.fractionWindowsMatched, 0.2) << quietB.summary();
  const auto a = callRecording(signalA(), Law::Mu).samples;
  const MatchReport loudA = matchLoopedSignal(scaled(a, 3), signalA()); // about -2.5 dBFS
  EXPECT_NEAR(loudA.recordedRmsDbfs, -12 + 9.5, 0.5) << loudA.summary();
  EXPECT_GE(loudA.fractionWindowsMatched, 0.9) << loudA.summary();
}

TEST(MatchTest, NoiseDoesNotMatch) {
  const auto noise = g711(whiteNoise(10, 0.25 * 32768 / std::sqrt(2), 4), Law::Mu);
  const MatchReport m = matchLoopedSignal(noise, signalA());
  SCOPED_TRACE(m.summary());
  EXPECT_EQ(m.fractionWindowsMatched, 0.0);
  EXPECT_LT(m.bestCorrelation, 0.3);
  EXPECT_NEAR(m.activeSeconds, 10, 0.1);
}

TEST(MatchTest, SilenceHasNoActiveAudio) {
  for (const auto &quiet : {silence(10), whiteNoise(10, 3, 5)}) { // digital zero, -80 dBFS hiss
    const MatchReport m = matchLoopedSignal(quiet, signalA());
    EXPECT_LT(m.activeSeconds, 0.05) << m.summary();
    EXPECT_EQ(m.windows, 0);
    EXPECT_EQ(m.fractionWindowsMatched, 0.0);
    EXPECT_EQ(m.medianWindowCorrelation, 0.0);
  }
}

TEST(MatchTest, AShortRecordingStillGetsOneWindow) {
  const auto rec = g711(looped(signalA(), 3000, 0.3), Law::Mu);
  const MatchReport m = matchLoopedSignal(rec, signalA());
  EXPECT_EQ(m.windows, 1) << m.summary();
  EXPECT_GT(m.bestCorrelation, 0.95) << m.summary();
}

TEST(MatchTest, EmptyOrSilentReferenceMatchesNothing) {
  const auto rec = callRecording(signalA(), Law::Mu).samples;
  EXPECT_EQ(matchLoopedSignal(rec, {}).windows, 0);
  EXPECT_EQ(matchLoopedSignal(rec, silence(1)).fractionWindowsMatched, 0.0);
  EXPECT_GT(matchLoopedSignal(rec, {}).activeSeconds, 8);
}

TEST(MatchTest, ReferenceShorterThanAWindowIsLoopedToo) {
  const auto shortRef = makeToneSequence({{700, 100, 0.3}, {1900, 80, 0.3}, {0, 40, 0}});
  const auto rec = g711(concat({silence(0.2), looped(shortRef, 50, 5)}), Law::A);
  const MatchReport m = matchLoopedSignal(rec, shortRef);
  EXPECT_GE(m.medianWindowCorrelation, 0.95) << m.summary();
  EXPECT_LT(matchLoopedSignal(rec, signalA()).fractionWindowsMatched, 0.2);
}

TEST(MatchTest, IsFastEnoughForTenSecondRecordings) {
  const auto rec = callRecording(signalA(), Law::Mu);
  const std::clock_t start = std::clock();
  const MatchReport m = matchLoopedSignal(rec.samples, signalA());
  const double cpuSeconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  EXPECT_GE(m.windows, 15);
#ifdef __OPTIMIZE__
  EXPECT_LT(cpuSeconds, 1.0);
#else
  EXPECT_LT(cpuSeconds, 5.0); // unoptimised (and maybe sanitised) builds are far slower
#endif
}

TEST(MatchTest, WindowsMustBeAlignedNotJustHaveTheRightTones) {
  // A slip of one frame in the middle of every window: no window lines up as a whole.
  auto rec = callRecording(signalA(), Law::Mu, 0, 0);
  for (size_t at = 2000; at + kFrame < rec.samples.size(); at += 4000 - kFrame)
    dropFrame(rec.samples, at);
  const MatchReport m = matchLoopedSignal(rec.samples, signalA());
  EXPECT_LT(m.fractionWindowsMatched, 0.5) << m.summary();
  EXPECT_LT(m.medianWindowCorrelation, 0.9) << m.summary();
}

TEST(MatchTest, SummaryStatesTheNumbers) {
  MatchReport m;
  m.bestCorrelation = 0.987;
  m.medianWindowCorrelation = 0.954;
  m.fractionWindowsMatched = 0.75;
  m.lagSamples = 1234;
  m.windows = 16;
  m.recordedRmsDbfs = -12.3;
  m.activeSeconds = 8.5;
  const std::string s = m.summary();
  for (const char *part : {"0.987", "0.954", "75%", "1234", "16", "-12.3", "8.50"})
    EXPECT_NE(s.find(part), std::string::npos) << part << " missing from: " << s;
}

} // namespace
} // namespace wisp
