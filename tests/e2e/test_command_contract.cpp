// The command language's contract, form by form: every command string MicroSIP users and
// integrators write (docs/commands.md) sent to a running phone over each of its four channels
// (`wisp ARGS` on the command line, a JSON request on the control socket, D-Bus Command(),
// HTTP POST /api/v1/command), with the same expectations everywhere: its effect checked on a
// second Wisp phone (call answered or ended, DTMF heard) or its refusal checked by code.
//
// What legitimately differs between channels is checked on top, for every command sent (see
// expectChannelConventions): the command line has exit codes but prints no error code and no
// result data; HTTP maps each error code to a status; D-Bus names errors after the code.
#include "support/command_channel.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "util/atomic_file.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;
using Argv = std::vector<std::string>;

std::string joined(const Argv &argv) {
  std::string text;
  for (const auto &word : argv)
    text += (text.empty() ? "" : " ") + word;
  return text;
}

// The id of the phone's latest ended call (0 if none). The list of ended calls is capped, so
// a new one is told by its id, not by the count.
int64_t latestEndedId(const WispPhone &phone) {
  auto ended = phone.endedCalls();
  return ended.empty() ? 0 : jsonInt(ended.front(), "id").value_or(0);
}

// The latest ended call, once it is a newer one than `previousId`.
std::optional<Json> waitForEndedAfter(const WispPhone &phone, int64_t previousId) {
  std::optional<Json> found;
  waitUntil(
      [&] {
        auto ended = phone.endedCalls();
        if (ended.empty() || jsonInt(ended.front(), "id").value_or(0) <= previousId)
          return false;
        found = ended.front();
        return true;
      },
      5s);
  return found;
}

// The HTTP status of each error code, as docs/api.md lists it (written out here, not taken
// from the phone's code, so that the test notices when the two part).
int documentedHttpStatus(const std::string &code) {
  static const std::map<std::string, int> statuses = {
      {"bad_json", 400},      {"bad_request", 400},      {"unknown_command", 400},
      {"bad_argument", 400},  {"missing_argument", 400}, {"too_many_arguments", 400},
      {"not_found", 404},     {"no_such_call", 404},     {"no_such_account", 404},
      {"not_available", 501},
  };
  auto it = statuses.find(code);
  return it == statuses.end() ? 409 : it->second;
}

// Exit codes of `wisp ARGS` (docs/commands.md): 0 done, 1 refused by the phone, 2 refused by
// the parser (a typo is caught before the phone is asked).
bool isParserError(const std::string &code) {
  return code == "unknown_command" || code == "bad_argument" || code == "missing_argument" ||
         code == "too_many_arguments";
}

// Alice is the phone under test, reached over the channel of the test's parameter; Bob is the
// peer. Alice's account 1 has no server: it registers nowhere but completes numbers with
// Bob's address as its domain; account 2 ("home") is there to be selected.
//
// One pair of phones per channel serves every test of the suite (a test starts from no calls
// and account 1 as the default), and is started again if one of them died. Only the exit test
// starts phones of its own. Under ctest every test runs in a process of its own, so there
// the pair lives for one test; run directly, the binary reuses it.
class CommandContract : public ::testing::TestWithParam<Channel> {
protected:
  struct PhonePair {
    TempDir dir{"contract"};
    WispPhone alice;
    WispPhone bob;
    std::string domain;
  };

  static void SetUpTestSuite() { suiteDir_ = std::make_unique<TempDir>("contract-suite"); }
  static void TearDownTestSuite() {
    pairs_.clear(); // before the bus goes
    channels_.clear();
    suiteDir_.reset();
  }

  CommandChannel &channel() {
    auto &c = channels_[GetParam()];
    if (!c) {
      c = std::make_unique<CommandChannel>(GetParam());
      const auto where = suiteDir_->path() / c->name();
      std::filesystem::create_directories(where);
      Status s = c->prepare(where);
      EXPECT_TRUE(s.ok()) << s.error().message;
    }
    return *c;
  }

  // The channel's pair, started if need be, with no calls and account 1 as the default.
  void usePhones() {
    auto &p = pairs_[GetParam()];
    if (!p || !p->alice.running() || !p->bob.running()) {
      p.reset(); // stops what is left of the old pair first
      p = std::make_unique<PhonePair>();
      WispPhone::Options b;
      b.name = "bob";
      CommandChannel::keepOff(b);
      ASSERT_TRUE(p->bob.start(b, p->dir / "bob").ok()) << p->bob.logText();
      p->domain = "127.0.0.1:" + std::to_string(p->bob.sipPort());
      WispPhone::Options a;
      a.name = "alice";
      a.extraSettings = {"[Account1]",       "username=alice", "domain=" + p->domain,
                         "; the office PBX", "password=old",   "[Account2]",
                         "username=carol",   "label=home",     "domain=127.0.0.1:1"};
      channel().configure(a);
      ASSERT_TRUE(p->alice.start(a, p->dir / "alice").ok()) << p->alice.logText();
    }
    pair_ = p.get();
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
    ASSERT_TRUE(alice().command("account", "1").ok()) << dump(alice());
  }

  // For a test that needs the bus name itself: the shared pair goes.
  void releasePhones() {
    pair_ = nullptr;
    pairs_.erase(GetParam());
  }

  WispPhone &alice() { return pair_->alice; }
  WispPhone &bob() { return pair_->bob; }
  const std::string &domain() { return pair_->domain; }

  // The command to Alice over the channel under test, with the channel's own conventions
  // checked on the way.
  Outcome send(const Argv &argv) { return send(alice(), argv); }
  Outcome send(const WispPhone &phone, const Argv &argv) {
    Outcome o = channel().send(phone, argv);
    expectChannelConventions(argv, o);
    return o;
  }

  void expectChannelConventions(const Argv &argv, const Outcome &o) {
    SCOPED_TRACE(joined(argv) + " by " + channel().name() + ": " + o.describe());
    // No text ends with a newline of its own (the command line's printed one is gone already).
    EXPECT_TRUE(o.message.empty() || o.message.back() != '\n');
    switch (GetParam()) {
    case Channel::CommandLine: // exit codes only; no error code, no result data
      ASSERT_TRUE(o.exitCode.has_value());
      if (o.ok)
        EXPECT_EQ(*o.exitCode, 0);
      else
        EXPECT_TRUE(*o.exitCode == 1 || *o.exitCode == 2);
      EXPECT_TRUE(o.code.empty());
      break;
    case Channel::Socket:
      EXPECT_TRUE(o.ok || !o.code.empty());
      break;
    case Channel::DBus: // errors named after the code: org.wisp.Error.NoCall
      if (!o.ok) {
        EXPECT_EQ(o.dbusErrorName.rfind("org.wisp.Error.", 0), 0u);
      }
      EXPECT_TRUE(o.ok || !o.code.empty());
      break;
    case Channel::Http: // a status for each code
      ASSERT_TRUE(o.httpStatus.has_value());
      EXPECT_EQ(*o.httpStatus, o.ok ? 200 : documentedHttpStatus(o.code));
      EXPECT_TRUE(o.ok || !o.code.empty());
      break;
    }
  }

  // The error code, where the channel tells it; on the command line, the exit code that goes
  // with it.
  void expectRefusal(const Outcome &o, const std::string &code) {
    EXPECT_FALSE(o.ok) << o.describe();
    if (GetParam() == Channel::CommandLine)
      EXPECT_EQ(o.exitCode, isParserError(code) ? 2 : 1) << o.describe();
    else
      EXPECT_EQ(o.code, code) << o.describe();
  }

  std::string where(const Argv &argv) { return joined(argv) + " by " + channel().name(); }

  // Bob calls Alice; returns once Alice's phone rings.
  void bobCallsAlice() {
    auto r = bob().command("dial", alice().uri("alice"));
    ASSERT_TRUE(r.ok()) << r.describe();
    ASSERT_TRUE(alice().waitForCallState("ringing", 5s)) << dump(alice());
    ASSERT_TRUE(bob().waitForCallState("ringing", 5s)) << dump(bob());
  }

  void establishFromBob() {
    ASSERT_NO_FATAL_FAILURE(bobCallsAlice());
    auto r = alice().command("answer");
    ASSERT_TRUE(r.ok()) << r.describe();
    ASSERT_TRUE(bob().waitForCallState("established", 5s)) << dump(bob());
    ASSERT_TRUE(alice().waitForCallState("established", 5s)) << dump(alice());
  }

  void hangUpEverything() {
    alice().command("hangup", "--all");
    alice().command("hangup-incoming");
    bob().command("hangup", "--all");
    bob().command("hangup-incoming");
    EXPECT_TRUE(alice().waitForNoCalls(5s)) << dump(alice());
    EXPECT_TRUE(bob().waitForNoCalls(5s)) << dump(bob());
  }

  static inline std::unique_ptr<TempDir> suiteDir_;
  static inline std::map<Channel, std::unique_ptr<CommandChannel>> channels_;
  static inline std::map<Channel, std::unique_ptr<PhonePair>> pairs_;
  PhonePair *pair_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Channels, CommandContract, ::testing::ValuesIn(kAllChannels),
                         [](const ::testing::TestParamInfo<Channel> &info) {
                           return channelName(info.param);
                         });

TEST_P(CommandContract, EveryAnswerFormAnswersTheRingingCall) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  for (const Argv &argv : {Argv{"answer"}, Argv{"/answer"}, Argv{"msip:answer"},
                           Argv{"action:answer"}, Argv{"[Answer]"}, Argv{"/ANSWER"}}) {
    SCOPED_TRACE(where(argv));
    ASSERT_NO_FATAL_FAILURE(bobCallsAlice());
    Outcome o = send(argv);
    EXPECT_TRUE(o.ok) << o.describe();
    EXPECT_TRUE(bob().waitForCallState("established", 5s)) << dump(bob());
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
  }
}

TEST_P(CommandContract, EveryHangupFormEndsTheCall) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  for (const Argv &argv : {Argv{"hangup"}, Argv{"hangup", "--all"}, Argv{"/hangupall"},
                           Argv{"msip:hangupall"}, Argv{"action:hangup"}, Argv{"[Hangup]"}}) {
    SCOPED_TRACE(where(argv));
    ASSERT_NO_FATAL_FAILURE(establishFromBob());
    const int64_t ended = latestEndedId(bob());
    Outcome o = send(argv);
    EXPECT_TRUE(o.ok) << o.describe();
    EXPECT_TRUE(bob().waitForNoCalls(5s)) << dump(bob());
    auto last = waitForEndedAfter(bob(), ended);
    ASSERT_TRUE(last) << dump(bob());
    EXPECT_EQ(jsonString(*last, "reason"), "remote hung up");
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
  }
}

// MicroSIP: /hangupall ends every call except ringing incoming ones; /hangupincoming rejects
// those; /hangupcalling cancels outgoing calls not answered yet.
TEST_P(CommandContract, HangupAllSparesRingingCallsWhichHangupIncomingRejects) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  const int64_t ended = latestEndedId(bob());
  ASSERT_NO_FATAL_FAILURE(bobCallsAlice());
  Outcome all = send({"/hangupall"});
  EXPECT_TRUE(all.ok) << all.describe();
  ASSERT_EQ(alice().calls().size(), 1u) << dump(alice());
  EXPECT_EQ(jsonString(alice().calls()[0], "state"), "ringing");

  Outcome incoming = send({"/hangupincoming"});
  EXPECT_TRUE(incoming.ok) << incoming.describe();
  EXPECT_NE(incoming.message.find("1 call rejected"), std::string::npos) << incoming.message;
  EXPECT_TRUE(bob().waitForNoCalls(5s)) << dump(bob());
  auto last = waitForEndedAfter(bob(), ended);
  ASSERT_TRUE(last);
  EXPECT_EQ(jsonInt(*last, "sip_code"), 603);
  ASSERT_NO_FATAL_FAILURE(hangUpEverything());
}

TEST_P(CommandContract, HangupCallingCancelsOutgoingCallsNotAnswered) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  const int64_t ended = latestEndedId(bob());
  // An established call stays: only unanswered outgoing calls are cancelled.
  ASSERT_NO_FATAL_FAILURE(establishFromBob());
  ASSERT_TRUE(alice().command("dial", bob().uri("bob")).ok());
  ASSERT_TRUE(waitUntil([&] { return bob().calls().size() == 2; }, 5s)) << dump(bob());
  Outcome o = send({"/hangupcalling"});
  EXPECT_TRUE(o.ok) << o.describe();
  EXPECT_NE(o.message.find("1 call cancelled"), std::string::npos) << o.message;
  auto last = waitForEndedAfter(bob(), ended);
  ASSERT_TRUE(last) << dump(bob());
  EXPECT_EQ(jsonString(*last, "reason"), "cancelled by caller");
  ASSERT_EQ(alice().calls().size(), 1u) << dump(alice());
  EXPECT_EQ(jsonString(alice().calls()[0], "state"), "established");
  ASSERT_NO_FATAL_FAILURE(hangUpEverything());
}

TEST_P(CommandContract, EveryDialFormCallsTheSameNumber) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  const std::string expected = "sip:+15551234@" + domain();
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
      {"sip:%2B15551234@" + domain()},
      {"sip://+15551234@" + domain() + "/"},
      {"action:dial?number=%2B15551234"},
      {"[Dial(+15551234)]"},
      {"/account:1", "+15551234"},
  };
  for (const Argv &argv : forms) {
    SCOPED_TRACE(where(argv));
    Outcome o = send(argv);
    ASSERT_TRUE(o.ok) << o.describe();
    auto calls = alice().calls();
    ASSERT_EQ(calls.size(), 1u) << dump(alice());
    EXPECT_EQ(jsonString(calls[0], "remote"), expected);
    EXPECT_TRUE(bob().waitForCallState("ringing", 5s)) << dump(bob());
    ASSERT_NO_FATAL_FAILURE(hangUpEverything());
  }
}

TEST_P(CommandContract, PostDialAndDtmfFormsReachThePeer) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  Outcome dial = send({"1234,1#"});
  ASSERT_TRUE(dial.ok) << dial.describe();
  ASSERT_TRUE(bob().waitForCallState("ringing", 5s)) << dump(bob());
  ASSERT_TRUE(bob().command("answer").ok()) << dump(bob());
  ASSERT_TRUE(bob().waitForCallState("established", 5s)) << dump(bob());
  auto heard = [&](const std::string &digits) {
    return waitUntil(
        [&] {
          auto c = bob().calls();
          return !c.empty() && jsonString(c[0], "dtmf_received") == digits;
        },
        10s);
  };
  ASSERT_TRUE(heard("1#")) << dump(bob());
  for (const auto &[argv, after] : std::vector<std::pair<Argv, std::string>>{
           {{"/dtmf:23"}, "1#23"}, {{"/DTMF:*a"}, "1#23*A"}, {{"dtmf", "9"}, "1#23*A9"}}) {
    Outcome o = send(argv);
    EXPECT_TRUE(o.ok) << joined(argv) << ": " << o.describe();
    EXPECT_TRUE(heard(after)) << joined(argv) << dump(bob());
  }
  ASSERT_NO_FATAL_FAILURE(hangUpEverything());
}

struct Refusal {
  Argv argv;
  std::string code;
  std::string fragment; // in the message
};

// Commands whose feature comes later are refused, never accepted and ignored; bad words
// get an error that helps.
TEST_P(CommandContract, RefusalsHaveStableCodesAndHelpfulMessages) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  ASSERT_NO_FATAL_FAILURE(establishFromBob());
  const std::string later = "is not available yet";
  const std::string noWindow = "no window";
  const std::vector<Refusal> refusals = {
      {{"msip:hold"}, "not_available", "call hold " + later},
      {{"hold"}, "not_available", later},
      {{"/transfer:1234"}, "not_available", "call transfer " + later},
      {{"msip:transfer_1234"}, "not_available", "call transfer " + later},
      {{"msip:micmute"}, "not_available", "muting " + later},
      {{"msip:micunmute"}, "not_available", later},
      {{"msip:micmuteclick"}, "not_available", later},
      {{"msip:speakmute"}, "not_available", later},
      {{"msip:speakunmute"}, "not_available", later},
      {{"msip:speakmuteclick"}, "not_available", later},
      {{"msip:micup"}, "not_available", "volume control " + later},
      {{"msip:micdown"}, "not_available", later},
      {{"msip:speakup"}, "not_available", later},
      {{"msip:speakdown"}, "not_available", later},
      {{"volume", "80"}, "not_available", "volume control " + later},
      {{"mute"}, "not_available", later},
      {{"unmute"}, "not_available", later},
      {{"hide"}, "not_available", noWindow},
      {{"show"}, "not_available", noWindow},
      {{"/minimized"}, "not_available", noWindow},
      {{"msip:minimize"}, "not_available", noWindow},
      {{"1234", "hello", "there"}, "not_available", "text messages (SIP MESSAGE) " + later},
      {{"frobnicate"}, "unknown_command", "wisp dial frobnicate"},
      {{"hangpu"}, "unknown_command", "did you mean \"hangup\"?"},
      {{"/hangupal"}, "unknown_command", "did you mean \"/hangupall\"?"},
      {{"msip:answr"}, "unknown_command", "did you mean \"msip:answer\"?"},
      {{"action:answr"}, "unknown_command", "action:answer"},
      {{"/dtmf:12x"}, "bad_argument", "'x'"},
      {{"/account:7"}, "no_such_account", "there is no account \"7\""},
      {{"volume", "101"}, "bad_argument", "0 to 100"},
      {{"hangup", "77"}, "no_such_call", "77"},
      {{"dial"}, "missing_argument", "dial"},
  };
  for (const Refusal &refusal : refusals) {
    SCOPED_TRACE(where(refusal.argv));
    Outcome o = send(refusal.argv);
    expectRefusal(o, refusal.code);
    EXPECT_NE(o.message.find(refusal.fragment), std::string::npos) << o.describe();
  }
  // Nothing happened to the call, and nothing was dialled.
  auto calls = alice().calls();
  ASSERT_EQ(calls.size(), 1u) << dump(alice());
  EXPECT_EQ(jsonString(calls[0], "state"), "established");
  EXPECT_EQ(jsonString(calls[0], "media"), "sendrecv");
}

// The same refusal reads the same on every channel: one message, whichever way it was sent.
TEST_P(CommandContract, ErrorMessagesAreTheSocketsWordForWord) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  for (const Argv &argv : {Argv{"answer"}, Argv{"hangpu"}, Argv{"/account:7"}, Argv{"hold"},
                           Argv{"/dtmf:12x"}, Argv{"dtmf", "1"}}) {
    SCOPED_TRACE(where(argv));
    Outcome here = send(argv);
    Outcome socket = CommandChannel(Channel::Socket).send(alice(), argv);
    ASSERT_FALSE(socket.ok) << socket.describe();
    EXPECT_FALSE(here.ok) << here.describe();
    EXPECT_EQ(here.message, socket.message);
    if (GetParam() != Channel::CommandLine) {
      EXPECT_EQ(here.code, socket.code);
    }
  }
}

// Replies that need no call read the same too. The command line answers `help` itself
// (without asking the phone), so this also holds its text to the phone's.
TEST_P(CommandContract, RepliesAreTheSocketsWordForWord) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  for (const Argv &argv :
       {Argv{"help"}, Argv{"help", "dial"}, Argv{"help", "hold"}, Argv{"status"},
        Argv{"hangup", "--all"}, Argv{"/hangupcalling"}, Argv{"account", "1"}, Argv{"reload"}}) {
    SCOPED_TRACE(where(argv));
    Outcome here = send(argv);
    Outcome socket = CommandChannel(Channel::Socket).send(alice(), argv);
    ASSERT_TRUE(socket.ok) << socket.describe();
    EXPECT_TRUE(here.ok) << here.describe();
    EXPECT_EQ(here.message, socket.message);
    if (GetParam() != Channel::CommandLine) {
      EXPECT_EQ(here.data.dump(), socket.data.dump());
    }
  }
}

// No command at all. (`wisp` with no words at all starts a phone instead, so the command line
// gets an empty word; the other channels get both.)
TEST_P(CommandContract, AnEmptyCommandIsAMissingArgument) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  std::vector<Argv> forms = {{""}};
  if (GetParam() != Channel::CommandLine)
    forms.push_back({});
  for (const Argv &argv : forms) {
    SCOPED_TRACE(where(argv) + " (" + std::to_string(argv.size()) + " words)");
    Outcome o = send(argv);
    expectRefusal(o, "missing_argument");
    EXPECT_EQ(o.message, "no command given; try: wisp help");
  }
}

TEST_P(CommandContract, AccountSelectsTheAccountForCalls) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  auto defaultAccount = [&] {
    auto s = alice().status();
    int64_t id = -1;
    if (s.ok())
      for (const Json &a : s->find("accounts")->asArray())
        if (a.find("default")->asBool())
          id = jsonInt(a, "id").value_or(-1);
    return id;
  };
  EXPECT_EQ(defaultAccount(), 1);
  Outcome o = send({"/account:home"});
  ASSERT_TRUE(o.ok) << o.describe();
  EXPECT_EQ(defaultAccount(), 2);
  o = send({"account", "1"});
  ASSERT_TRUE(o.ok) << o.describe();
  EXPECT_EQ(defaultAccount(), 1);
  o = send({"account", "local"});
  ASSERT_TRUE(o.ok) << o.describe();
  EXPECT_EQ(defaultAccount(), 0);
  // /account:N NUMBER dials with that account (and makes no other change).
  o = send({"/account:1", "77"});
  ASSERT_TRUE(o.ok) << o.describe();
  auto calls = alice().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(jsonString(calls[0], "remote"), "sip:77@" + domain());
  EXPECT_EQ(jsonInt(calls[0], "account"), 1);
  EXPECT_EQ(defaultAccount(), 0);
  ASSERT_NO_FATAL_FAILURE(hangUpEverything());
  // With the local account as default, a number has no domain to go to.
  o = send({"77"});
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.message.find("needs an account with a domain"), std::string::npos) << o.describe();
}

// Both spellings, one with a secret that needs quoting on the way (D-Bus takes one line).
TEST_P(CommandContract, PasswordIsSavedInTheIniKeepingTheUsersLines) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  const auto ini = alice().profileDir() / "wisp.ini";
  for (const auto &[argv, secret] : std::vector<std::pair<Argv, std::string>>{
           {{"/password:n3w"}, "n3w"},
           {{"password", "s3cret with 'spaces'"}, "s3cret with 'spaces'"}}) {
    SCOPED_TRACE(where(argv));
    auto before = readFile(ini);
    ASSERT_TRUE(before.ok());
    Outcome o = send(argv);
    ASSERT_TRUE(o.ok) << o.describe() << alice().logText();
    EXPECT_EQ(o.message.find(secret), std::string::npos) << "the reply shows the secret";
    auto after = readFile(ini);
    ASSERT_TRUE(after.ok());
    // Only the password line changed.
    const auto oldLine = before->substr(before->find("password="));
    std::string expected = *before;
    expected.replace(expected.find("password="), oldLine.find('\n'), "password=" + secret);
    EXPECT_EQ(*after, expected);
    EXPECT_NE(after->find("; the office PBX\n"), std::string::npos);
    EXPECT_EQ(alice().logText().find(secret), std::string::npos) << "the log shows the secret";
  }
  // The phone still works with the file it wrote, and the secret never shows in status.
  auto status = alice().command("status", "--json");
  EXPECT_TRUE(status.ok()) << status.describe();
  EXPECT_EQ(status.out.find("s3cret"), std::string::npos);
  // The local account has no password to set.
  ASSERT_TRUE(alice().command("account", "0").ok());
  Outcome refused = send({"/password:x"});
  expectRefusal(refused, "no_account");
}

TEST_P(CommandContract, StatusJsonGivesTheSnapshotWithItsApiVersion) {
  ASSERT_NO_FATAL_FAILURE(usePhones());
  Outcome o = send({"status", "--json"});
  ASSERT_TRUE(o.ok) << o.describe();
  // The command line prints the snapshot as the text; the others also give it as data.
  Json snapshot = o.data;
  if (GetParam() == Channel::CommandLine) {
    auto printed = Json::parse(o.message);
    ASSERT_TRUE(printed.ok()) << o.message;
    snapshot = *printed;
  }
  EXPECT_EQ(jsonInt(snapshot, "api_version"), 0);
  for (const char *key : {"version", "pid", "listen", "accounts", "calls", "ended_calls", "audio"})
    EXPECT_TRUE(snapshot.find(key)) << key << " missing in " << snapshot.dump();
  EXPECT_EQ(jsonInt(snapshot, "pid"), alice().process().pid());
}

// Phones of its own: the shared pair goes first (on D-Bus, the name goes with it).
TEST_P(CommandContract, ExitFormsStopThePhone) {
  releasePhones();
  TempDir dir("contract-exit");
  int n = 0;
  for (const Argv &argv : {Argv{"exit"}, Argv{"/exit"}}) {
    SCOPED_TRACE(where(argv));
    WispPhone phone;
    WispPhone::Options options;
    options.name = "leaving";
    channel().configure(options);
    ASSERT_TRUE(phone.start(options, dir / ("phone" + std::to_string(++n))).ok())
        << phone.logText();
    Outcome o = send(phone, argv);
    EXPECT_TRUE(o.ok) << o.describe();
    EXPECT_TRUE(waitUntil([&] { return !phone.running(); }, 10s)) << phone.logText();
    EXPECT_EQ(phone.process().exitStatus(), 0) << phone.logText();
  }
}

} // namespace
} // namespace wisp::test
