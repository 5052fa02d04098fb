// The command language's contract, form by form: every command string MicroSIP users and
// integrators write (docs/commands.md) sent to a running phone both as `wisp ARGS` on the
// command line and as a JSON request on the control socket, with its effect checked on a
// second Wisp phone (call answered or ended, DTMF heard) or its refusal checked by code.
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "control/executor.h"
#include "ipc/control_client.h"
#include "util/atomic_file.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;
using Argv = std::vector<std::string>;

enum class Channel { CommandLine, Socket };

std::string channelName(Channel channel) {
  return channel == Channel::CommandLine ? "command line" : "socket";
}

// What a command did, whichever way it was sent.
struct Outcome {
  bool ok = false;
  std::string code;    // socket only: the stable error code
  std::string message; // the reply text, or the error message
  int exitCode = 0;    // command line only
  Json data;           // socket only: result.data
  std::string describe() const {
    return (ok ? "ok: " : "failed (" + code + ", exit " + std::to_string(exitCode) + "): ") +
           message;
  }
};

Outcome send(const WispPhone &phone, Channel channel, const Argv &argv) {
  Outcome outcome;
  if (channel == Channel::CommandLine) {
    CommandResult r = phone.commandArgs(argv);
    outcome.ok = r.ok();
    outcome.exitCode = r.exitCode;
    outcome.message = r.ok() ? r.out : r.err;
    return outcome;
  }
  Result<Json> reply = requestPhone(phone.profileDir() / "control.sock", makeRequest(argv));
  if (!reply) {
    outcome.message = "no reply: " + reply.error().message;
    return outcome;
  }
  const Json *ok = reply->find("ok");
  outcome.ok = ok && ok->isBool() && ok->asBool();
  if (outcome.ok) {
    const Json *result = reply->find("result");
    outcome.message = result ? jsonString(*result, "text") : "";
    if (const Json *data = result ? result->find("data") : nullptr)
      outcome.data = *data;
  } else if (const Json *error = reply->find("error")) {
    outcome.code = jsonString(*error, "code");
    outcome.message = jsonString(*error, "message");
  }
  return outcome;
}

std::string joined(const Argv &argv) {
  std::string text;
  for (const auto &word : argv)
    text += (text.empty() ? "" : " ") + word;
  return text;
}

std::string dump(const WispPhone &p) {
  auto s = p.status();
  return (s.ok() ? s->dump() : s.error().message) + "\n" + p.logText();
}

constexpr Channel kChannels[] = {Channel::CommandLine, Channel::Socket};

// Alice is the phone under test; Bob is the peer. Alice's account 1 has no server: it
// registers nowhere but completes numbers with Bob's address as its domain.
class CommandContract : public ::testing::Test {
protected:
  void startPhones(std::vector<std::string> aliceExtra = {},
                   std::vector<std::string> bobExtra = {}) {
    WispPhone::Options b;
    b.name = "bob";
    b.extraSettings = std::move(bobExtra);
    ASSERT_TRUE(bob.start(b, dir / "bob").ok()) << bob.logText();
    domain = "127.0.0.1:" + std::to_string(bob.sipPort());
    WispPhone::Options a;
    a.name = "alice";
    a.extraSettings = {"[Account1]", "username=alice", "domain=" + domain};
    for (auto &line : aliceExtra)
      a.extraSettings.push_back(line);
    ASSERT_TRUE(alice.start(a, dir / "alice").ok()) << alice.logText();
  }

  // Bob calls Alice; returns once Alice's phone rings.
  void bobCallsAlice() {
    auto r = bob.command("dial", alice.uri("alice"));
    ASSERT_TRUE(r.ok()) << r.describe();
    ASSERT_TRUE(alice.waitForCallState("ringing", 5s)) << dump(alice);
    ASSERT_TRUE(bob.waitForCallState("ringing", 5s)) << dump(bob);
  }

  void establishFromBob() {
    ASSERT_NO_FATAL_FAILURE(bobCallsAlice());
    auto r = alice.command("answer");
    ASSERT_TRUE(r.ok()) << r.describe();
    ASSERT_TRUE(bob.waitForCallState("established", 5s)) << dump(bob);
    ASSERT_TRUE(alice.waitForCallState("established", 5s)) << dump(alice);
  }

  void hangUpEverything() {
    alice.command("hangup", "--all");
    alice.command("hangup-incoming");
    bob.command("hangup", "--all");
    bob.command("hangup-incoming");
    EXPECT_TRUE(alice.waitForNoCalls(5s)) << dump(alice);
    EXPECT_TRUE(bob.waitForNoCalls(5s)) << dump(bob);
  }

  TempDir dir{"contract"};
  WispPhone alice;
  WispPhone bob;
  std::string domain;
};

TEST_F(CommandContract, EveryAnswerFormAnswersTheRingingCall) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  for (Channel channel : kChannels)
    for (const Argv &argv : {Argv{"answer"}, Argv{"/answer"}, Argv{"msip:answer"},
                             Argv{"action:answer"}, Argv{"[Answer]"}, Argv{"/ANSWER"}}) {
      SCOPED_TRACE(joined(argv) + " by " + channelName(channel));
      ASSERT_NO_FATAL_FAILURE(bobCallsAlice());
      Outcome o = send(alice, channel, argv);
      EXPECT_TRUE(o.ok) << o.describe();
      EXPECT_TRUE(bob.waitForCallState("established", 5s)) << dump(bob);
      ASSERT_NO_FATAL_FAILURE(hangUpEverything());
    }
}

TEST_F(CommandContract, EveryHangupFormEndsTheCall) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  size_t ended = 0;
  for (Channel channel : kChannels)
    for (const Argv &argv : {Argv{"hangup"}, Argv{"hangup", "--all"}, Argv{"/hangupall"},
                             Argv{"msip:hangupall"}, Argv{"action:hangup"}, Argv{"[Hangup]"}}) {
      SCOPED_TRACE(joined(argv) + " by " + channelName(channel));
      ASSERT_NO_FATAL_FAILURE(establishFromBob());
      Outcome o = send(alice, channel, argv);
      EXPECT_TRUE(o.ok) << o.describe();
      EXPECT_TRUE(bob.waitForNoCalls(5s)) << dump(bob);
      auto last = bob.waitForEndedCall(++ended);
      ASSERT_TRUE(last) << dump(bob);
      EXPECT_EQ(jsonString(*last, "reason"), "remote hung up");
      ASSERT_NO_FATAL_FAILURE(hangUpEverything());
    }
}

// MicroSIP: /hangupall ends every call except ringing incoming ones; /hangupincoming rejects
// those; /hangupcalling cancels outgoing calls not answered yet.
TEST_F(CommandContract, HangupAllSparesRingingCallsWhichHangupIncomingRejects) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  size_t ended = 0;
  for (Channel channel : kChannels) {
    SCOPED_TRACE(channelName(channel));
    ASSERT_NO_FATAL_FAILURE(bobCallsAlice());
    Outcome all = send(alice, channel, {"/hangupall"});
    EXPECT_TRUE(all.ok) << all.describe();
    ASSERT_EQ(alice.calls().size(), 1u) << dump(alice);
    EXPECT_EQ(jsonString(alice.calls()[0], "state"), "ringing");

    Outcome incoming = send(alice, channel, {"/hangupincoming"});
    EXPECT_TRUE(incoming.ok) << incoming.describe();
    EXPECT_NE(incoming.message.find("1 call rejected"), std::string::npos) << incoming.message;
    EXPECT_TRUE(bob.waitForNoCalls(5s)) << dump(bob);
    auto last = bob.waitForEndedCall(++ended);
    ASSERT_TRUE(last);
    EXPECT_EQ(jsonInt(*last, "sip_code"), 603);
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
  }
}

TEST_F(CommandContract, HangupCallingCancelsOutgoingCallsNotAnswered) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  size_t ended = 0;
  for (Channel channel : kChannels) {
    SCOPED_TRACE(channelName(channel));
    // An established call stays: only unanswered outgoing calls are cancelled.
    ASSERT_NO_FATAL_FAILURE(establishFromBob());
    ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
    ASSERT_TRUE(waitUntil([&] { return bob.calls().size() == 2; }, 5s)) << dump(bob);
    Outcome o = send(alice, channel, {"/hangupcalling"});
    EXPECT_TRUE(o.ok) << o.describe();
    EXPECT_NE(o.message.find("1 call cancelled"), std::string::npos) << o.message;
    auto last = bob.waitForEndedCall(++ended);
    ASSERT_TRUE(last) << dump(bob);
    EXPECT_EQ(jsonString(*last, "reason"), "cancelled by caller");
    ASSERT_EQ(alice.calls().size(), 1u) << dump(alice);
    EXPECT_EQ(jsonString(alice.calls()[0], "state"), "established");
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
    ended = bob.endedCalls().size();
  }
}

TEST_F(CommandContract, EveryDialFormCallsTheSameNumber) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  const std::string expected = "sip:+15551234@" + domain;
  const std::vector<Argv> forms = {
      {"+15551234"},
      {"dial", "+15551234"},
      {"dial", "--account", "1", "+1 (555) 1234"},
      {"tel:+1-555-1234"},
      {"tel://+15551234/"},
      {"callto:+15551234"},
      {"callto://+15551234/"},
      {"dial:%2B15551234"},
      {"dialpad:+1%20555%201234"},
      {"sip:%2B15551234@" + domain},
      {"sip://+15551234@" + domain + "/"},
      {"action:dial?number=%2B15551234"},
      {"[Dial(+15551234)]"},
      {"/account:1", "+15551234"},
  };
  for (Channel channel : kChannels)
    for (const Argv &argv : forms) {
      SCOPED_TRACE(joined(argv) + " by " + channelName(channel));
      Outcome o = send(alice, channel, argv);
      ASSERT_TRUE(o.ok) << o.describe();
      auto calls = alice.calls();
      ASSERT_EQ(calls.size(), 1u) << dump(alice);
      EXPECT_EQ(jsonString(calls[0], "remote"), expected);
      EXPECT_TRUE(bob.waitForCallState("ringing", 5s)) << dump(bob);
      ASSERT_NO_FATAL_FAILURE(hangUpEverything());
    }
}

TEST_F(CommandContract, PostDialAndDtmfFormsReachThePeer) {
  ASSERT_NO_FATAL_FAILURE(startPhones({}, {"autoAnswer=all"}));
  for (Channel channel : kChannels) {
    SCOPED_TRACE(channelName(channel));
    Outcome dial = send(alice, channel, {"1234,1#"});
    ASSERT_TRUE(dial.ok) << dial.describe();
    ASSERT_TRUE(bob.waitForCallState("established", 5s)) << dump(bob);
    auto heard = [&](const std::string &digits) {
      return waitUntil(
          [&] {
            auto c = bob.calls();
            return !c.empty() && jsonString(c[0], "dtmf_received") == digits;
          },
          10s);
    };
    ASSERT_TRUE(heard("1#")) << dump(bob);
    for (const auto &[argv, after] : std::vector<std::pair<Argv, std::string>>{
             {{"/dtmf:23"}, "1#23"}, {{"/DTMF:*a"}, "1#23*A"}, {{"dtmf", "9"}, "1#23*A9"}}) {
      Outcome o = send(alice, channel, argv);
      EXPECT_TRUE(o.ok) << joined(argv) << ": " << o.describe();
      EXPECT_TRUE(heard(after)) << joined(argv) << dump(bob);
    }
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
  }
}

struct Refusal {
  Argv argv;
  std::string code;
  std::string fragment; // in the message
  int exitCode;         // of `wisp ARGS`: 1 refused by the phone, 2 refused by the parser
};

// Commands whose feature comes later are refused, never accepted and ignored; bad words
// get an error that helps.
TEST_F(CommandContract, RefusalsHaveStableCodesAndHelpfulMessages) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  ASSERT_NO_FATAL_FAILURE(establishFromBob());
  const std::string later = "is not available yet";
  const std::string noWindow = "no window";
  const std::vector<Refusal> refusals = {
      {{"msip:hold"}, "not_available", "call hold " + later, 1},
      {{"hold"}, "not_available", later, 1},
      {{"/transfer:1234"}, "not_available", "call transfer " + later, 1},
      {{"msip:transfer_1234"}, "not_available", "call transfer " + later, 1},
      {{"msip:micmute"}, "not_available", "muting " + later, 1},
      {{"msip:micunmute"}, "not_available", later, 1},
      {{"msip:micmuteclick"}, "not_available", later, 1},
      {{"msip:speakmute"}, "not_available", later, 1},
      {{"msip:speakunmute"}, "not_available", later, 1},
      {{"msip:speakmuteclick"}, "not_available", later, 1},
      {{"msip:micup"}, "not_available", "volume control " + later, 1},
      {{"msip:micdown"}, "not_available", later, 1},
      {{"msip:speakup"}, "not_available", later, 1},
      {{"msip:speakdown"}, "not_available", later, 1},
      {{"volume", "80"}, "not_available", "volume control " + later, 1},
      {{"mute"}, "not_available", later, 1},
      {{"unmute"}, "not_available", later, 1},
      {{"hide"}, "not_available", noWindow, 1},
      {{"show"}, "not_available", noWindow, 1},
      {{"/minimized"}, "not_available", noWindow, 1},
      {{"msip:minimize"}, "not_available", noWindow, 1},
      {{"1234", "hello", "there"}, "not_available", "text messages (SIP MESSAGE) " + later, 1},
      {{"frobnicate"}, "unknown_command", "wisp dial frobnicate", 2},
      {{"hangpu"}, "unknown_command", "did you mean \"hangup\"?", 2},
      {{"/hangupal"}, "unknown_command", "did you mean \"/hangupall\"?", 2},
      {{"msip:answr"}, "unknown_command", "did you mean \"msip:answer\"?", 2},
      {{"action:answr"}, "unknown_command", "action:answer", 2},
      {{"/dtmf:12x"}, "bad_argument", "'x'", 2},
      {{"/account:7"}, "no_such_account", "there is no account \"7\"", 1},
      {{"volume", "101"}, "bad_argument", "0 to 100", 2},
  };
  for (Channel channel : kChannels)
    for (const Refusal &refusal : refusals) {
      SCOPED_TRACE(joined(refusal.argv) + " by " + channelName(channel));
      Outcome o = send(alice, channel, refusal.argv);
      EXPECT_FALSE(o.ok) << o.describe();
      if (channel == Channel::Socket)
        EXPECT_EQ(o.code, refusal.code) << o.describe();
      else
        EXPECT_EQ(o.exitCode, refusal.exitCode) << o.describe();
      EXPECT_NE(o.message.find(refusal.fragment), std::string::npos) << o.describe();
    }
  // Nothing happened to the call, and nothing was dialled.
  auto calls = alice.calls();
  ASSERT_EQ(calls.size(), 1u) << dump(alice);
  EXPECT_EQ(jsonString(calls[0], "state"), "established");
  EXPECT_EQ(jsonString(calls[0], "media"), "sendrecv");
}

TEST_F(CommandContract, AccountSelectsTheAccountForCalls) {
  ASSERT_NO_FATAL_FAILURE(startPhones(
      {"[Account2]", "username=carol", "label=home", "domain=127.0.0.1:" + std::string("1")}));
  auto defaultAccount = [&] {
    auto s = alice.status();
    int64_t id = -1;
    if (s.ok())
      for (const Json &a : s->find("accounts")->asArray())
        if (a.find("default")->asBool())
          id = jsonInt(a, "id").value_or(-1);
    return id;
  };
  EXPECT_EQ(defaultAccount(), 1);
  for (Channel channel : kChannels) {
    SCOPED_TRACE(channelName(channel));
    Outcome o = send(alice, channel, {"/account:home"});
    ASSERT_TRUE(o.ok) << o.describe();
    EXPECT_EQ(defaultAccount(), 2);
    o = send(alice, channel, {"account", "1"});
    ASSERT_TRUE(o.ok) << o.describe();
    EXPECT_EQ(defaultAccount(), 1);
    o = send(alice, channel, {"account", "local"});
    ASSERT_TRUE(o.ok) << o.describe();
    EXPECT_EQ(defaultAccount(), 0);
    // /account:N NUMBER dials with that account (and makes no other change).
    o = send(alice, channel, {"/account:1", "77"});
    ASSERT_TRUE(o.ok) << o.describe();
    auto calls = alice.calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(jsonString(calls[0], "remote"), "sip:77@" + domain);
    EXPECT_EQ(jsonInt(calls[0], "account"), 1);
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
    // With the local account as default, a number has no domain to go to.
    o = send(alice, channel, {"77"});
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.message.find("needs an account with a domain"), std::string::npos) << o.describe();
    ASSERT_TRUE(send(alice, channel, {"account", "1"}).ok);
  }
}

TEST_F(CommandContract, PasswordIsSavedInTheIniKeepingTheUsersLines) {
  ASSERT_NO_FATAL_FAILURE(startPhones({"; the office PBX", "password=old"}));
  const auto ini = alice.profileDir() / "wisp.ini";
  for (Channel channel : kChannels) {
    SCOPED_TRACE(channelName(channel));
    const std::string secret = channel == Channel::Socket ? "s3cret with spaces" : "n3w";
    Argv argv = channel == Channel::Socket ? Argv{"password", secret} : Argv{"/password:" + secret};
    auto before = readFile(ini);
    ASSERT_TRUE(before.ok());
    Outcome o = send(alice, channel, argv);
    ASSERT_TRUE(o.ok) << o.describe() << alice.logText();
    EXPECT_EQ(o.message.find(secret), std::string::npos) << "the reply shows the secret";
    auto after = readFile(ini);
    ASSERT_TRUE(after.ok());
    // Only the password line changed.
    const auto oldLine = before->substr(before->find("password="));
    std::string expected = *before;
    expected.replace(expected.find("password="), oldLine.find('\n'), "password=" + secret);
    EXPECT_EQ(*after, expected);
    EXPECT_NE(after->find("; the office PBX\n"), std::string::npos);
    EXPECT_EQ(alice.logText().find(secret), std::string::npos) << "the log shows the secret";
  }
  // The phone still works with the file it wrote, and the secret never shows in status.
  auto status = alice.command("status", "--json");
  EXPECT_TRUE(status.ok()) << status.describe();
  EXPECT_EQ(status.out.find("s3cret"), std::string::npos);
  // The local account has no password to set.
  ASSERT_TRUE(alice.command("account", "0").ok());
  Outcome refused = send(alice, Channel::Socket, {"/password:x"});
  EXPECT_EQ(refused.code, "no_account") << refused.describe();
}

TEST_F(CommandContract, StatusJsonPrintsTheSnapshotWithItsApiVersion) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  auto cli = alice.command("status", "--json");
  ASSERT_TRUE(cli.ok()) << cli.describe();
  auto printed = Json::parse(cli.out);
  ASSERT_TRUE(printed.ok()) << cli.out;
  Outcome socket = send(alice, Channel::Socket, {"status", "--json"});
  ASSERT_TRUE(socket.ok) << socket.describe();
  for (const Json *snapshot : {&printed.value(), &socket.data}) {
    EXPECT_EQ(jsonInt(*snapshot, "api_version"), 0);
    for (const char *key :
         {"version", "pid", "listen", "accounts", "calls", "ended_calls", "audio"})
      EXPECT_TRUE(snapshot->find(key)) << key << " missing in " << snapshot->dump();
  }
}

TEST_F(CommandContract, ExitFormsStopThePhone) {
  ASSERT_NO_FATAL_FAILURE(startPhones());
  for (const auto &[phone, channel, argv] :
       {std::tuple{&alice, Channel::CommandLine, Argv{"/exit"}},
        std::tuple{&bob, Channel::Socket, Argv{"exit"}}}) {
    Outcome o = send(*phone, channel, argv);
    EXPECT_TRUE(o.ok) << o.describe();
    EXPECT_TRUE(waitUntil([&] { return !phone->running(); }, 10s)) << phone->logText();
  }
}

} // namespace
} // namespace wisp::test
