// Wisp against a real baresip 1.0.0 on 127.0.0.1: calls both ways, audio checked numerically
// in both directions, DTMF both ways, codec preference and delayed auto-answer.
//
// Each side plays its own signal (Wisp signalA, baresip signalB), so a recording that matches
// the wrong signal (a loopback, crossed streams) fails as surely as silence does.
#include "support/audio_analysis.h"
#include "support/baresip_peer.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "media/wav_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char *kBaresipUser = "bsinterop";
// Packets per direction before a call with audio checks is ended: 4 s of 20 ms frames.
constexpr int64_t kAudioPackets = 200;

// aufile ends the call when its file ends: loop the signal well past any call here.
std::vector<int16_t> repeatFor(const std::vector<int16_t> &signal, unsigned seconds) {
  std::vector<int16_t> out;
  while (out.size() < 8000u * seconds)
    out.insert(out.end(), signal.begin(), signal.end());
  return out;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class BaresipInterop : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(writeWav(wispSource(), signalA()).ok());
    ASSERT_TRUE(writeWav(baresipSource(), repeatFor(signalB(), 30)).ok());
  }

  std::filesystem::path wispSource() const { return dir_ / "wisp-plays-a.wav"; }
  std::filesystem::path baresipSource() const { return dir_ / "baresip-plays-b.wav"; }
  std::filesystem::path wispRecording() const { return dir_ / "wisp-heard.wav"; }

  void startWisp(std::vector<std::string> extraSettings = {}) {
    WispPhone::Options options;
    options.audioIn = "file:" + wispSource().string();
    options.audioOut = "file:" + wispRecording().string();
    options.extraSettings = std::move(extraSettings);
    Status started = wisp_.start(options, dir_ / "wisp");
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  void startBaresip(bool autoAnswer) {
    BaresipPeer::Options options;
    options.user = kBaresipUser;
    options.sourceWav = baresipSource();
    options.autoAnswer = autoAnswer;
    Status started = baresip_.start(options, dir_ / "baresip");
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  // Everything that helps to understand a failure: both sides' logs and baresip's events.
  std::string context() const {
    return "\n" + wisp_.logText() + "\n=== baresip events ===\n" + baresip_.describeEvents() +
           "=== baresip log ===\n" + readFileTail(baresip_.logPath(), 8 * 1024);
  }

  // Wisp's first call, or an empty object.
  Json firstCall() const {
    auto calls = wisp_.calls();
    return calls.empty() ? Json::object() : calls.front();
  }

  // Waits until Wisp's call has sent and received `packets` RTP packets each way, so the
  // recordings hold enough audio; returns the call as status showed it then.
  Json waitForAudio(int64_t packets) {
    Json call = Json::object();
    bool flowed = waitUntil(
        [&] {
          call = firstCall();
          return jsonInt(call, "rtp_sent").value_or(0) >= packets &&
                 jsonInt(call, "rtp_received").value_or(0) >= packets;
        },
        std::chrono::milliseconds(packets * 20 * 3), 200ms);
    EXPECT_TRUE(flowed) << "RTP did not flow both ways: " << call.dump() << context();
    return call;
  }

  void expectEstablishedCall(const Json &call, std::string_view direction, std::string_view codec) {
    EXPECT_EQ(jsonString(call, "state"), "established") << call.dump();
    EXPECT_EQ(jsonString(call, "direction"), direction) << call.dump();
    EXPECT_EQ(jsonString(call, "codec"), codec) << call.dump();
    EXPECT_EQ(jsonString(call, "media"), "sendrecv") << call.dump();
  }

  // The most recent entry of ended_calls, once the phone has no call left.
  Json lastEndedCall() {
    EXPECT_TRUE(wisp_.waitForNoCalls(5s)) << context();
    auto status = wisp_.status();
    if (!status.ok()) {
      ADD_FAILURE() << status.error().message << context();
      return Json::object();
    }
    const Json *ended = status->find("ended_calls");
    if (!ended || ended->asArray().empty()) {
      ADD_FAILURE() << "no ended_calls: " << status->dump() << context();
      return Json::object();
    }
    return ended->asArray().front();
  }

  // `file` must hold `expected` (looped) for at least minSeconds and must not match `other`.
  void expectRecording(const std::string &what, const std::filesystem::path &file,
                       const std::vector<int16_t> &expected, const std::vector<int16_t> &other,
                       double minSeconds) {
    auto wav = WavReader::open(file);
    ASSERT_TRUE(wav.ok()) << what << ": " << wav.error().message << context();
    MatchReport match = matchLoopedSignal(wav->samples(), expected);
    MatchReport wrong = matchLoopedSignal(wav->samples(), other);
    // The measurements, also on success: they show how much margin the thresholds leave.
    std::printf("[ measured ] %s: expected signal: %s | other signal: %s\n", what.c_str(),
                match.summary().c_str(), wrong.summary().c_str());
    EXPECT_GE(match.activeSeconds, minSeconds) << what << ": " << match.summary() << context();
    EXPECT_GE(match.medianWindowCorrelation, 0.9) << what << ": " << match.summary() << context();
    EXPECT_LT(wrong.fractionWindowsMatched, 0.2)
        << what << " matches the other side's signal: " << wrong.summary() << context();
  }

  // Wisp writes its recording when no call is left; baresip when its call has closed.
  void expectAudioBothWays(double minSeconds) {
    ASSERT_TRUE(waitUntil([&] { return std::filesystem::exists(wispRecording()); }, 5s))
        << "Wisp wrote no recording" << context();
    expectRecording("Wisp heard (want signalB)", wispRecording(), signalB(), signalA(), minSeconds);
    auto files = baresip_.waitForReceivedWavFiles(1, 5s);
    ASSERT_EQ(files.size(), 1u) << "baresip's recordings" << context();
    ASSERT_TRUE(isCompleteWav(files[0])) << files[0] << context();
    expectRecording("baresip heard (want signalA)", files[0], signalA(), signalB(), minSeconds);
  }

  TempDir dir_{"bsi"};
  BaresipPeer baresip_;
  WispPhone wisp_;
};

TEST_F(BaresipInterop, WispCallsBaresipAudioBothWaysAndHangsUp) {
  ASSERT_NO_FATAL_FAILURE(startBaresip(/*autoAnswer=*/true));
  ASSERT_NO_FATAL_FAILURE(startWisp());

  CommandResult dialed = wisp_.command("dial", baresip_.sipUri());
  ASSERT_TRUE(dialed.ok()) << dialed.describe() << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_ESTABLISHED", 5s)) << context();
  auto established = wisp_.waitForCallState("established", 5s);
  ASSERT_TRUE(established) << context();
  expectEstablishedCall(*established, "outgoing", "PCMU/8000");
  EXPECT_NE(jsonString(*established, "remote").find(kBaresipUser), std::string::npos)
      << established->dump();

  Json during = waitForAudio(kAudioPackets);
  expectEstablishedCall(during, "outgoing", "PCMU/8000");

  CommandResult hungUp = wisp_.command("hangup");
  ASSERT_TRUE(hungUp.ok()) << hungUp.describe() << context();
  auto closed = baresip_.waitForEvent("CALL_CLOSED", 5s);
  ASSERT_TRUE(closed) << context();
  EXPECT_EQ(closed->param, "Connection reset by peer") << "baresip got no BYE?" << context();

  Json ended = lastEndedCall();
  EXPECT_EQ(jsonString(ended, "reason"), "local hang-up") << ended.dump();
  EXPECT_EQ(jsonString(ended, "direction"), "outgoing") << ended.dump();
  EXPECT_EQ(jsonString(ended, "codec"), "PCMU/8000") << ended.dump();
  EXPECT_EQ(jsonInt(ended, "id"), jsonInt(*established, "id")) << ended.dump();

  expectAudioBothWays(2.5);
}

TEST_F(BaresipInterop, BaresipCallsWispAnsweredByCommandAndHangsUp) {
  ASSERT_NO_FATAL_FAILURE(startBaresip(/*autoAnswer=*/true));
  ASSERT_NO_FATAL_FAILURE(startWisp());

  ASSERT_TRUE(baresip_.dial(wisp_.uri()).ok()) << context();
  auto ringing = wisp_.waitForCallState("ringing", 5s);
  ASSERT_TRUE(ringing) << context();
  EXPECT_EQ(jsonString(*ringing, "direction"), "incoming") << ringing->dump();
  EXPECT_EQ(jsonString(*ringing, "remote").rfind("sip:" + std::string(kBaresipUser) + "@", 0), 0u)
      << ringing->dump();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_RINGING", 5s)) << context();
  // Not answered by itself: autoAnswer is off by default.
  EXPECT_FALSE(baresip_.waitForEvent("CALL_ESTABLISHED", 500ms)) << context();
  EXPECT_EQ(jsonString(firstCall(), "state"), "ringing") << context();

  CommandResult answered = wisp_.command("answer");
  ASSERT_TRUE(answered.ok()) << answered.describe() << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_ESTABLISHED", 5s)) << context();
  auto established = wisp_.waitForCallState("established", 5s);
  ASSERT_TRUE(established) << context();
  expectEstablishedCall(*established, "incoming", "PCMU/8000");

  Json during = waitForAudio(kAudioPackets);
  expectEstablishedCall(during, "incoming", "PCMU/8000");

  ASSERT_TRUE(baresip_.hangup().ok()) << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_CLOSED", 5s)) << context();

  Json ended = lastEndedCall();
  EXPECT_EQ(jsonString(ended, "reason"), "remote hung up") << ended.dump() << context();
  EXPECT_EQ(jsonString(ended, "direction"), "incoming") << ended.dump();
  EXPECT_EQ(jsonInt(ended, "id"), jsonInt(*established, "id")) << ended.dump();

  expectAudioBothWays(2.5);
}

TEST_F(BaresipInterop, DtmfBothWays) {
  ASSERT_NO_FATAL_FAILURE(startBaresip(/*autoAnswer=*/true));
  ASSERT_NO_FATAL_FAILURE(startWisp());

  CommandResult dialed = wisp_.command("dial", baresip_.sipUri());
  ASSERT_TRUE(dialed.ok()) << dialed.describe() << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_ESTABLISHED", 5s)) << context();
  ASSERT_TRUE(wisp_.waitForCallState("established", 5s)) << context();

  // Wisp -> baresip (RFC 4733): every key once, in order.
  CommandResult sent = wisp_.command("dtmf", "159#");
  ASSERT_TRUE(sent.ok()) << sent.describe() << context();
  EXPECT_TRUE(waitUntil([&] { return baresip_.dtmfReceived().size() >= 4; }, 5s)) << context();
  size_t eventsAfterKeys = baresip_.eventCount();
  // A key repeated (e.g. a retransmitted end packet taken for a new key) shows up late.
  EXPECT_FALSE(baresip_.waitForEventFrom("CALL_DTMF_START", eventsAfterKeys, 700ms)) << context();
  EXPECT_EQ(baresip_.dtmfReceived(), "159#") << context();

  // baresip -> Wisp.
  ASSERT_TRUE(baresip_.sendDtmf("2*7").ok()) << context();
  std::string received;
  EXPECT_TRUE(waitUntil(
      [&] {
        received = jsonString(firstCall(), "dtmf_received");
        return received.size() >= 3;
      },
      5s, 100ms))
      << received << context();
  std::this_thread::sleep_for(700ms); // any late duplicate key would arrive meanwhile
  Json call = firstCall();
  EXPECT_EQ(jsonString(call, "dtmf_received"), "2*7") << call.dump() << context();
  EXPECT_EQ(jsonString(call, "state"), "established") << call.dump();

  CommandResult hungUp = wisp_.command("hangup");
  ASSERT_TRUE(hungUp.ok()) << hungUp.describe() << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_CLOSED", 5s)) << context();
  Json ended = lastEndedCall();
  EXPECT_EQ(jsonString(ended, "dtmf_received"), "2*7") << ended.dump();
}

TEST_F(BaresipInterop, WispPrefersPcmaWhenConfigured) {
  ASSERT_NO_FATAL_FAILURE(startBaresip(/*autoAnswer=*/true));
  ASSERT_NO_FATAL_FAILURE(startWisp({"audioCodecs=PCMA/8000/1 PCMU/8000/1"}));

  CommandResult dialed = wisp_.command("dial", baresip_.sipUri());
  ASSERT_TRUE(dialed.ok()) << dialed.describe() << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_ESTABLISHED", 5s)) << context();
  auto established = wisp_.waitForCallState("established", 5s);
  ASSERT_TRUE(established) << context();
  // baresip lists PCMU first itself: PCMA here means Wisp's offer order was honoured.
  expectEstablishedCall(*established, "outgoing", "PCMA/8000");

  Json during = waitForAudio(kAudioPackets);
  expectEstablishedCall(during, "outgoing", "PCMA/8000");

  CommandResult hungUp = wisp_.command("hangup");
  ASSERT_TRUE(hungUp.ok()) << hungUp.describe() << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_CLOSED", 5s)) << context();
  Json ended = lastEndedCall();
  EXPECT_EQ(jsonString(ended, "reason"), "local hang-up") << ended.dump();

  // A-law decoded as mu-law (or the other way) would not correlate.
  expectAudioBothWays(2.5);
}

TEST_F(BaresipInterop, AutoAnswerAfterDelay) {
  ASSERT_NO_FATAL_FAILURE(startBaresip(/*autoAnswer=*/true));
  ASSERT_NO_FATAL_FAILURE(startWisp({"autoAnswer=all", "autoAnswerDelay=1"}));

  ASSERT_TRUE(baresip_.dial(wisp_.uri()).ok()) << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_RINGING", 5s)) << context();
  Clock::time_point ringingAt = Clock::now(); // Wisp's 180 reached baresip

  std::this_thread::sleep_until(ringingAt + 300ms);
  Json early = firstCall();
  double checkedAt = seconds(Clock::now() - ringingAt);
  EXPECT_EQ(jsonString(early, "state"), "ringing")
      << "at " << checkedAt << " s: " << early.dump() << context();
  EXPECT_EQ(jsonString(early, "direction"), "incoming") << early.dump();

  auto established = baresip_.waitForEvent("CALL_ESTABLISHED", 3s);
  ASSERT_TRUE(established) << "not answered within 3 s" << context();
  double answeredAfter = seconds(Clock::now() - ringingAt);
  std::printf("[ measured ] auto-answer: status checked at %.3f s, established after %.3f s\n",
              checkedAt, answeredAfter);
  // Up to a little less than 1 s: the 180 may have taken a moment to reach baresip.
  EXPECT_GE(answeredAfter, 0.8) << "answered too early" << context();
  auto call = wisp_.waitForCallState("established", 3s);
  ASSERT_TRUE(call) << context();
  expectEstablishedCall(*call, "incoming", "PCMU/8000");
  EXPECT_EQ(jsonInt(*call, "id"), jsonInt(early, "id")) << call->dump();

  ASSERT_TRUE(baresip_.hangup().ok()) << context();
  ASSERT_TRUE(baresip_.waitForEvent("CALL_CLOSED", 5s)) << context();
  Json ended = lastEndedCall();
  EXPECT_EQ(jsonString(ended, "reason"), "remote hung up") << ended.dump();
}

} // namespace
} // namespace wisp::test
