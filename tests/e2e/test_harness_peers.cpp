// The peers the end-to-end tests play against, checked against each other before they are
// trusted to judge Wisp: baresip's commands, events, DTMF and recordings as the harness
// understands them, and every SIPp fixture scenario against a real user agent.
#include "support/audio_analysis.h"
#include "support/baresip_peer.h"
#include "support/sipp_peer.h"
#include "support/temp_dir.h"
#include "support/wait.h"

#include "media/wav_file.h"

#include <gtest/gtest.h>

#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

// aufile ends the call when the file ends: loop the signal well past any call here.
std::vector<int16_t> repeatFor(const std::vector<int16_t> &signal, unsigned seconds) {
  std::vector<int16_t> out;
  while (out.size() < 8000u * seconds)
    out.insert(out.end(), signal.begin(), signal.end());
  return out;
}

void expectRecordingOf(const std::filesystem::path &file, const std::vector<int16_t> &signal,
                       double minSeconds) {
  auto wav = WavReader::open(file);
  ASSERT_TRUE(wav.ok()) << wav.error().message;
  EXPECT_EQ(wav->originalRate(), 8000u);
  EXPECT_EQ(wav->originalChannels(), 1u);
  MatchReport match = matchLoopedSignal(wav->samples(), signal);
  EXPECT_GE(match.activeSeconds, minSeconds) << match.summary();
  EXPECT_GE(match.medianWindowCorrelation, 0.9) << match.summary();
}

TEST(HarnessPeers, BaresipCallCarriesAudioAndDtmf) {
  TempDir dir("bs");
  ASSERT_TRUE(writeWav(dir / "a.wav", repeatFor(signalA(), 30)).ok());
  BaresipPeer caller, callee;
  BaresipPeer::Options callerOptions;
  callerOptions.user = "alice";
  callerOptions.sourceWav = dir / "a.wav";
  Status started = caller.start(callerOptions, dir / "alice");
  ASSERT_TRUE(started.ok()) << started.error().message;
  BaresipPeer::Options calleeOptions;
  calleeOptions.user = "bob";
  calleeOptions.autoAnswer = false;
  started = callee.start(calleeOptions, dir / "bob");
  ASSERT_TRUE(started.ok()) << started.error().message;

  ASSERT_TRUE(caller.dial(callee.sipUri()).ok());
  auto incoming = callee.waitForEvent("CALL_INCOMING", 5s);
  ASSERT_TRUE(incoming) << callee.describeEvents();
  EXPECT_EQ(incoming->direction, "incoming");
  EXPECT_EQ(incoming->peerUri, "sip:alice@127.0.0.1");
  ASSERT_TRUE(caller.waitForEvent("CALL_RINGING", 5s)) << caller.describeEvents();
  ASSERT_TRUE(callee.answer().ok());
  ASSERT_TRUE(callee.waitForEvent("CALL_ESTABLISHED", 5s)) << callee.describeEvents();
  ASSERT_TRUE(caller.waitForEvent("CALL_ESTABLISHED", 5s)) << caller.describeEvents();

  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(caller.sendDtmf("12#").ok());
  EXPECT_TRUE(waitUntil([&] { return callee.dtmfReceived() == "12#"; }, 5s))
      << callee.describeEvents();
  EXPECT_FALSE(isCompleteWav(callee.receivedWavFiles().at(0))) << "finished before the call";

  ASSERT_TRUE(caller.hangup().ok());
  auto closed = callee.waitForEvent("CALL_CLOSED", 5s);
  ASSERT_TRUE(closed) << callee.describeEvents();
  EXPECT_EQ(closed->param, "Connection reset by peer");
  EXPECT_FALSE(callee.waitForEvent("CALL_CLOSED", 200ms)) << "one call, one CALL_CLOSED";

  auto files = callee.waitForReceivedWavFiles(1, 5s);
  ASSERT_EQ(files.size(), 1u);
  ASSERT_TRUE(isCompleteWav(files[0]));
  expectRecordingOf(files[0], signalA(), 1.5);
}

TEST(HarnessPeers, SippCallerScenariosWorkAgainstBaresip) {
  TempDir dir("sipp");
  BaresipPeer baresip;
  Status started = baresip.start({}, dir / "bs");
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(writeUlawFile(dir / "b.ul", signalB()).ok());

  SippOptions options;
  options.workdir = dir.path();
  options.serviceUser = baresip.user();
  options.callDuration = 400ms;
  options.timeout = 15s;
  options.keys["rtp_file"] = (dir / "b.ul").string();
  std::string remote = "127.0.0.1:" + std::to_string(baresip.sipPort());
  for (const char *scenario : {"uac_basic.xml", "uac_reinvite_hold.xml", "uac_late_offer.xml"}) {
    SCOPED_TRACE(scenario);
    SippResult result = runSipp(sippScenario(scenario), remote, options);
    EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
    EXPECT_TRUE(baresip.waitForEvent("CALL_CLOSED", 5s)) << baresip.describeEvents();
    if (std::string_view(scenario) == "uac_basic.xml") {
      // What SIPp streamed (the u-law file written by the harness) is what baresip heard.
      // Checked at once: the next call may start within the second and reuse the file name.
      auto files = baresip.waitForReceivedWavFiles(1, 5s);
      ASSERT_EQ(files.size(), 1u);
      expectRecordingOf(files[0], signalB(), 0.3);
    }
  }
}

TEST(HarnessPeers, SippAnswererScenariosWorkWithBaresip) {
  TempDir dir("sipp");
  BaresipPeer baresip;
  Status started = baresip.start({}, dir / "bs");
  ASSERT_TRUE(started.ok()) << started.error().message;

  struct Case {
    const char *scenario;
    const char *closeReason; // as baresip reports it
  };
  for (Case c : {Case{"uas_send_bye.xml", "Connection reset by peer"},
                 Case{"uas_busy.xml", "486 Busy Here"}, Case{"uas_decline.xml", "603 Decline"},
                 Case{"uas_ring_cancel.xml", "Connection reset by user"}}) {
    SCOPED_TRACE(c.scenario);
    SippOptions options;
    options.workdir = dir.path();
    options.callDuration = 400ms;
    options.timeout = 15s;
    options.keys["ring_ms"] = "200";
    auto sipp = startSipp(sippScenario(c.scenario), "", options);
    ASSERT_TRUE(sipp.ok()) << sipp.error().message;
    ASSERT_TRUE(baresip.dial(sipp->uri()).ok());
    if (std::string_view(c.scenario) == "uas_ring_cancel.xml") {
      ASSERT_TRUE(baresip.waitForEvent("CALL_RINGING", 5s)) << baresip.describeEvents();
      ASSERT_TRUE(baresip.hangup().ok());
    }
    auto closed = baresip.waitForEvent("CALL_CLOSED", 10s);
    ASSERT_TRUE(closed) << baresip.describeEvents();
    EXPECT_EQ(closed->param, c.closeReason);
    SippResult result = sipp->wait(10s);
    EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  }
}

} // namespace
} // namespace wisp::test
