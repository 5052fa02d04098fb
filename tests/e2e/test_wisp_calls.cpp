// Two (or three) Wisp phones calling each other by IP on 127.0.0.1: audio both ways checked
// numerically, hang-up from either side, CANCEL, busy, decline, call waiting, auto-answer,
// DTMF and TCP.
#include "support/audio_analysis.h"
#include "support/expect_audio.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "media/wav_file.h"

#include <gtest/gtest.h>

#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

// A phone with its own profile folder, playing `source` and recording what it hears.
struct TestPhone {
  TestPhone(const TempDir &dir, const std::string &name, const std::vector<int16_t> *source,
            std::vector<std::string> settings = {})
      : profile(dir / name), recording(dir / (name + "-heard.wav")) {
    WispPhone::Options o;
    o.name = name;
    if (source) {
      const auto wav = dir / (name + "-source.wav");
      EXPECT_TRUE(writeWav(wav, *source).ok());
      o.audioIn = "file:" + wav.string();
    }
    o.audioOut = "file:" + recording.string();
    o.extraSettings = std::move(settings);
    Status s = phone.start(o, profile);
    started = s.ok();
    EXPECT_TRUE(started) << name << ": " << (s.ok() ? "" : s.error().message);
  }

  std::filesystem::path profile;
  std::filesystem::path recording;
  WispPhone phone;
  bool started = false;
};

// Dials and waits until the callee rings; returns the callee's call id.
int64_t ringFrom(TestPhone &caller, TestPhone &callee, const std::string &target) {
  auto r = caller.phone.command("dial", target);
  EXPECT_TRUE(r.ok()) << r.describe();
  auto ringing = callee.phone.waitForCallState("ringing", 5s);
  EXPECT_TRUE(ringing) << dump(callee.phone);
  return ringing ? jsonInt(*ringing, "id").value_or(0) : 0;
}

void establish(TestPhone &caller, TestPhone &callee) {
  ringFrom(caller, callee, callee.phone.uri("bob"));
  EXPECT_TRUE(caller.phone.waitForCallState("ringing", 5s)) << dump(caller.phone);
  auto r = callee.phone.command("answer");
  ASSERT_TRUE(r.ok()) << r.describe();
  auto a = caller.phone.waitForCallState("established", 5s);
  auto b = callee.phone.waitForCallState("established", 5s);
  ASSERT_TRUE(a && b) << dump(caller.phone) << dump(callee.phone);
  EXPECT_EQ(jsonString(*a, "codec"), "PCMU/8000");
  EXPECT_EQ(jsonString(*a, "media"), "sendrecv");
  EXPECT_EQ(jsonString(*a, "direction"), "outgoing");
  EXPECT_EQ(jsonString(*b, "direction"), "incoming");
  EXPECT_EQ(jsonString(*a, "remote"), callee.phone.uri("bob"));
}

TEST(WispCalls, AudioBothWaysCallerHangsUp) {
  TempDir dir("calls");
  TestPhone alice(dir, "alice", &signalA());
  TestPhone bob(dir, "bob", &signalB());
  ASSERT_TRUE(alice.started && bob.started);
  establish(alice, bob);
  std::this_thread::sleep_for(4s);
  auto r = alice.phone.command("hangup");
  ASSERT_TRUE(r.ok()) << r.describe();
  ASSERT_TRUE(bob.phone.waitForNoCalls(5s)) << dump(bob.phone);
  ASSERT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone);

  auto bobEnd = bob.phone.waitForEndedCall();
  ASSERT_TRUE(bobEnd);
  EXPECT_EQ(jsonString(*bobEnd, "reason"), "remote hung up");
  EXPECT_GE(bobEnd->find("duration")->asNumber(), 3.5);
  auto aliceEnd = alice.phone.waitForEndedCall();
  ASSERT_TRUE(aliceEnd);
  EXPECT_EQ(jsonString(*aliceEnd, "reason"), "local hang-up");

  expectHeard(bob.recording, signalA(), signalB(), "bob");
  expectHeard(alice.recording, signalB(), signalA(), "alice");
}

TEST(WispCalls, CalleeHangsUpOverTcp) {
  TempDir dir("tcp");
  TestPhone alice(dir, "alice", &signalA());
  TestPhone bob(dir, "bob", &signalB());
  ASSERT_TRUE(alice.started && bob.started);
  ringFrom(alice, bob, bob.phone.uri("bob") + ";transport=tcp");
  ASSERT_TRUE(bob.phone.command("/answer").ok());
  ASSERT_TRUE(alice.phone.waitForCallState("established", 5s)) << dump(alice.phone);
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(bob.phone.command("hangup").ok());
  ASSERT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone);
  auto end = alice.phone.waitForEndedCall();
  ASSERT_TRUE(end);
  EXPECT_EQ(jsonString(*end, "reason"), "remote hung up");
  EXPECT_NE(alice.phone.logText().find("transport=tcp"), std::string::npos)
      << alice.phone.logText();
  expectHeard(bob.recording, signalA(), signalB(), "bob");
  expectHeard(alice.recording, signalB(), signalA(), "alice");
}

TEST(WispCalls, CancelBeforeAnswer) {
  TempDir dir("cancel");
  TestPhone alice(dir, "alice", nullptr);
  TestPhone bob(dir, "bob", nullptr);
  ASSERT_TRUE(alice.started && bob.started);
  ringFrom(alice, bob, bob.phone.uri("bob"));
  ASSERT_TRUE(alice.phone.waitForCallState("ringing", 5s)) << dump(alice.phone);
  ASSERT_TRUE(alice.phone.command("hangup").ok());
  ASSERT_TRUE(bob.phone.waitForNoCalls(5s)) << dump(bob.phone);
  auto end = bob.phone.waitForEndedCall();
  ASSERT_TRUE(end);
  EXPECT_EQ(jsonString(*end, "reason"), "cancelled by caller");
  EXPECT_EQ(end->find("duration")->asNumber(), 0.0);
  EXPECT_FALSE(std::filesystem::exists(bob.recording)) << "no audio before an answer";
}

TEST(WispCalls, DeclineGives603) {
  TempDir dir("decline");
  TestPhone alice(dir, "alice", nullptr);
  TestPhone bob(dir, "bob", nullptr);
  ASSERT_TRUE(alice.started && bob.started);
  ringFrom(alice, bob, bob.phone.uri("bob"));
  ASSERT_TRUE(bob.phone.command("hangup").ok());
  ASSERT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone);
  auto end = alice.phone.waitForEndedCall();
  ASSERT_TRUE(end);
  EXPECT_EQ(jsonInt(*end, "sip_code"), 603);
  EXPECT_EQ(jsonString(*end, "reason"), "Decline");
}

TEST(WispCalls, BusyWhenCallWaitingIsOffAndSecondCallRingsWhenOn) {
  TempDir dir("busy");
  TestPhone alice(dir, "alice", nullptr);
  TestPhone carol(dir, "carol", nullptr);
  TestPhone bob(dir, "bob", nullptr, {"callWaiting=0"});
  ASSERT_TRUE(alice.started && bob.started && carol.started);
  establish(alice, bob);

  ASSERT_TRUE(carol.phone.command("dial", bob.phone.uri("bob")).ok());
  ASSERT_TRUE(carol.phone.waitForNoCalls(5s)) << dump(carol.phone);
  auto end = carol.phone.waitForEndedCall();
  ASSERT_TRUE(end);
  EXPECT_EQ(jsonInt(*end, "sip_code"), 486);
  EXPECT_EQ(jsonString(*end, "reason"), "Busy Here");

  // Alice has call waiting on (the default): Carol's call rings beside Bob's.
  ASSERT_TRUE(carol.phone.command("dial", alice.phone.uri("alice")).ok());
  ASSERT_TRUE(waitUntil([&] { return alice.phone.calls().size() == 2; }, 5s)) << dump(alice.phone);
  const Json second = alice.phone.calls().at(1);
  EXPECT_EQ(jsonString(second, "state"), "ringing");
  EXPECT_EQ(jsonString(second, "direction"), "incoming");
  EXPECT_EQ(jsonString(alice.phone.calls().at(0), "state"), "established");
  const int64_t secondId = jsonInt(second, "id").value_or(0);
  // /hangupall leaves the ringing call alone (as in MicroSIP) and ends the established one.
  ASSERT_TRUE(alice.phone.command("/hangupall").ok());
  ASSERT_TRUE(waitUntil([&] { return alice.phone.calls().size() == 1; }, 5s)) << dump(alice.phone);
  EXPECT_EQ(jsonInt(alice.phone.calls().at(0), "id"), secondId);
  ASSERT_TRUE(alice.phone.command("answer", std::to_string(secondId)).ok());
  EXPECT_TRUE(carol.phone.waitForCallState("established", 5s)) << dump(carol.phone);
  ASSERT_TRUE(alice.phone.command("hangup", "--all").ok());
  EXPECT_TRUE(carol.phone.waitForNoCalls(5s));
}

TEST(WispCalls, AutoAnswerAfterDelay) {
  TempDir dir("auto");
  TestPhone alice(dir, "alice", &signalA());
  TestPhone bob(dir, "bob", nullptr, {"autoAnswer=all", "autoAnswerDelay=1"});
  ASSERT_TRUE(alice.started && bob.started);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(alice.phone.command("dial", bob.phone.uri("bob")).ok());
  ASSERT_TRUE(bob.phone.waitForCallState("ringing", 2s)) << dump(bob.phone);
  ASSERT_TRUE(bob.phone.waitForCallState("established", 5s)) << dump(bob.phone);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 900ms) << "answered before autoAnswerDelay";
  ASSERT_TRUE(alice.phone.waitForCallState("established", 5s));
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(alice.phone.command("hangup").ok());
  ASSERT_TRUE(bob.phone.waitForNoCalls(5s));
  expectHeard(bob.recording, signalA(), signalB(), "bob");
}

TEST(WispCalls, DtmfBothWays) {
  TempDir dir("dtmf");
  TestPhone alice(dir, "alice", nullptr);
  TestPhone bob(dir, "bob", nullptr);
  ASSERT_TRUE(alice.started && bob.started);
  establish(alice, bob);
  ASSERT_TRUE(alice.phone.command("dtmf", "1234567890*#ABCD").ok());
  ASSERT_TRUE(bob.phone.command("dtmf", "9#").ok());
  EXPECT_TRUE(waitUntil(
      [&] {
        auto c = bob.phone.calls();
        return !c.empty() && jsonString(c[0], "dtmf_received") == "1234567890*#ABCD";
      },
      10s))
      << dump(bob.phone);
  EXPECT_TRUE(waitUntil(
      [&] {
        auto c = alice.phone.calls();
        return !c.empty() && jsonString(c[0], "dtmf_received") == "9#";
      },
      5s))
      << dump(alice.phone);
  auto bad = alice.phone.command("dtmf", "12x");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.err.find("x"), std::string::npos) << bad.describe();
}

TEST(WispCalls, PostDialDtmfIsSentOnceTheCallIsUp) {
  TempDir dir("postdial");
  TestPhone bob(dir, "bob", nullptr, {"autoAnswer=all"});
  ASSERT_TRUE(bob.started);
  // An account with no server registers nowhere but completes numbers with its domain.
  const std::string domain = "127.0.0.1:" + std::to_string(bob.phone.sipPort());
  TestPhone alice(dir, "alice", nullptr,
                  {"[Account1]", "username=alice", "domain=" + domain, "displayName=Alice A"});
  ASSERT_TRUE(alice.started);
  // MicroSIP's NUMBER,DTMF form: one pause, then 42, another pause, then #.
  auto r = alice.phone.command("1234,42,#");
  ASSERT_TRUE(r.ok()) << r.describe();
  auto incoming = bob.phone.waitForCallState("established", 5s);
  ASSERT_TRUE(incoming) << dump(bob.phone);
  EXPECT_EQ(jsonString(*incoming, "remote_name"), "Alice A");
  EXPECT_NE(alice.phone.logText().find("sip:1234@" + domain), std::string::npos)
      << alice.phone.logText();
  EXPECT_TRUE(waitUntil(
      [&] {
        auto c = bob.phone.calls();
        return !c.empty() && jsonString(c[0], "dtmf_received") == "42#";
      },
      10s))
      << dump(bob.phone);
}

TEST(WispCalls, DialingPrefixGoesBeforeNumbersOnly) {
  TempDir dir("prefix");
  TestPhone bob(dir, "bob", nullptr, {"autoAnswer=all"});
  ASSERT_TRUE(bob.started);
  const std::string domain = "127.0.0.1:" + std::to_string(bob.phone.sipPort());
  TestPhone alice(dir, "alice", nullptr,
                  {"[Account1]", "username=alice", "domain=" + domain, "dialingPrefix=0049"});
  ASSERT_TRUE(alice.started);
  auto r = alice.phone.command("dial", "301234");
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_NE(r.out.find("sip:0049301234@" + domain), std::string::npos) << r.out;
  ASSERT_TRUE(bob.phone.waitForCallState("established", 5s)) << dump(bob.phone);
  ASSERT_TRUE(alice.phone.command("hangup").ok());
  ASSERT_TRUE(bob.phone.waitForNoCalls(5s));
  r = alice.phone.command("dial", "carol");
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_NE(r.out.find("sip:carol@" + domain), std::string::npos)
      << "no prefix on names: " << r.out;
}

TEST(WispCalls, UnreachablePeerIsReportedNotFatal) {
  TempDir dir("unreach");
  TestPhone alice(dir, "alice", nullptr);
  ASSERT_TRUE(alice.started);
  // A TCP port nobody listens on: the INVITE fails at once with a clear reason.
  auto r = alice.phone.command("dial", "sip:nobody@127.0.0.1:9;transport=tcp");
  if (r.ok()) {
    ASSERT_TRUE(alice.phone.waitForNoCalls(10s)) << dump(alice.phone);
    auto end = alice.phone.waitForEndedCall();
    ASSERT_TRUE(end);
    EXPECT_FALSE(jsonString(*end, "reason").empty());
  } else {
    EXPECT_FALSE(r.err.empty());
  }
  EXPECT_TRUE(alice.phone.status().ok()) << "the phone must survive a failed call";
}

} // namespace
} // namespace wisp::test
