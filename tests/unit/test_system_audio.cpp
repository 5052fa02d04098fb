// The real sound backends against a real PulseAudio server with virtual devices (see
// tests/support/pulse_server.h), ALSA's own "null" PCM, and ALSA's PulseAudio plugin.
// Signals go in and come out through independent tools (pacat, parec) where possible, and are
// checked numerically: the tone's frequency (Goertzel), level and duration.
#include "media/sound/alsa_backend.h"
#include "media/sound/pulse_backend.h"
#include "media/system_audio.h"
#include "support/pulse_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <optional>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

// openSystemCapture/Playback load the sound module; this binary is not beside it.
[[maybe_unused]] static const bool kSoundModuleLocated =
    setenv("WISP_SOUND_MODULE", WISP_SOUND_MODULE_PATH, 0) == 0;

namespace wisp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Samples = std::vector<int16_t>;

constexpr double kToneAmplitude = 8000.0;
const double kToneRms = kToneAmplitude / std::numbers::sqrt2;

// ---- signals --------------------------------------------------------------------------------

Samples tone(double hz, std::chrono::milliseconds length, double amplitude = kToneAmplitude) {
  Samples out(static_cast<size_t>(length.count()) * kSampleRate / 1000);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<int16_t>(
        std::lround(amplitude * std::sin(2 * std::numbers::pi * hz * double(i) / kSampleRate)));
  return out;
}

Samples silence(std::chrono::milliseconds length) {
  return Samples(static_cast<size_t>(length.count()) * kSampleRate / 1000, 0);
}

Samples concat(std::initializer_list<Samples> parts) {
  Samples out;
  for (const auto &p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<AudioFrame> toFrames(const Samples &samples) {
  std::vector<AudioFrame> frames((samples.size() + kFrameSamples - 1) / kFrameSamples);
  for (auto &f : frames)
    f.fill(0);
  for (size_t i = 0; i < samples.size(); ++i)
    frames[i / kFrameSamples][i % kFrameSamples] = samples[i];
  return frames;
}

double rms(const int16_t *x, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += double(x[i]) * x[i];
  return n ? std::sqrt(sum / double(n)) : 0;
}

// RMS of the component at `hz` (Goertzel), comparable with rms() for a pure tone.
double toneRms(const int16_t *x, size_t n, double hz) {
  const double coeff = 2 * std::cos(2 * std::numbers::pi * hz / kSampleRate);
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return std::sqrt(2 * power) / double(n);
}

// What a recording holds, measured in 20 ms windows.
struct ToneReport {
  std::vector<int> runs; // lengths of the unbroken stretches of tone windows
  int strayWindows = 0;  // sound that is not the tone, away from the tone's edges
  double meanToneRms = 0;
  int toneWindows() const {
    int n = 0;
    for (int r : runs)
      n += r;
    return n;
  }
  std::string summary() const {
    std::ostringstream s;
    s << "tone runs of";
    for (int r : runs)
      s << " " << r;
    s << " windows (mean RMS " << meanToneRms << "), " << strayWindows << " stray loud windows";
    return s.str();
  }
};

ToneReport analyse(const Samples &recording, double hz) {
  enum class Kind { Quiet, Tone, Other };
  std::vector<Kind> kinds;
  ToneReport report;
  double rmsSum = 0;
  for (size_t start = 0; start + kFrameSamples <= recording.size(); start += kFrameSamples) {
    const int16_t *w = recording.data() + start;
    const double total = rms(w, kFrameSamples);
    const double atTone = toneRms(w, kFrameSamples, hz);
    // A tone window has nearly all its energy at `hz`, at the level played (within 1 dB).
    const bool pure = total > 0 && atTone / total > 0.95;
    const bool level = std::abs(20 * std::log10(std::max(total, 1e-9) / kToneRms)) < 1.0;
    if (pure && level) {
      kinds.push_back(Kind::Tone);
      rmsSum += total;
    } else {
      kinds.push_back(total < 100 ? Kind::Quiet : Kind::Other);
    }
  }
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (kinds[i] == Kind::Tone) {
      if (i == 0 || kinds[i - 1] != Kind::Tone)
        report.runs.push_back(0);
      ++report.runs.back();
    } else if (kinds[i] == Kind::Other) {
      // A window straddling the start or end of the tone holds only part of it.
      const bool edge = (i > 0 && kinds[i - 1] == Kind::Tone) ||
                        (i + 1 < kinds.size() && kinds[i + 1] == Kind::Tone);
      if (!edge)
        ++report.strayWindows;
    }
  }
  if (report.toneWindows())
    report.meanToneRms = rmsSum / report.toneWindows();
  return report;
}

// One unbroken stretch of `ms` of tone (give or take the two windows on its edges), at the
// level played, and nothing else.
void expectOneClean(const ToneReport &report, int ms) {
  const int windows = ms / int(kFrameMs);
  ASSERT_EQ(report.runs.size(), 1u) << report.summary();
  EXPECT_GE(report.runs[0], windows - 2) << report.summary();
  EXPECT_LE(report.runs[0], windows) << report.summary();
  EXPECT_EQ(report.strayWindows, 0) << report.summary();
  EXPECT_NEAR(report.meanToneRms, kToneRms, kToneRms * 0.05) << report.summary();
}

// ---- processes and environment --------------------------------------------------------------

// A child process such as parec, stopped by its pid.
class Child {
public:
  explicit Child(std::vector<std::string> args) {
    std::vector<char *> argv;
    for (auto &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, 0);
      dup2(devnull, 1);
      execvp(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() { stop(SIGKILL); }
  // Sends `signal` and waits; returns the exit status.
  int stop(int signal) {
    if (pid_ <= 0)
      return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

private:
  pid_t pid_ = -1;
};

class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name))
      old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

private:
  std::string name_;
  std::optional<std::string> old_;
};

// Collects what is written to file descriptor 2 while it lives.
class StderrCapture {
public:
  StderrCapture()
      : path_(std::filesystem::temp_directory_path() /
              ("wisp-stderr-" + std::to_string(getpid()))) {
    fflush(stderr);
    saved_ = dup(2);
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() {
    restore();
    std::filesystem::remove(path_);
  }
  std::string text() {
    restore();
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

private:
  void restore() {
    if (saved_ < 0)
      return;
    fflush(stderr);
    dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::filesystem::path path_;
  int saved_ = -1;
};

Samples readRawFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  Samples out(bytes.size() / 2);
  std::memcpy(out.data(), bytes.data(), out.size() * 2);
  return out;
}

void writeRawFile(const std::string &path, const Samples &samples) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(samples.data()),
            static_cast<std::streamsize>(samples.size() * 2));
}

double processCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- fixture: a private server per test -----------------------------------------------------

class PulseAudioTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto started = test::PulseServer::start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = std::move(*started);
    server_->exportToEnvironment();
  }

  // Starts parec recording `source` into a raw file, and waits until its stream is connected.
  std::unique_ptr<Child> startRecorder(const std::string &source, const std::string &file) {
    auto child = std::make_unique<Child>(std::vector<std::string>{
        "parec", "-d", source, "--rate=8000", "--channels=1", "--format=s16le", "--raw",
        "--latency-msec=20", "--file-format=raw", file});
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      auto outputs = server_->pactl("list short source-outputs");
      if (outputs.ok() && !outputs->empty())
        return child;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "parec did not connect to " << source;
    return child;
  }

  std::string scratch(const std::string &name) const { return server_->runtimeDir() + "/" + name; }

  std::unique_ptr<test::PulseServer> server_;
};

// Reads `frames` frames from an open capture backend.
Samples captureFrames(CaptureBackend &capture, size_t frames) {
  Samples out;
  AudioFrame frame;
  for (size_t i = 0; i < frames; ++i) {
    auto status = capture.read(frame);
    if (!status) {
      ADD_FAILURE() << status.error().message;
      break;
    }
    out.insert(out.end(), frame.begin(), frame.end());
  }
  return out;
}

// ---- PulseAudio -----------------------------------------------------------------------------

TEST_F(PulseAudioTest, CaptureReceivesAToneThatPacatPlaysIntoTheMic) {
  PulseCaptureBackend capture("mic.monitor");
  ASSERT_TRUE(capture.open().ok());
  EXPECT_EQ(capture.describe(), "pulse:mic.monitor");

  const std::string input = scratch("tone.raw");
  writeRawFile(input, concat({silence(300ms), tone(1000, 1000ms), silence(300ms)}));
  std::thread player([&] {
    int rc = std::system(("pacat -p -d mic --rate=8000 --channels=1 --format=s16le --raw '" +
                          input + "' 2>/dev/null")
                             .c_str());
    EXPECT_EQ(rc, 0) << "pacat failed";
  });
  const Samples recorded = captureFrames(capture, 150); // 3 s: the tone and margins
  player.join();

  expectOneClean(analyse(recorded, 1000), 1000);
  EXPECT_EQ(analyse(recorded, 1300).toneWindows(), 0) << "the tone is at the wrong frequency";
}

TEST_F(PulseAudioTest, PlaybackToneArrivesAtTheSpeakerMonitorAndWritesKeepRealTime) {
  const std::string output = scratch("spk.raw");
  auto recorder = startRecorder("spk.monitor", output);

  PulsePlaybackBackend playback("spk");
  ASSERT_TRUE(playback.open().ok());
  EXPECT_TRUE(playback.selfPaced());
  EXPECT_EQ(playback.describe(), "pulse:spk");
  const auto frames = toFrames(concat({silence(200ms), tone(700, 1000ms), silence(300ms)}));
  const auto start = Clock::now();
  for (const auto &frame : frames)
    ASSERT_TRUE(playback.write(frame).ok());
  const double writing = secondsSince(start);
  playback.close();
  std::this_thread::sleep_for(300ms);
  recorder->stop(SIGINT);

  // 75 frames are 1.5 s of sound; write() may run ahead only by the ~60 ms buffer.
  EXPECT_GT(writing, 1.5 - 0.1) << "write() does not block in step with the server";
  EXPECT_LT(writing, 1.5 + 0.3);

  const Samples recorded = readRawFile(output);
  expectOneClean(analyse(recorded, 700), 1000);
  EXPECT_EQ(analyse(recorded, 1000).toneWindows(), 0) << "the tone is at the wrong frequency";
}

// Plays tone bursts into the mic with one backend and times their arrival through the other:
// the delay a call adds between a device's capture and playback buffers.
TEST_F(PulseAudioTest, CaptureToPlaybackLatencyStaysLow) {
  PulsePlaybackBackend playback("mic");
  PulseCaptureBackend capture("mic.monitor");
  ASSERT_TRUE(playback.open().ok());
  ASSERT_TRUE(capture.open().ok());

  constexpr int kBursts = 5;
  std::atomic<bool> done{false};
  // When write() was called with each burst's first frame, in steady-clock ticks.
  std::array<std::atomic<Clock::rep>, kBursts> burstWritten{};
  std::thread writer([&] {
    AudioFrame quiet{};
    const auto burst = toFrames(tone(1000, 100ms));
    for (int b = 0; b < kBursts && !done; ++b) {
      for (int i = 0; i < 25; ++i)
        EXPECT_TRUE(playback.write(quiet).ok());
      burstWritten[b] = Clock::now().time_since_epoch().count();
      for (const auto &f : burst)
        EXPECT_TRUE(playback.write(f).ok());
    }
    while (!done)
      EXPECT_TRUE(playback.write(quiet).ok());
  });

  std::vector<double> latenciesMs;
  AudioFrame frame;
  bool inBurst = false;
  const auto deadline = Clock::now() + 10s;
  while (latenciesMs.size() < kBursts && Clock::now() < deadline) {
    auto status = capture.read(frame);
    if (!status) {
      ADD_FAILURE() << status.error().message;
      break;
    }
    const auto readAt = Clock::now();
    auto loud =
        std::find_if(frame.begin(), frame.end(), [](int16_t s) { return std::abs(s) > 2000; });
    if (loud == frame.end()) {
      if (rms(frame.data(), kFrameSamples) < 50)
        inBurst = false;
      continue;
    }
    if (inBurst)
      continue;
    inBurst = true;
    const Clock::rep written = burstWritten[latenciesMs.size()];
    if (written == 0) {
      ADD_FAILURE() << "a burst arrived before it was written";
      break;
    }
    // The onset sample entered the monitor this long before the frame was complete.
    const double onsetMs = double(frame.end() - loud) * 1000.0 / kSampleRate;
    latenciesMs.push_back(std::chrono::duration<double, std::milli>(
                              readAt - Clock::time_point(Clock::duration(written)))
                              .count() -
                          onsetMs);
  }
  done = true;
  writer.join();
  ASSERT_EQ(latenciesMs.size(), size_t(kBursts));
  std::sort(latenciesMs.begin(), latenciesMs.end());
  std::ostringstream all;
  for (double ms : latenciesMs)
    all << ms << " ";
  RecordProperty("latency_ms_median", std::to_string(latenciesMs[kBursts / 2]));
  std::printf("[ latency  ] playback->capture through PulseAudio: %s ms (sorted)\n",
              all.str().c_str());
  // Buffers of 60 ms (playback) and 20 ms (capture) plus scheduling: far from pulse's 2 s.
  // Pulse's default buffering gives about 150 ms here.
  EXPECT_LT(latenciesMs.back(), 100) << all.str();
  EXPECT_GT(latenciesMs.front(), 0) << all.str();
}

TEST_F(PulseAudioTest, IdleCaptureBlocksInRealTimeWithoutBurningCpu) {
  PulseCaptureBackend capture("mic.monitor");
  ASSERT_TRUE(capture.open().ok());
  captureFrames(capture, 5); // let the stream settle
  const double cpuBefore = processCpuSeconds();
  const auto start = Clock::now();
  const Samples recorded = captureFrames(capture, 100);
  const double wall = secondsSince(start);
  const double cpu = processCpuSeconds() - cpuBefore;
  std::printf("[ cpu      ] idle PulseAudio capture: %.2f s wall, %.1f ms CPU (%.2f%%)\n", wall,
              cpu * 1000, 100 * cpu / wall);
  EXPECT_NEAR(wall, 2.0, 0.15) << "100 frames are 2 s of sound";
  EXPECT_LT(cpu / wall, 0.05);
  EXPECT_LT(rms(recorded.data(), recorded.size()), 1.0) << "nothing plays into mic";
}

TEST_F(PulseAudioTest, MissingDeviceIsAClearError) {
  PulseCaptureBackend capture("no-such-source");
  auto status = capture.open();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("no-such-source"), std::string::npos)
      << status.error().message;
  AudioFrame frame;
  EXPECT_FALSE(capture.read(frame).ok()) << "read() on a device that failed to open";
}

TEST_F(PulseAudioTest, DefaultDevicePrefersPulseAudioWhenAServerRuns) {
  auto capture = openSystemCapture("default");
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  EXPECT_EQ((*capture)->describe(), "pulse:default");
  auto playback = openSystemPlayback("default");
  ASSERT_TRUE(playback.ok()) << playback.error().message;
  EXPECT_EQ((*playback)->describe(), "pulse:default");
  EXPECT_TRUE((*playback)->open().ok()) << "open() on an open backend is a no-op";

  auto forced = openSystemPlayback("pulse:spk");
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_EQ((*forced)->describe(), "pulse:spk");
}

TEST_F(PulseAudioTest, ServerGoingAwayEndsReadsAndWritesWithAnError) {
  PulseCaptureBackend pulseCapture("mic.monitor");
  PulsePlaybackBackend pulsePlayback("spk");
  AlsaCaptureBackend alsaCapture("pulse:mic.monitor");
  AlsaPlaybackBackend alsaPlayback("pulse:spk");
  std::vector<CaptureBackend *> captures = {&pulseCapture, &alsaCapture};
  std::vector<PlaybackBackend *> playbacks = {&pulsePlayback, &alsaPlayback};
  AudioFrame frame{};
  for (auto *c : captures) {
    ASSERT_TRUE(c->open().ok()) << c->describe();
    captureFrames(*c, 3);
  }
  for (auto *p : playbacks) {
    ASSERT_TRUE(p->open().ok()) << p->describe();
    ASSERT_TRUE(p->write(frame).ok()) << p->describe();
  }
  server_->stop();

  const auto start = Clock::now();
  for (auto *c : captures) {
    Status read = Ok{};
    for (int i = 0; i < 100 && read.ok(); ++i)
      read = c->read(frame);
    ASSERT_FALSE(read.ok()) << c->describe() << " still reads";
    EXPECT_NE(read.error().message.find(c->describe().substr(c->describe().find(':') + 1)),
              std::string::npos)
        << "the error names the device: " << read.error().message;
  }
  for (auto *p : playbacks) {
    Status written = Ok{};
    for (int i = 0; i < 100 && written.ok(); ++i)
      written = p->write(frame);
    ASSERT_FALSE(written.ok()) << p->describe() << " still writes";
  }
  for (auto *p : playbacks)
    p->close();
  for (auto *c : captures)
    c->close();
  EXPECT_LT(secondsSince(start), 1.0) << "a dead server must not leave the audio thread hanging";
}

// ---- ALSA through its PulseAudio plugin: a real device that blocks --------------------------

TEST_F(PulseAudioTest, AlsaPlaybackDeliversToneAndRecoversFromUnderrun) {
  const std::string output = scratch("spk.raw");
  auto recorder = startRecorder("spk.monitor", output);
  auto opened = openSystemPlayback("alsa:pulse:spk");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto &playback = dynamic_cast<AlsaPlaybackBackend &>(**opened);
  EXPECT_EQ(playback.describe(), "alsa:pulse:spk");

  const auto first = toFrames(concat({silence(200ms), tone(600, 500ms)}));
  const auto second = toFrames(concat({tone(600, 500ms), silence(300ms)}));
  const auto start = Clock::now();
  for (const auto &frame : first)
    ASSERT_TRUE(playback.write(frame).ok());
  const double writing = secondsSince(start);
  // The writer stalls for far longer than the 80 ms buffer: the device runs dry.
  std::this_thread::sleep_for(300ms);
  for (const auto &frame : second)
    ASSERT_TRUE(playback.write(frame).ok());
  playback.close();
  std::this_thread::sleep_for(300ms);
  recorder->stop(SIGINT);

  EXPECT_GE(playback.recoveries(), 1u) << "the underrun went unnoticed";
  // 35 frames are 0.7 s; write() may run ahead only by the 80 ms buffer.
  EXPECT_GT(writing, 0.7 - 0.1) << "write() ran ahead of the device";
  const ToneReport report = analyse(readRawFile(output), 600);
  ASSERT_EQ(report.runs.size(), 2u) << "the stall should split the tone: " << report.summary();
  for (int run : report.runs) {
    EXPECT_GE(run, 23) << report.summary();
    EXPECT_LE(run, 25) << report.summary();
  }
  EXPECT_EQ(report.strayWindows, 0) << report.summary();
}

TEST_F(PulseAudioTest, AlsaCaptureReceivesToneAfterAStall) {
  AlsaCaptureBackend capture("pulse:mic.monitor");
  ASSERT_TRUE(capture.open().ok());
  captureFrames(capture, 10);
  // Stop reading for far longer than the 80 ms buffer.
  std::this_thread::sleep_for(500ms);

  const std::string input = scratch("tone.raw");
  writeRawFile(input, concat({silence(300ms), tone(1000, 1000ms), silence(300ms)}));
  std::thread player([&] {
    int rc = std::system(("pacat -p -d mic --rate=8000 --channels=1 --format=s16le --raw '" +
                          input + "' 2>/dev/null")
                             .c_str());
    EXPECT_EQ(rc, 0) << "pacat failed";
  });
  const Samples recorded = captureFrames(capture, 150);
  player.join();
  expectOneClean(analyse(recorded, 1000), 1000);
}

// ---- ALSA's null PCM: never blocks, so the backend must keep time itself --------------------

template <class Move> void expectRealTimeAndIdleCpu(const char *what, Move moveFrame) {
  const double cpuBefore = processCpuSeconds();
  const auto start = Clock::now();
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(moveFrame().ok());
  const double wall = secondsSince(start);
  const double cpu = processCpuSeconds() - cpuBefore;
  std::printf("[ cpu      ] %s: %.2f s wall, %.1f ms CPU (%.2f%%)\n", what, wall, cpu * 1000,
              100 * cpu / wall);
  // 100 frames are 2 s; the pacer lets the caller run one 80 ms buffer ahead.
  EXPECT_GT(wall, 2.0 - 0.1) << what << " ran faster than real time";
  EXPECT_LT(wall, 2.0 + 0.2) << what;
  EXPECT_LT(cpu / wall, 0.05) << what << " spins";
}

TEST(AlsaNullDevice, CaptureKeepsRealTimeWithoutSpinning) {
  AlsaCaptureBackend capture("null");
  ASSERT_TRUE(capture.open().ok());
  EXPECT_EQ(capture.describe(), "alsa:null");
  AudioFrame frame;
  expectRealTimeAndIdleCpu("ALSA null capture", [&] { return capture.read(frame); });
}

TEST(AlsaNullDevice, PlaybackKeepsRealTimeWithoutSpinning) {
  AlsaPlaybackBackend playback("null");
  ASSERT_TRUE(playback.open().ok());
  const auto frames = toFrames(tone(440, 2000ms));
  size_t i = 0;
  expectRealTimeAndIdleCpu("ALSA null playback", [&] { return playback.write(frames[i++]); });
}

// ---- no server, no card ---------------------------------------------------------------------

class NoSoundServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string dir = "/tmp/wisp-empty-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    emptyDir_ = dir;
    runtime_.emplace("XDG_RUNTIME_DIR", emptyDir_.c_str());
    server_.emplace("PULSE_SERVER", nullptr);
    display_.emplace("DISPLAY", nullptr); // no X11 root-window server address either
  }
  void TearDown() override {
    runtime_.reset();
    server_.reset();
    display_.reset();
    std::filesystem::remove_all(emptyDir_);
  }
  std::string emptyDir_;
  std::optional<ScopedEnv> runtime_, server_, display_;
};

TEST_F(NoSoundServerTest, DefaultDeviceAnswersQuicklyAndQuietly) {
  StderrCapture err;
  const auto start = Clock::now();
  auto capture = openSystemCapture("default");
  const double captureSeconds = secondsSince(start);
  const auto startPlayback = Clock::now();
  auto playback = openSystemPlayback("default");
  const double playbackSeconds = secondsSince(startPlayback);
  const std::string noise = err.text();

  EXPECT_LT(captureSeconds, 1.0);
  EXPECT_LT(playbackSeconds, 1.0);
  EXPECT_EQ(noise, "") << "probing printed to stderr";
  // This machine has no sound card: either ALSA found some device, or the error says why
  // both backends failed.
  if (capture.ok()) {
    EXPECT_EQ((*capture)->describe().rfind("alsa:", 0), 0u) << (*capture)->describe();
  } else {
    const std::string &message = capture.error().message;
    EXPECT_NE(message.find("PulseAudio"), std::string::npos) << message;
    EXPECT_NE(message.find("ALSA"), std::string::npos) << message;
    std::printf("[ message  ] %s\n", message.c_str());
  }
  if (!playback.ok()) {
    EXPECT_NE(playback.error().message.find("PulseAudio"), std::string::npos);
    EXPECT_NE(playback.error().message.find("ALSA"), std::string::npos);
  }
}

TEST_F(NoSoundServerTest, ForcedPulseAudioFailsWithoutAutospawning) {
  const auto start = Clock::now();
  auto capture = openSystemCapture("pulse");
  EXPECT_LT(secondsSince(start), 1.0);
  ASSERT_FALSE(capture.ok());
  EXPECT_NE(capture.error().message.find("PulseAudio"), std::string::npos)
      << capture.error().message;
  // libpulse never autospawns for root, but for a user it would, into this directory.
  EXPECT_FALSE(std::filesystem::exists(emptyDir_ + "/pulse/native"))
      << "a PulseAudio server was spawned";
}

TEST(SystemAudio, MissingAlsaDeviceIsAQuietClearError) {
  StderrCapture err;
  auto playback = openSystemPlayback("alsa:hw:97");
  const std::string noise = err.text();
  ASSERT_FALSE(playback.ok());
  EXPECT_NE(playback.error().message.find("hw:97"), std::string::npos) << playback.error().message;
  EXPECT_EQ(noise, "");
}

TEST(SystemAudio, NamesItDoesNotKnowAreRejected) {
  EXPECT_TRUE(isSystemAudioDevice("default"));
  EXPECT_TRUE(isSystemAudioDevice("pulse:spk"));
  EXPECT_TRUE(isSystemAudioDevice("alsa:hw:0"));
  EXPECT_FALSE(isSystemAudioDevice("null"));
  EXPECT_FALSE(isSystemAudioDevice("file:/tmp/a.wav"));
  for (const char *name : {"null", "oss:/dev/dsp", "alsa:", "pulse:"}) {
    auto capture = openSystemCapture(name);
    ASSERT_FALSE(capture.ok()) << name;
    EXPECT_EQ(capture.error().code, "bad_argument") << name;
  }
}

} // namespace
} // namespace wisp
