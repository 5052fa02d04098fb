// Wisp's accounts against a real registrar and proxy (kamailio, see kamailio_server.h): digest
// registration over UDP and TCP, calls between phones through the proxy by user name, a wrong
// password that fails once without a retry storm, several accounts in one phone each getting
// its own calls, un-registering (exit, `unregister`, `reload`), and registering again after
// the registrar restarts (keep-alives notice it) without a leftover of the old registration
// removing the new binding.
#include "support/audio_analysis.h"
#include "support/expect_audio.h"
#include "support/kamailio_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "media/wav_file.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

// One [AccountN] section of wisp.ini for a user of the registrar. An empty label gives none
// (the phone then calls it "AccountN"); `extras` are more key=value lines.
std::vector<std::string> accountSection(int number, const KamailioServer &server,
                                        const std::string &user, const std::string &password,
                                        const std::string &transport = "udp",
                                        const std::string &label = "",
                                        const std::vector<std::string> &extras = {}) {
  std::vector<std::string> lines = {"[Account" + std::to_string(number) + "]",
                                    "server=" + server.address(), "username=" + user,
                                    "password=" + password, "transport=" + transport};
  if (!label.empty())
    lines.push_back("label=" + label);
  lines.insert(lines.end(), extras.begin(), extras.end());
  return lines;
}

// Whether `uri` is the Contact a phone listening on `port` registers for account `number` of
// `user`: sip:USER-N@127.0.0.1:PORT, where USER-N may carry a tag ("-1a2b3c4d", new for each
// registration), and ;transport=tcp exactly when over TCP.
bool isAccountContact(const std::string &uri, const std::string &user, int number, uint16_t port,
                      bool tcp) {
  const std::regex pattern("sip:" + user + "-" + std::to_string(number) +
                           "(-[0-9A-Za-z]+)?@127\\.0\\.0\\.1:" + std::to_string(port) + "(;.*)?");
  return std::regex_match(uri, pattern) && contains(uri, ";transport=tcp") == tcp;
}

// A running kamailio in its own folder of the test's TempDir.
struct Registrar {
  explicit Registrar(const TempDir &dir) {
    Status s = server.start({}, dir / "kam");
    started = s.ok();
    EXPECT_TRUE(started) << (s.ok() ? "" : s.error().message);
  }

  // contacts() without the exception: nullopt if kamailio could not be asked.
  std::optional<std::vector<std::string>> contacts(const std::string &user) const {
    try {
      return server.contacts(user);
    } catch (const std::exception &) {
      return std::nullopt;
    }
  }
  bool registered(const std::string &user) const {
    auto c = contacts(user);
    return c && !c->empty();
  }
  bool notRegistered(const std::string &user) const {
    auto c = contacts(user);
    return c && c->empty();
  }
  // The one contact of `user`, or a failure that says what kamailio holds.
  RegisteredContact onlyContact(const std::string &user) const {
    auto details = server.registrations(user);
    EXPECT_TRUE(details.ok()) << (details.ok() ? "" : details.error().message);
    if (!details.ok())
      return {};
    EXPECT_EQ(details->size(), 1u) << user << "\n" << server.logText();
    return details->empty() ? RegisteredContact{} : details->front();
  }

  KamailioServer server;
  bool started = false;
};

// A phone with its own profile folder and accounts, playing `source` and recording what it
// hears.
struct TestPhone {
  TestPhone(const TempDir &dir, const std::string &name, const std::vector<int16_t> *source,
            std::vector<std::string> settings)
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

std::vector<std::string> concat(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (auto &p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string dump(const WispPhone &p, const Registrar &r) {
  return dump(p) + "\n=== kamailio ===\n" + r.server.logText(16 * 1024);
}

bool waitForRegistration(const WispPhone &p, int id, const std::string &state,
                         std::chrono::milliseconds timeout = 5s) {
  return waitUntil([&] { return registrationOf(p, id) == state; }, timeout, 100ms);
}

// `caller` dials `user` by name (through its default account's registrar), `callee` answers,
// both hear each other for a few seconds, the caller hangs up; the recordings are checked.
void callThroughRegistrar(TestPhone &caller, TestPhone &callee, const std::string &user,
                          const Registrar &registrar) {
  auto dialed = caller.phone.command("dial", user);
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  auto ringing = callee.phone.waitForCallState("ringing", 5s);
  ASSERT_TRUE(ringing) << dump(callee.phone, registrar) << dump(caller.phone);
  EXPECT_EQ(jsonString(*ringing, "direction"), "incoming");
  EXPECT_EQ(jsonInt(*ringing, "account"), 1) << ringing->dump();
  EXPECT_TRUE(caller.phone.waitForCallState("ringing", 5s)) << dump(caller.phone, registrar);
  auto answered = callee.phone.command("answer");
  ASSERT_TRUE(answered.ok()) << answered.describe();
  auto a = caller.phone.waitForCallState("established", 5s);
  auto b = callee.phone.waitForCallState("established", 5s);
  ASSERT_TRUE(a && b) << dump(caller.phone, registrar) << dump(callee.phone);
  EXPECT_EQ(jsonString(*a, "remote"), "sip:" + user + "@" + registrar.server.address());
  EXPECT_EQ(jsonInt(*a, "account"), 1) << a->dump();
  EXPECT_EQ(jsonString(*a, "media"), "sendrecv");
  EXPECT_EQ(jsonString(*b, "media"), "sendrecv");
  std::this_thread::sleep_for(3500ms); // the audio both ways
  ASSERT_TRUE(caller.phone.command("hangup").ok());
  ASSERT_TRUE(callee.phone.waitForNoCalls(5s)) << dump(callee.phone, registrar);
  ASSERT_TRUE(caller.phone.waitForNoCalls(5s)) << dump(caller.phone);
  auto ended = callee.phone.waitForEndedCall();
  ASSERT_TRUE(ended);
  EXPECT_EQ(jsonString(*ended, "reason"), "remote hung up") << ended->dump();
}

// Replaces `from` (which must occur exactly once) by `to` in the phone's wisp.ini.
void editIni(const WispPhone &p, const std::string &from, const std::string &to) {
  const auto path = p.profileDir() / "wisp.ini";
  auto text = readTextFile(path);
  ASSERT_TRUE(text.ok()) << text.error().message;
  const size_t at = text->find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in\n" << *text;
  ASSERT_EQ(text->find(from, at + 1), std::string::npos) << from << " twice in\n" << *text;
  text->replace(at, from.size(), to);
  ASSERT_TRUE(writeTextFile(path, *text).ok());
}

TEST(Registration, RegistersOverUdpAndTcp) {
  TempDir dir("reg");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone p(dir, "p", nullptr,
              concat({accountSection(1, kam.server, "alice", "alicepw", "udp", "Home",
                                     {"registerRefresh=120"}),
                      accountSection(2, kam.server, "bob", "bobpw", "tcp")}));
  ASSERT_TRUE(p.started);
  ASSERT_TRUE(waitForRegistration(p.phone, 1, "registered")) << dump(p.phone, kam);
  ASSERT_TRUE(waitForRegistration(p.phone, 2, "registered")) << dump(p.phone, kam);

  auto local = accountStatus(p.phone, 0);
  ASSERT_TRUE(local);
  EXPECT_EQ(jsonString(*local, "registration"), "off");
  auto home = accountStatus(p.phone, 1);
  ASSERT_TRUE(home);
  EXPECT_EQ(jsonString(*home, "label"), "Home");
  EXPECT_EQ(jsonString(*home, "uri"), "sip:alice@" + kam.server.address());
  EXPECT_EQ(home->find("default")->asBool(), true) << home->dump();
  EXPECT_EQ(jsonString(*home, "reason"), "");
  auto second = accountStatus(p.phone, 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(jsonString(*second, "label"), "Account2");
  EXPECT_EQ(second->find("default")->asBool(), false) << second->dump();

  // alice over UDP, with the account number in the Contact user and the interval asked for.
  const RegisteredContact alice = kam.onlyContact("alice");
  EXPECT_TRUE(isAccountContact(alice.uri, "alice", 1, p.phone.sipPort(), false)) << alice.uri;
  EXPECT_EQ(alice.socket, "udp:" + kam.server.address());
  ASSERT_FALSE(alice.expires.empty());
  EXPECT_LE(std::stoi(alice.expires), 120) << "registerRefresh=120";
  EXPECT_GE(std::stoi(alice.expires), 100) << "registerRefresh=120";
  EXPECT_TRUE(contains(alice.userAgent, "Wisp")) << alice.userAgent;

  // bob over TCP, from the connection the phone opened.
  const RegisteredContact bob = kam.onlyContact("bob");
  EXPECT_TRUE(isAccountContact(bob.uri, "bob", 2, p.phone.sipPort(), true)) << bob.uri;
  EXPECT_EQ(bob.socket, "tcp:" + kam.server.address());
  ASSERT_FALSE(bob.expires.empty());
  EXPECT_LE(std::stoi(bob.expires), 300) << "the default registerRefresh";
  EXPECT_GT(std::stoi(bob.expires), 120);

  // One challenge, one accepted REGISTER each: no duplicates.
  EXPECT_EQ(kam.server.registerCount("alice"), 2) << kam.server.logText();
  EXPECT_EQ(kam.server.acceptedRegisterCount("alice"), 1);
  EXPECT_EQ(kam.server.registerCount("bob"), 2) << kam.server.logText();
  EXPECT_EQ(kam.server.acceptedRegisterCount("bob"), 1);
}

TEST(Registration, TwoPhonesCallEachOtherThroughTheRegistrarByUserName) {
  TempDir dir("regcall");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone alice(dir, "alice", &signalA(),
                  accountSection(1, kam.server, "alice", "alicepw", "udp", "Alice"));
  TestPhone bob(dir, "bob", &signalB(),
                accountSection(1, kam.server, "bob", "bobpw", "tcp", "Bob"));
  ASSERT_TRUE(alice.started && bob.started);
  ASSERT_TRUE(waitForRegistration(alice.phone, 1, "registered")) << dump(alice.phone, kam);
  ASSERT_TRUE(waitForRegistration(bob.phone, 1, "registered")) << dump(bob.phone, kam);

  // alice (UDP) calls bob (TCP): the proxy challenges alice, finds bob's contact and relays.
  auto dialed = alice.phone.command("dial", "bob");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  auto ringing = bob.phone.waitForCallState("ringing", 5s);
  ASSERT_TRUE(ringing) << dump(bob.phone, kam) << dump(alice.phone);
  EXPECT_EQ(jsonInt(*ringing, "account"), 1) << ringing->dump();
  EXPECT_EQ(jsonString(*ringing, "account_label"), "Bob") << ringing->dump();
  EXPECT_TRUE(contains(jsonString(*ringing, "remote"), "sip:alice@127.0.0.1")) << ringing->dump();
  ASSERT_TRUE(alice.phone.waitForCallState("ringing", 5s)) << dump(alice.phone, kam);
  ASSERT_TRUE(bob.phone.command("answer").ok());
  auto a = alice.phone.waitForCallState("established", 5s);
  auto b = bob.phone.waitForCallState("established", 5s);
  ASSERT_TRUE(a && b) << dump(alice.phone, kam) << dump(bob.phone);
  EXPECT_EQ(jsonString(*a, "remote"), "sip:bob@" + kam.server.address());
  EXPECT_EQ(jsonInt(*a, "account"), 1);
  EXPECT_EQ(jsonString(*a, "account_label"), "Alice");
  EXPECT_EQ(jsonString(*a, "media"), "sendrecv");
  EXPECT_EQ(jsonString(*b, "media"), "sendrecv");
  std::this_thread::sleep_for(3500ms); // audio both ways
  // The callee hangs up: its BYE follows the Record-Route back through the proxy.
  ASSERT_TRUE(bob.phone.command("hangup").ok());
  ASSERT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone, kam);
  ASSERT_TRUE(bob.phone.waitForNoCalls(5s)) << dump(bob.phone);
  auto ended = alice.phone.waitForEndedCall();
  ASSERT_TRUE(ended);
  EXPECT_EQ(jsonString(*ended, "reason"), "remote hung up") << ended->dump();
  EXPECT_TRUE(contains(kam.server.logText(), "INVITE")) << "the call did not go through kamailio";

  expectHeard(bob.recording, signalA(), signalB(), "bob");
  expectHeard(alice.recording, signalB(), signalA(), "alice");
}

TEST(Registration, WrongPasswordFailsOnceWithoutARetryStorm) {
  TempDir dir("regpw");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone p(dir, "p", nullptr,
              concat({accountSection(1, kam.server, "alice", "not-alicepw"),
                      accountSection(2, kam.server, "bob", "bobpw")}));
  ASSERT_TRUE(p.started);
  ASSERT_TRUE(waitForRegistration(p.phone, 1, "failed")) << dump(p.phone, kam);
  auto alice = accountStatus(p.phone, 1);
  ASSERT_TRUE(alice);
  EXPECT_EQ(jsonString(*alice, "reason"), "incorrect password (401)") << alice->dump();
  // The other account is not affected.
  EXPECT_TRUE(waitForRegistration(p.phone, 2, "registered")) << dump(p.phone, kam);

  // One REGISTER for the challenge, one with the (wrong) answer, then nothing for 5 s.
  EXPECT_FALSE(waitUntil([&] { return kam.server.registerCount("alice") > 2; }, 5s, 200ms))
      << "retry storm: " << kam.server.registerCount("alice") << " REGISTERs\n"
      << dump(p.phone, kam);
  EXPECT_EQ(kam.server.registerCount("alice"), 2) << kam.server.logText();
  EXPECT_EQ(kam.server.acceptedRegisterCount("alice"), 0);
  EXPECT_TRUE(kam.notRegistered("alice")) << kam.server.logText();
  EXPECT_EQ(registrationOf(p.phone, 1), "failed");
  EXPECT_TRUE(kam.registered("bob"));
}

TEST(Registration, ThreeAccountsInOnePhoneEachGetTheirOwnCalls) {
  TempDir dir("reg3");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone x(dir, "x", nullptr,
              concat({accountSection(1, kam.server, "alice", "alicepw", "udp", "Alice"),
                      accountSection(2, kam.server, "carol", "carolpw", "udp", "Carol"),
                      accountSection(3, kam.server, "dave", "davepw", "tcp", "Dave")}));
  TestPhone y(dir, "y", nullptr, accountSection(1, kam.server, "bob", "bobpw", "udp", "Bob"));
  ASSERT_TRUE(x.started && y.started);
  for (int id : {1, 2, 3})
    ASSERT_TRUE(waitForRegistration(x.phone, id, "registered")) << id << dump(x.phone, kam);
  ASSERT_TRUE(waitForRegistration(y.phone, 1, "registered")) << dump(y.phone, kam);
  const uint16_t xPort = x.phone.sipPort();
  const std::string aliceUri = kam.onlyContact("alice").uri;
  EXPECT_TRUE(isAccountContact(aliceUri, "alice", 1, xPort, false)) << aliceUri;
  const std::string carolUri = kam.onlyContact("carol").uri;
  EXPECT_TRUE(isAccountContact(carolUri, "carol", 2, xPort, false)) << carolUri;
  const std::string daveUri = kam.onlyContact("dave").uri;
  EXPECT_TRUE(isAccountContact(daveUri, "dave", 3, xPort, true)) << daveUri;

  // Calls to each user land on that user's account of the one phone.
  struct Callee {
    std::string user;
    int account;
    std::string label;
  };
  for (const auto &[user, id, label] :
       std::vector<Callee>{{"alice", 1, "Alice"}, {"carol", 2, "Carol"}, {"dave", 3, "Dave"}}) {
    SCOPED_TRACE("call to " + user);
    ASSERT_TRUE(y.phone.command("dial", user).ok());
    auto ringing = x.phone.waitForCallState("ringing", 5s);
    ASSERT_TRUE(ringing) << dump(x.phone, kam) << dump(y.phone);
    EXPECT_EQ(jsonInt(*ringing, "account"), id) << ringing->dump();
    EXPECT_EQ(jsonString(*ringing, "account_label"), label);
    EXPECT_TRUE(contains(jsonString(*ringing, "remote"), "sip:bob@")) << ringing->dump();
    ASSERT_TRUE(x.phone.command("hangup").ok()); // decline
    ASSERT_TRUE(y.phone.waitForNoCalls(5s)) << dump(y.phone, kam);
    ASSERT_TRUE(x.phone.waitForNoCalls(5s)) << dump(x.phone);
    auto ended = y.phone.waitForEndedCall();
    ASSERT_TRUE(ended);
    EXPECT_EQ(jsonInt(*ended, "sip_code"), 603) << ended->dump();
  }

  // Outgoing: the default account (1), then account 2 by number and by label.
  const std::vector<std::pair<std::vector<std::string>, std::string>> dials = {
      {{"dial", "bob"}, "alice"},
      {{"dial", "--account", "2", "bob"}, "carol"},
      {{"dial", "--account", "carol", "bob"}, "carol"},
      {{"dial", "--account", "3", "bob"}, "dave"}};
  for (const auto &[args, caller] : dials) {
    SCOPED_TRACE(args[args.size() - 2] + " " + args.back());
    auto dialed = x.phone.commandArgs(args);
    ASSERT_TRUE(dialed.ok()) << dialed.describe();
    auto ringing = y.phone.waitForCallState("ringing", 5s);
    ASSERT_TRUE(ringing) << dump(y.phone, kam) << dump(x.phone);
    EXPECT_TRUE(contains(jsonString(*ringing, "remote"), "sip:" + caller + "@"))
        << "expected the call from " << caller << ": " << ringing->dump();
    EXPECT_EQ(jsonInt(*ringing, "account"), 1);
    ASSERT_TRUE(x.phone.command("hangup").ok()); // cancel
    ASSERT_TRUE(y.phone.waitForNoCalls(5s)) << dump(y.phone, kam);
    ASSERT_TRUE(x.phone.waitForNoCalls(5s)) << dump(x.phone);
  }
  auto unknown = x.phone.command("dial", "--account", "7", "bob");
  EXPECT_FALSE(unknown.ok()) << unknown.describe();
}

TEST(Registration, UnregisterRegisterReloadAndExit) {
  TempDir dir("regoff");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone p(dir, "p", nullptr,
              concat({accountSection(1, kam.server, "alice", "alicepw"),
                      accountSection(2, kam.server, "carol", "wrong-carolpw", "udp", "Carol"),
                      accountSection(3, kam.server, "bob", "bobpw", "tcp")}));
  ASSERT_TRUE(p.started);
  ASSERT_TRUE(waitForRegistration(p.phone, 1, "registered")) << dump(p.phone, kam);
  ASSERT_TRUE(waitForRegistration(p.phone, 3, "registered")) << dump(p.phone, kam);
  ASSERT_TRUE(waitForRegistration(p.phone, 2, "failed")) << dump(p.phone, kam);

  // unregister 1 takes alice's contact out while the phone runs; register 1 puts it back.
  auto off = p.phone.command("unregister", "1");
  ASSERT_TRUE(off.ok()) << off.describe();
  EXPECT_TRUE(waitUntil([&] { return kam.notRegistered("alice"); }, 5s)) << dump(p.phone, kam);
  EXPECT_EQ(registrationOf(p.phone, 1), "unregistered");
  EXPECT_TRUE(kam.registered("bob")) << "only account 1 un-registers";
  auto on = p.phone.command("register", "1");
  ASSERT_TRUE(on.ok()) << on.describe();
  EXPECT_TRUE(waitForRegistration(p.phone, 1, "registered")) << dump(p.phone, kam);
  EXPECT_TRUE(waitUntil([&] { return kam.registered("alice"); }, 5s)) << dump(p.phone, kam);

  // register 1 while registered: a fresh registration that ends registered, not refused, and
  // not removed again by the end of the one it replaces.
  const RegisteredContact before = kam.onlyContact("alice");
  const int aliceAccepted = kam.server.acceptedRegisterCount("alice");
  auto again = p.phone.command("register", "1");
  ASSERT_TRUE(again.ok()) << again.describe();
  // The new REGISTER, and the removal of the old registration if the phone sends one.
  waitUntil([&] { return kam.server.acceptedRegisterCount("alice") >= aliceAccepted + 2; }, 3s);
  EXPECT_TRUE(waitForRegistration(p.phone, 1, "registered")) << dump(p.phone, kam);
  EXPECT_GT(kam.server.acceptedRegisterCount("alice"), aliceAccepted) << kam.server.logText();
  EXPECT_NE(kam.onlyContact("alice").callId, before.callId) << dump(p.phone, kam);

  // reload after fixing account 2's password: account 2 registers, 1 and 3 are left alone.
  const int aliceBefore = kam.server.registerCount("alice");
  const int bobBefore = kam.server.registerCount("bob");
  editIni(p.phone, "password=wrong-carolpw", "password=carolpw");
  auto reloaded = p.phone.command("reload");
  ASSERT_TRUE(reloaded.ok()) << reloaded.describe();
  EXPECT_TRUE(waitForRegistration(p.phone, 2, "registered")) << dump(p.phone, kam);
  EXPECT_TRUE(waitUntil([&] { return kam.registered("carol"); }, 5s)) << dump(p.phone, kam);
  EXPECT_EQ(kam.server.registerCount("alice"), aliceBefore) << kam.server.logText();
  EXPECT_EQ(kam.server.registerCount("bob"), bobBefore) << kam.server.logText();
  EXPECT_EQ(registrationOf(p.phone, 1), "registered");

  // A registered account whose settings change registers anew, and stays registered: the
  // old registration's removal must not take the new one's contact with it.
  const int carolAccepted = kam.server.acceptedRegisterCount("carol");
  editIni(p.phone, "password=carolpw", "password=carolpw\nregisterRefresh=200");
  reloaded = p.phone.command("reload");
  ASSERT_TRUE(reloaded.ok()) << reloaded.describe();
  // The new REGISTER, and the removal of the old registration if the phone sends one.
  waitUntil([&] { return kam.server.acceptedRegisterCount("carol") >= carolAccepted + 2; }, 3s);
  EXPECT_GT(kam.server.acceptedRegisterCount("carol"), carolAccepted) << kam.server.logText();
  EXPECT_TRUE(waitForRegistration(p.phone, 2, "registered")) << dump(p.phone, kam);
  const RegisteredContact carol = kam.onlyContact("carol");
  ASSERT_FALSE(carol.expires.empty()) << dump(p.phone, kam);
  EXPECT_LE(std::stoi(carol.expires), 200) << "registerRefresh=200";
  EXPECT_EQ(kam.server.registerCount("alice"), aliceBefore) << kam.server.logText();

  // exit un-registers every account before the phone is gone.
  auto exited = p.phone.command("exit");
  ASSERT_TRUE(exited.ok()) << exited.describe();
  const std::optional<int> exitStatus = p.phone.process().waitFor(5s);
  ASSERT_TRUE(exitStatus) << dump(p.phone, kam);
  EXPECT_EQ(*exitStatus, 0) << p.phone.logText();
  for (const char *user : {"alice", "carol", "bob"})
    EXPECT_TRUE(kam.notRegistered(user)) << user << " still registered\n"
                                         << p.phone.logText() << kam.server.logText();
}

TEST(Registration, RegistersAgainAfterTheRegistrarRestarts) {
  TempDir dir("regrestart");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone alice(dir, "alice", &signalA(),
                  accountSection(1, kam.server, "alice", "alicepw", "udp", "", {"keepAlive=1"}));
  TestPhone bob(dir, "bob", &signalB(),
                accountSection(1, kam.server, "bob", "bobpw", "tcp", "", {"keepAlive=1"}));
  ASSERT_TRUE(alice.started && bob.started);
  ASSERT_TRUE(waitForRegistration(alice.phone, 1, "registered")) << dump(alice.phone, kam);
  ASSERT_TRUE(waitForRegistration(bob.phone, 1, "registered")) << dump(bob.phone, kam);

  // The registrar goes away: the keep-alives notice within a few seconds.
  kam.server.stop();
  for (TestPhone *p : {&alice, &bob}) {
    EXPECT_TRUE(waitForRegistration(p->phone, 1, "failed", 6s)) << dump(p->phone, kam);
    auto account = accountStatus(p->phone, 1);
    ASSERT_TRUE(account);
    EXPECT_EQ(jsonString(*account, "reason"), "server unreachable") << account->dump();
  }

  // It comes back with an empty location table: both phones register again by themselves.
  Status restarted = kam.server.restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_TRUE(
      waitUntil([&] { return kam.registered("alice") && kam.registered("bob"); }, 20s, 250ms))
      << dump(alice.phone, kam) << dump(bob.phone);
  ASSERT_TRUE(waitForRegistration(alice.phone, 1, "registered")) << dump(alice.phone, kam);
  ASSERT_TRUE(waitForRegistration(bob.phone, 1, "registered")) << dump(bob.phone, kam);

  callThroughRegistrar(alice, bob, "bob", kam);
  expectHeard(bob.recording, signalA(), signalB(), "bob");
  expectHeard(alice.recording, signalB(), signalA(), "alice");
}

// The registrar is down long enough for the phone to give up on it, and back just before the
// phone retries. The phone must end up registered, and stay so: nothing left over from the
// registration it gave up (say, a retransmitted un-REGISTER) may remove the new binding.
TEST(Registration, StaysRegisteredWhenTheRegistrarReturnsJustBeforeTheRetry) {
  TempDir dir("reglate");
  Registrar kam(dir);
  ASSERT_TRUE(kam.started);
  TestPhone p(dir, "p", nullptr,
              accountSection(1, kam.server, "alice", "alicepw", "udp", "", {"keepAlive=1"}));
  ASSERT_TRUE(p.started);
  ASSERT_TRUE(waitForRegistration(p.phone, 1, "registered")) << dump(p.phone, kam);

  kam.server.stop();
  ASSERT_TRUE(waitForRegistration(p.phone, 1, "failed", 6s)) << dump(p.phone, kam);
  const auto failedAt = std::chrono::steady_clock::now();
  // The first retry comes 5 s after the failure: be back shortly before it (a deliberate
  // pause: it places the end of the outage, there is no state to wait for).
  std::this_thread::sleep_for(3700ms);
  Status restarted = kam.server.restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  const auto backAfter = std::chrono::steady_clock::now() - failedAt;
  EXPECT_TRUE(waitUntil([&] { return kam.registered("alice"); }, 15s, 100ms)) << dump(p.phone, kam);
  ASSERT_TRUE(waitForRegistration(p.phone, 1, "registered")) << dump(p.phone, kam);
  // Then it stays registered (5 s covers the retransmissions that reach the server now).
  EXPECT_FALSE(waitUntil([&] { return kam.notRegistered("alice"); }, 5s, 100ms))
      << "the registrar lost alice's binding while the phone says \"registered\" (registrar "
      << "back " << std::chrono::duration_cast<std::chrono::milliseconds>(backAfter).count()
      << " ms after the failure was seen)\n"
      << dump(p.phone, kam);
  EXPECT_EQ(registrationOf(p.phone, 1), "registered");
  EXPECT_EQ(kam.contacts("alice").value_or(std::vector<std::string>{}).size(), 1u)
      << kam.server.logText();
}

} // namespace
} // namespace wisp::test
