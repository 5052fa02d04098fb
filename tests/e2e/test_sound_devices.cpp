// Call audio through a real sound server: a private PulseAudio server (support/pulse_server.h)
// with two null sinks stands in for the sound card. The test plays into "mic" and records
// "spk.monitor" with PulseAudio's own tools (pacat, parec), so what the phone captured and
// played is judged independently of the phone's code. Also checked: the "default" device with
// and without a reachable server, and that the sound libraries stay unmapped until a call
// needs a sound device (the reason wisp-sound.so is a module).
#include "support/audio_analysis.h"
#include "support/process.h"
#include "support/pulse_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "media/wav_file.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;
using Samples = std::vector<int16_t>;

// Median window correlation required of a call's audio through the server, both directions
// (pacat -> mic -> phone -> PCMU -> file, and file -> PCMU -> phone -> spk -> parec). Measured
// here: a plain pacat -> mic.monitor -> parec round trip of signalA gives 1.00000 (the server
// neither resamples nor mixes: every device runs at 8 kHz mono); the call path gives 0.99991
// in both directions (G.711 quantisation), alone and with four calls at once on two busy
// cores. A lost or repeated block spoils only the window it falls in, which the median
// absorbs; a wrong format, rate or channel count falls far below this.
constexpr double kMinMedianCorrelation = 0.98;

// ---- raw audio files and helper processes ---------------------------------------------------

Samples loopFor(const Samples &signal, double seconds) {
  Samples out;
  while (double(out.size()) < 8000.0 * seconds)
    out.insert(out.end(), signal.begin(), signal.end());
  return out;
}

void writeRaw(const std::filesystem::path &path, const Samples &samples) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(samples.data()),
            static_cast<std::streamsize>(samples.size() * sizeof(int16_t)));
}

Samples readRaw(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  Samples out(bytes.size() / sizeof(int16_t));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(int16_t));
  return out;
}

std::string readAll(const std::filesystem::path &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t countLinesWith(const std::string &text, const std::string &a, const std::string &b = {}) {
  std::istringstream lines(text);
  size_t n = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos)
      ++n;
  return n;
}

// The shared objects a process has mapped, one path per line.
std::string mappedFiles(pid_t pid) {
  std::istringstream maps(readAll("/proc/" + std::to_string(pid) + "/maps"));
  std::string out;
  for (std::string line; std::getline(maps, line);)
    if (auto slash = line.find('/'); slash != std::string::npos && line.find(".so") != line.npos)
      if (out.find(line.substr(slash)) == std::string::npos)
        out += line.substr(slash) + "\n";
  return out;
}

bool maps(const std::string &mapped, const std::string &library) {
  return mapped.find(library) != std::string::npos;
}

// Dials `callee` from `caller`, answers, and waits until both have the call up.
void establish(WispPhone &caller, WispPhone &callee) {
  auto dial = caller.command("dial", callee.uri("bob"));
  ASSERT_TRUE(dial.ok()) << dial.describe();
  ASSERT_TRUE(callee.waitForCallState("ringing", 5s)) << dump(callee);
  auto answer = callee.command("answer");
  ASSERT_TRUE(answer.ok()) << answer.describe();
  ASSERT_TRUE(caller.waitForCallState("established", 5s)) << dump(caller);
  ASSERT_TRUE(callee.waitForCallState("established", 5s)) << dump(callee);
}

void hangUp(WispPhone &caller, WispPhone &callee) {
  auto r = caller.command("hangup");
  ASSERT_TRUE(r.ok()) << r.describe();
  ASSERT_TRUE(caller.waitForNoCalls(5s)) << dump(caller);
  ASSERT_TRUE(callee.waitForNoCalls(5s)) << dump(callee);
}

// Waits until the phone's log has a line containing `text`; returns that line ("" if none).
std::string waitForLogLine(const WispPhone &phone, const std::string &text,
                           std::chrono::milliseconds timeout = 5s) {
  std::string found;
  waitUntil(
      [&] {
        std::istringstream lines(readAll(phone.logPath()));
        for (std::string line; std::getline(lines, line);)
          if (line.find(text) != std::string::npos) {
            found = line;
            return true;
          }
        return false;
      },
      timeout);
  return found;
}

// The `audio` member of the phone's status.
Json audioStatus(const WispPhone &phone) {
  auto s = phone.status();
  const Json *audio = s ? s->find("audio") : nullptr;
  return audio ? *audio : Json::object();
}

// ---- fixture: a private PulseAudio server ---------------------------------------------------

class SoundDevices : public ::testing::Test {
protected:
  void SetUp() override {
    auto started = PulseServer::start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = std::move(*started);
  }

  EnvVars pulseEnv() const { return {{"PULSE_SERVER", server_->serverAddress()}}; }

  // Whether the server has a stream of `kind` ("sink-inputs", "source-outputs") from `pid`.
  bool hasStreamOf(const std::string &kind, pid_t pid) const {
    auto listing = server_->pactl("list " + kind);
    return listing.ok() && listing->find("application.process.id = \"" + std::to_string(pid) +
                                         "\"") != std::string::npos;
  }

  // `pactl list KIND`, or why it failed: for failure messages.
  std::string listing(const std::string &kind) const {
    auto text = server_->pactl("list " + kind);
    return text.ok() ? *text : text.error().message;
  }

  // Starts a pacat/parec child on `device` and waits until its stream is connected.
  Process startStream(const std::string &program, const std::string &device,
                      const std::filesystem::path &rawFile) {
    auto child = Process::start({{program, "-d", device, "--rate=8000", "--channels=1",
                                  "--format=s16le", "--raw", "--latency-msec=20", rawFile.string()},
                                 pulseEnv(),
                                 {},
                                 dir_ / (program + ".log"),
                                 {}});
    EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error().message);
    if (!child.ok())
      return {};
    const std::string kind = program == "parec" ? "source-outputs" : "sink-inputs";
    const pid_t pid = child->pid();
    EXPECT_TRUE(waitUntil([&] { return hasStreamOf(kind, pid); }, 5s, 20ms))
        << program << " did not connect to " << device << ": " << child->logText() << "\n"
        << server_->logTail();
    return std::move(*child);
  }

  // parec writes what it has when interrupted.
  static void stopRecorder(Process &recorder) {
    recorder.signalGroup(SIGINT);
    if (!recorder.waitFor(3s))
      recorder.terminate(1s);
  }

  TempDir dir_{"sound"};
  std::unique_ptr<PulseServer> server_;
};

// ---- tests ----------------------------------------------------------------------------------

TEST_F(SoundDevices, CallAudioFlowsThroughPulseAudioDevicesBothWays) {
  const auto heardByB = dir_ / "b-heard.wav";
  ASSERT_TRUE(writeWav(dir_ / "b-source.wav", signalB()).ok());
  writeRaw(dir_ / "a-mic.raw", loopFor(signalA(), 15));

  WispPhone a, b;
  WispPhone::Options ao;
  ao.name = "a";
  ao.audioIn = "pulse:mic.monitor";
  ao.audioOut = "pulse:spk";
  ao.env = pulseEnv();
  Status s = a.start(ao, dir_ / "a");
  ASSERT_TRUE(s.ok()) << s.error().message;
  WispPhone::Options bo;
  bo.name = "b";
  bo.audioIn = "file:" + (dir_ / "b-source.wav").string();
  bo.audioOut = "file:" + heardByB.string();
  s = b.start(bo, dir_ / "b");
  ASSERT_TRUE(s.ok()) << s.error().message;

  // The "user" speaks into the microphone from before the call to after it, and the
  // speaker is recorded over the same stretch.
  Process speaker = startStream("parec", "spk.monitor", dir_ / "spk.raw");
  Process voice = startStream("pacat", "mic", dir_ / "a-mic.raw");
  ASSERT_TRUE(speaker.valid() && voice.valid());

  establish(a, b);
  const std::string started = waitForLogLine(a, "audio started");
  EXPECT_NE(started.find("audio started (in pulse:mic.monitor, out pulse:spk)"), std::string::npos)
      << a.logText();
  const Json audio = audioStatus(a);
  EXPECT_EQ(jsonString(audio, "input"), "pulse:mic.monitor") << audio.dump();
  EXPECT_EQ(jsonString(audio, "output"), "pulse:spk") << audio.dump();
  EXPECT_TRUE(audio.find("active") && audio.find("active")->asBool()) << audio.dump();
  EXPECT_TRUE(hasStreamOf("source-outputs", a.process().pid())) << server_->logTail();
  EXPECT_TRUE(hasStreamOf("sink-inputs", a.process().pid())) << server_->logTail();

  std::this_thread::sleep_for(4s); // the conversation
  hangUp(a, b);
  stopRecorder(speaker);
  voice.terminate(1s);

  // A's microphone reached B.
  ASSERT_TRUE(waitUntil([&] { return std::filesystem::exists(heardByB); }, 5s)) << b.logText();
  auto wav = WavReader::open(heardByB);
  ASSERT_TRUE(wav.ok()) << wav.error().message;
  const MatchReport bHeard = matchLoopedSignal(wav->samples(), signalA());
  EXPECT_GE(bHeard.activeSeconds, 3.0) << bHeard.summary() << "\n" << a.logText();
  EXPECT_GE(bHeard.medianWindowCorrelation, kMinMedianCorrelation) << bHeard.summary();
  EXPECT_GE(bHeard.fractionWindowsMatched, 0.8) << bHeard.summary();
  const MatchReport bWrong = matchLoopedSignal(wav->samples(), signalB());
  EXPECT_LT(bWrong.fractionWindowsMatched, 0.2) << "B heard itself: " << bWrong.summary();

  // B's voice came out of A's speaker.
  const Samples spk = readRaw(dir_ / "spk.raw");
  const MatchReport aPlayed = matchLoopedSignal(spk, signalB());
  EXPECT_GE(aPlayed.activeSeconds, 3.0) << aPlayed.summary() << "\n" << a.logText();
  EXPECT_GE(aPlayed.medianWindowCorrelation, kMinMedianCorrelation) << aPlayed.summary();
  EXPECT_GE(aPlayed.fractionWindowsMatched, 0.8) << aPlayed.summary();
  const MatchReport aWrong = matchLoopedSignal(spk, signalA());
  EXPECT_LT(aWrong.fractionWindowsMatched, 0.2)
      << "A played its own microphone: " << aWrong.summary();
  std::printf("[ audio    ] B heard A's mic: %s\n[ audio    ] A's speaker played B: %s\n",
              bHeard.summary().c_str(), aPlayed.summary().c_str());
}

TEST_F(SoundDevices, DefaultDeviceUsesTheRunningPulseAudioServer) {
  WispPhone a, b;
  WispPhone::Options ao;
  ao.name = "a";
  ao.audioIn = "default";
  ao.audioOut = "default";
  ao.env = pulseEnv();
  Status s = a.start(ao, dir_ / "a");
  ASSERT_TRUE(s.ok()) << s.error().message;
  WispPhone::Options bo;
  bo.name = "b";
  s = b.start(bo, dir_ / "b");
  ASSERT_TRUE(s.ok()) << s.error().message;

  establish(a, b);
  const std::string started = waitForLogLine(a, "audio started");
  EXPECT_NE(started.find("audio started (in pulse:default, out pulse:default)"), std::string::npos)
      << a.logText();
  // The server itself sees the phone's two streams.
  const pid_t pid = a.process().pid();
  EXPECT_TRUE(waitUntil([&] { return hasStreamOf("source-outputs", pid); }, 2s))
      << listing("source-outputs") << a.logText();
  EXPECT_TRUE(waitUntil([&] { return hasStreamOf("sink-inputs", pid); }, 2s))
      << listing("sink-inputs") << a.logText();
  const Json audio = audioStatus(a);
  EXPECT_EQ(jsonString(audio, "input"), "default") << audio.dump();
  EXPECT_EQ(jsonString(audio, "output"), "default") << audio.dump();
  hangUp(a, b);
  EXPECT_EQ(countLinesWith(readAll(a.logPath()), "warning"), 0u) << a.logText();
}

TEST_F(SoundDevices, SoundLibrariesAreMappedOnlyOnceCallAudioNeedsADevice) {
  ASSERT_TRUE(writeWav(dir_ / "b-source.wav", signalB()).ok());
  WispPhone a, b;
  WispPhone::Options ao;
  ao.name = "a";
  ao.audioIn = "pulse:mic.monitor";
  ao.audioOut = "pulse:spk";
  ao.env = pulseEnv();
  Status s = a.start(ao, dir_ / "a");
  ASSERT_TRUE(s.ok()) << s.error().message;
  WispPhone::Options bo; // files only: never needs the module
  bo.name = "b";
  bo.audioIn = "file:" + (dir_ / "b-source.wav").string();
  bo.audioOut = "file:" + (dir_ / "b-heard.wav").string();
  s = b.start(bo, dir_ / "b");
  ASSERT_TRUE(s.ok()) << s.error().message;

  // Idle, after answering status requests: nothing of the sound stack.
  const std::string idle = mappedFiles(a.process().pid());
  ASSERT_TRUE(maps(idle, "libc.so")) << "cannot read the phone's maps:\n" << idle;
  EXPECT_FALSE(maps(idle, "libpulse")) << idle;
  EXPECT_FALSE(maps(idle, "libasound")) << idle;
  EXPECT_FALSE(maps(idle, "wisp-sound.so")) << idle;

  establish(a, b);
  ASSERT_FALSE(waitForLogLine(a, "audio started").empty()) << a.logText();
  const std::string inCall = mappedFiles(a.process().pid());
  EXPECT_TRUE(maps(inCall, "wisp-sound.so")) << inCall;
  EXPECT_TRUE(maps(inCall, "libpulse")) << inCall;
  const std::string fileOnly = mappedFiles(b.process().pid());
  hangUp(a, b);

  // The module stays loaded (its code backs any later call's devices).
  const std::string after = mappedFiles(a.process().pid());
  EXPECT_TRUE(maps(after, "libpulse")) << after;
  EXPECT_TRUE(maps(after, "wisp-sound.so")) << after;
  EXPECT_FALSE(maps(fileOnly, "libpulse")) << "a phone playing files loaded PulseAudio:\n"
                                           << fileOnly;
  EXPECT_FALSE(maps(fileOnly, "wisp-sound.so")) << fileOnly;
}

// No server anywhere: libpulse is pointed at a socket that does not exist, with an empty
// runtime directory, so neither PulseAudio nor ALSA's PulseAudio plugin (ALSA's default
// here) can open a device.
TEST(SoundDevicesWithoutServer, CallsUseSilenceAndWarnOnce) {
  TempDir dir("nosound");
  const auto empty = dir.subdir("runtime");
  const auto heardByB = dir / "b-heard.wav";
  ASSERT_TRUE(writeWav(dir / "b-source.wav", signalB()).ok());

  WispPhone a, b;
  WispPhone::Options ao;
  ao.name = "a";
  ao.audioIn = "default";
  ao.audioOut = "default";
  ao.env = {{"PULSE_SERVER", "unix:" + (empty / "no-such-server").string()},
            {"XDG_RUNTIME_DIR", empty.string()},
            {"HOME", empty.string()}};
  Status s = a.start(ao, dir / "a");
  ASSERT_TRUE(s.ok()) << s.error().message;
  WispPhone::Options bo;
  bo.name = "b";
  bo.audioIn = "file:" + (dir / "b-source.wav").string();
  bo.audioOut = "file:" + heardByB.string();
  s = b.start(bo, dir / "b");
  ASSERT_TRUE(s.ok()) << s.error().message;

  for (int call = 1; call <= 2; ++call) {
    SCOPED_TRACE("call " + std::to_string(call));
    std::error_code ignored;
    std::filesystem::remove(heardByB, ignored);
    establish(a, b);
    // Both directions keep flowing: A sends silence and takes in what B sends.
    ASSERT_TRUE(waitUntil(
        [&] {
          auto calls = a.calls();
          return !calls.empty() && jsonInt(calls[0], "rtp_sent").value_or(0) >= 50 &&
                 jsonInt(calls[0], "rtp_received").value_or(0) >= 50;
        },
        3s))
        << dump(a);
    hangUp(a, b);

    ASSERT_TRUE(waitUntil([&] { return std::filesystem::exists(heardByB); }, 5s)) << b.logText();
    auto wav = WavReader::open(heardByB);
    ASSERT_TRUE(wav.ok()) << wav.error().message;
    EXPECT_GE(wav->samples().size(), 8000u / 2) << "B's recording is too short";
    const MatchReport heard = matchLoopedSignal(wav->samples(), signalB());
    EXPECT_EQ(heard.activeSeconds, 0.0) << "A sent sound, not silence: " << heard.summary();
  }

  const std::string log = readAll(a.logPath());
  EXPECT_EQ(countLinesWith(log, "using silence instead"), 1u) << a.logText();
  EXPECT_EQ(countLinesWith(log, "warning"), 1u) << a.logText();
  const std::string warning = waitForLogLine(a, "using silence instead", 0ms);
  EXPECT_NE(warning.find("no sound device"), std::string::npos) << warning;
  EXPECT_NE(warning.find("PulseAudio"), std::string::npos) << warning;
  EXPECT_EQ(countLinesWith(log, "audio started (in null, out null)"), 2u) << a.logText();
  EXPECT_FALSE(std::filesystem::exists(empty / "pulse")) << "a PulseAudio server was spawned";
}

} // namespace
} // namespace wisp::test
