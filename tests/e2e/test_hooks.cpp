// Event hooks with real phones: MicroSIP's cmd* keys and [Hooks] run their programs with the
// documented arguments and WISP_* environment, never hold up the SIP handling, are stopped
// when they hang, and never run more at once than configured.
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <sstream>
#include <sys/stat.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;
using Record = std::map<std::string, std::string>;

constexpr const char *kMicrosipKeys[] = {"cmdOutgoingCall", "cmdIncomingCall", "cmdCallRing",
                                         "cmdCallAnswer",   "cmdCallStart",    "cmdCallBusy",
                                         "cmdCallEnd"};

// Writes an executable /bin/sh script.
std::filesystem::path writeScript(const std::filesystem::path &path, const std::string &body) {
  EXPECT_TRUE(writeTextFile(path, "#!/bin/sh\n" + body).ok());
  chmod(path.c_str(), 0755);
  return path;
}

// One file per run in OUT: "argc=N", "argN=..." and the WISP_* variables, one per line.
std::filesystem::path writeRecorder(const std::filesystem::path &dir,
                                    const std::filesystem::path &out) {
  std::filesystem::create_directories(out);
  return writeScript(dir / "record.sh",
                     "out=\"" + out.string() +
                         "/$1.$$\"\n"
                         "{\n"
                         "  echo \"argc=$#\"\n"
                         "  n=0\n"
                         "  for a in \"$@\"; do n=$((n+1)); printf 'arg%d=%s\\n' "
                         "\"$n\" \"$a\"; done\n"
                         "  env | grep '^WISP_'\n"
                         "} > \"$out.tmp\"\n"
                         "mv \"$out.tmp\" \"$out.txt\"\n");
}

// [Settings] lines that point every MicroSIP key at the recorder: the key, the display name,
// the call id, the direction and the duration; the phone appends the number.
std::vector<std::string> recordEveryKey(const std::filesystem::path &recorder) {
  std::vector<std::string> lines;
  for (const char *key : kMicrosipKeys)
    lines.push_back(std::string(key) + "=\"" + recorder.string() + "\" " + key +
                    " \"{name}\" {callid} {direction} {duration}");
  return lines;
}

std::vector<Record> records(const std::filesystem::path &out, std::string_view key) {
  std::vector<Record> all;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(out, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(std::string(key) + ".") || !name.ends_with(".txt"))
      continue;
    auto text = readTextFile(entry.path());
    if (!text.ok())
      continue;
    Record r;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);)
      if (auto eq = line.find('='); eq != std::string::npos)
        r[line.substr(0, eq)] = line.substr(eq + 1);
    all.push_back(std::move(r));
  }
  return all;
}

// Waits for exactly `count` runs of `key` (and a moment for a wrong extra one to show up).
std::vector<Record> waitForRecords(const std::filesystem::path &out, std::string_view key,
                                   size_t count) {
  waitUntil([&] { return records(out, key).size() >= count; }, 5s);
  std::this_thread::sleep_for(100ms);
  return records(out, key);
}

std::string describe(const std::vector<Record> &rs) {
  std::string s;
  for (const Record &r : rs) {
    for (const auto &[k, v] : r)
      s += k + "=" + v + "\n";
    s += "--\n";
  }
  return s;
}

// What every cmd* run is told about its call.
void expectCall(const Record &r, const char *key, const std::string &event, const Json &call,
                const std::string &number, const std::string &name, const std::string &account) {
  SCOPED_TRACE(key);
  const std::string id = std::to_string(jsonInt(call, "id").value_or(-1));
  const std::string direction = jsonString(call, "direction");
  EXPECT_EQ(r.at("argc"), "6");
  EXPECT_EQ(r.at("arg1"), key);
  EXPECT_EQ(r.at("arg2"), name);
  EXPECT_EQ(r.at("arg3"), id);
  EXPECT_EQ(r.at("arg4"), direction);
  EXPECT_EQ(r.at("arg6"), number) << "the number comes last";
  EXPECT_EQ(r.at("WISP_EVENT"), event);
  EXPECT_EQ(r.at("WISP_HOOK"), key);
  EXPECT_EQ(r.at("WISP_CALL_ID"), id);
  EXPECT_EQ(r.at("WISP_DIRECTION"), direction);
  EXPECT_EQ(r.at("WISP_REMOTE_URI"), jsonString(call, "remote"));
  EXPECT_EQ(r.at("WISP_REMOTE_NUMBER"), number);
  EXPECT_EQ(r.at("WISP_DISPLAY_NAME"), name);
  EXPECT_EQ(r.at("WISP_ACCOUNT"), account);
  EXPECT_EQ(r.at("WISP_DURATION"), r.at("arg5"));
  EXPECT_NE(r.at("WISP_EVENT_JSON").find("\"event\":\"" + event + "\""), std::string::npos)
      << r.at("WISP_EVENT_JSON");
}

void expectNoSipCode(const Record &r) {
  EXPECT_EQ(r.at("WISP_SIP_CODE"), "");
  EXPECT_EQ(r.at("WISP_REASON"), "");
  EXPECT_EQ(r.at("WISP_DURATION"), "0");
}

bool processExists(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

pid_t pidIn(const std::filesystem::path &file) {
  auto text = readTextFile(file);
  return text.ok() ? pid_t(std::atoi(text->c_str())) : -1;
}

// Hooks left running by a test are its own to stop.
struct KillOnExit {
  std::vector<std::filesystem::path> pidFiles;
  ~KillOnExit() {
    for (const auto &f : pidFiles)
      if (pid_t pid = pidIn(f); pid > 0)
        ::kill(-pid, SIGKILL);
  }
};

TEST(Hooks, MicrosipKeysRunWithTheCallsArgumentsAndEnvironment) {
  TempDir dir("hk");
  const auto aliceOut = dir / "alice-runs", bobOut = dir / "bob-runs";
  WispPhone::Options a, b;
  a.extraSettings = recordEveryKey(writeRecorder(dir.subdir("alice"), aliceOut));
  for (const char *line :
       {"[Account1]", "username=alice", "domain=127.0.0.1", "displayName=Alice Smith"})
    a.extraSettings.push_back(line);
  b.extraSettings = recordEveryKey(writeRecorder(dir.subdir("bob"), bobOut));
  WispPhone alice, bob;
  ASSERT_TRUE(alice.start(a, dir / "alice").ok());
  ASSERT_TRUE(bob.start(b, dir / "bob").ok());

  // An answered call, ended by the caller after a second.
  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s)) << bob.logText();
  ASSERT_TRUE(bob.command("answer").ok());
  ASSERT_TRUE(alice.waitForCallState("established", 5s)) << alice.logText();
  std::this_thread::sleep_for(1200ms);
  ASSERT_TRUE(alice.command("hangup").ok());
  const auto aliceCall = alice.waitForEndedCall(1);
  const auto bobCall = bob.waitForEndedCall(1);
  ASSERT_TRUE(aliceCall && bobCall);
  EXPECT_TRUE(jsonString(*bobCall, "remote").starts_with("sip:alice@")) << bobCall->dump();

  auto out = waitForRecords(aliceOut, "cmdOutgoingCall", 1);
  ASSERT_EQ(out.size(), 1u) << describe(out);
  expectCall(out[0], "cmdOutgoingCall", "call.outgoing", *aliceCall, "bob", "", "1");
  expectNoSipCode(out[0]);

  auto in = waitForRecords(bobOut, "cmdIncomingCall", 1);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  expectCall(in[0], "cmdIncomingCall", "call.incoming", *bobCall, "alice", "Alice Smith", "0");
  expectNoSipCode(in[0]);
  auto ring = waitForRecords(bobOut, "cmdCallRing", 1);
  ASSERT_EQ(ring.size(), 1u) << describe(ring);
  expectCall(ring[0], "cmdCallRing", "call.incoming", *bobCall, "alice", "Alice Smith", "0");

  auto answered = waitForRecords(bobOut, "cmdCallAnswer", 1);
  ASSERT_EQ(answered.size(), 1u) << describe(answered);
  expectCall(answered[0], "cmdCallAnswer", "call.state", *bobCall, "alice", "Alice Smith", "0");
  auto bobStart = waitForRecords(bobOut, "cmdCallStart", 1);
  ASSERT_EQ(bobStart.size(), 1u) << describe(bobStart);
  expectCall(bobStart[0], "cmdCallStart", "call.state", *bobCall, "alice", "Alice Smith", "0");
  auto aliceStart = waitForRecords(aliceOut, "cmdCallStart", 1);
  ASSERT_EQ(aliceStart.size(), 1u) << describe(aliceStart);
  expectCall(aliceStart[0], "cmdCallStart", "call.state", *aliceCall, "bob", "", "1");
  EXPECT_TRUE(records(aliceOut, "cmdCallAnswer").empty()) << "cmdCallAnswer is for incoming calls";
  EXPECT_TRUE(records(aliceOut, "cmdCallRing").empty()) << "cmdCallRing is for incoming calls";

  auto aliceEnd = waitForRecords(aliceOut, "cmdCallEnd", 1);
  ASSERT_EQ(aliceEnd.size(), 1u) << describe(aliceEnd);
  expectCall(aliceEnd[0], "cmdCallEnd", "call.ended", *aliceCall, "bob", "", "1");
  EXPECT_EQ(aliceEnd[0].at("WISP_SIP_CODE"), "0");
  EXPECT_EQ(aliceEnd[0].at("WISP_REASON"), "local hang-up");
  auto bobEnd = waitForRecords(bobOut, "cmdCallEnd", 1);
  ASSERT_EQ(bobEnd.size(), 1u) << describe(bobEnd);
  expectCall(bobEnd[0], "cmdCallEnd", "call.ended", *bobCall, "alice", "Alice Smith", "0");
  EXPECT_EQ(bobEnd[0].at("WISP_SIP_CODE"), "0");
  EXPECT_EQ(bobEnd[0].at("WISP_REASON"), "remote hung up");
  for (const Record *r : {&aliceEnd[0], &bobEnd[0]}) {
    const int seconds = std::atoi(r->at("WISP_DURATION").c_str());
    EXPECT_GE(seconds, 1) << "the call lasted over a second";
    EXPECT_LE(seconds, 4);
  }

  // A declined call is "busy" for MicroSIP, on both sides, and no cmdCallEnd.
  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s));
  ASSERT_TRUE(bob.command("hangup").ok());
  const auto aliceBusyCall = alice.waitForEndedCall(2);
  const auto bobBusyCall = bob.waitForEndedCall(2);
  ASSERT_TRUE(aliceBusyCall && bobBusyCall);
  auto aliceBusy = waitForRecords(aliceOut, "cmdCallBusy", 1);
  ASSERT_EQ(aliceBusy.size(), 1u) << describe(aliceBusy);
  expectCall(aliceBusy[0], "cmdCallBusy", "call.ended", *aliceBusyCall, "bob", "", "1");
  EXPECT_EQ(aliceBusy[0].at("WISP_SIP_CODE"), "603");
  EXPECT_EQ(aliceBusy[0].at("WISP_REASON"), "Decline");
  EXPECT_EQ(aliceBusy[0].at("WISP_DURATION"), "0");
  auto bobBusy = waitForRecords(bobOut, "cmdCallBusy", 1);
  ASSERT_EQ(bobBusy.size(), 1u) << describe(bobBusy);
  expectCall(bobBusy[0], "cmdCallBusy", "call.ended", *bobBusyCall, "alice", "Alice Smith", "0");
  EXPECT_EQ(bobBusy[0].at("WISP_SIP_CODE"), "603");
  EXPECT_EQ(records(aliceOut, "cmdCallEnd").size(), 1u);
  EXPECT_EQ(records(bobOut, "cmdCallEnd").size(), 1u);
  EXPECT_EQ(records(bobOut, "cmdIncomingCall").size(), 2u);
  EXPECT_EQ(records(aliceOut, "cmdOutgoingCall").size(), 2u);
}

TEST(Hooks, AHookThatTakesLongDoesNotHoldUpTheCall) {
  TempDir dir("hk");
  KillOnExit cleanup{{dir / "sleeper.pid"}};
  const auto sleeper = writeScript(
      dir / "sleeper.sh", "echo $$ > \"" + (dir / "sleeper.pid").string() + ".tmp\"\nmv \"" +
                              (dir / "sleeper.pid").string() + ".tmp\" \"" +
                              (dir / "sleeper.pid").string() + "\"\nexec sleep 30\n");
  WispPhone::Options b;
  b.extraSettings = {"cmdIncomingCall=" + sleeper.string(), "hookTimeout=60"};
  WispPhone alice, bob;
  ASSERT_TRUE(alice.start({}, dir / "alice").ok());
  ASSERT_TRUE(bob.start(b, dir / "bob").ok());

  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  // The caller hears the 180 Ringing, and the callee keeps working while its hook sleeps.
  EXPECT_TRUE(alice.waitForCallState("ringing", 5s)) << alice.logText();
  ASSERT_TRUE(waitUntil([&] { return processExists(pidIn(dir / "sleeper.pid")); }, 5s))
      << bob.logText();
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s)) << bob.logText();
  ASSERT_TRUE(bob.command("answer").ok());
  EXPECT_TRUE(alice.waitForCallState("established", 5s)) << alice.logText();
  EXPECT_TRUE(bob.waitForCallState("established", 5s)) << bob.logText();
  ASSERT_TRUE(alice.command("hangup").ok());
  EXPECT_TRUE(bob.waitForEndedCall(1).has_value());
  EXPECT_TRUE(processExists(pidIn(dir / "sleeper.pid"))) << "the hook is still asleep";
}

TEST(Hooks, AHookThatHangsIsStoppedAfterItsTimeoutAndThatIsLogged) {
  TempDir dir("hk");
  const auto termPid = dir / "term.pid", killPid = dir / "kill.pid";
  KillOnExit cleanup{{termPid, killPid}};
  // One stops on SIGTERM; the other ignores it, and so needs SIGKILL.
  const auto sleeper =
      writeScript(dir / "sleeper.sh", "echo $$ > \"" + termPid.string() + "\"\nexec sleep 30\n");
  const auto stubborn =
      writeScript(dir / "stubborn.sh", "trap '' TERM\necho $$ > \"" + killPid.string() +
                                           "\"\nwhile :; do sleep 0.2; done\n");
  WispPhone::Options b;
  b.extraSettings = {"cmdIncomingCall=" + sleeper.string(), "cmdCallRing=" + stubborn.string(),
                     "hookTimeout=1"};
  WispPhone alice, bob;
  ASSERT_TRUE(alice.start({}, dir / "alice").ok());
  ASSERT_TRUE(bob.start(b, dir / "bob").ok());
  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  ASSERT_TRUE(waitUntil([&] { return pidIn(termPid) > 0 && pidIn(killPid) > 0; }, 5s))
      << bob.logText();
  const pid_t term = pidIn(termPid), kill = pidIn(killPid);

  auto logged = [&](const std::string &text) {
    return bob.logText().find(text) != std::string::npos;
  };
  const std::string termLabel =
      "hook cmdIncomingCall (" + sleeper.string() + ", pid " + std::to_string(term) + ")";
  const std::string killLabel =
      "hook cmdCallRing (" + stubborn.string() + ", pid " + std::to_string(kill) + ")";
  EXPECT_TRUE(waitUntil([&] { return !processExists(term) && !processExists(kill); }, 8s))
      << bob.logText();
  EXPECT_TRUE(waitUntil([&] { return logged(killLabel + ": stopped"); }, 2s)) << bob.logText();
  EXPECT_TRUE(logged(termLabel + ": still running after 1 s: stopping it (SIGTERM)"))
      << bob.logText();
  EXPECT_TRUE(logged(termLabel + ": stopped (ended by signal 15")) << bob.logText();
  EXPECT_FALSE(logged(termLabel + ": did not stop")) << bob.logText();
  EXPECT_TRUE(logged(killLabel + ": still running after 1 s: stopping it (SIGTERM)"))
      << bob.logText();
  EXPECT_TRUE(logged(killLabel + ": did not stop after SIGTERM: killed (SIGKILL)"))
      << bob.logText();

  // The call went on meanwhile.
  EXPECT_TRUE(bob.waitForCallState("ringing", 1s));
  ASSERT_TRUE(bob.command("answer").ok());
  EXPECT_TRUE(alice.waitForCallState("established", 5s)) << alice.logText();
}

TEST(Hooks, HooksSectionAfterReloadRunsNoMoreAtOnceThanAllowed) {
  TempDir dir("hk");
  const auto work = dir.subdir("work");
  std::filesystem::create_directories(work / "running");
  // Counts the hooks running at its start; runs for a second.
  const auto counter =
      writeScript(dir / "count.sh",
                  "d=\"" + work.string() +
                      "\"\n"
                      "touch \"$d/running/$$\"\n"
                      "echo \"$(ls \"$d/running\" | wc -l) $# $1 $WISP_EVENT\" >> \"$d/runs\"\n"
                      "sleep 1\n"
                      "rm \"$d/running/$$\"\n"
                      "echo done >> \"$d/done\"\n");
  WispPhone alice, bob;
  ASSERT_TRUE(alice.start({}, dir / "alice").ok());
  ASSERT_TRUE(bob.start({}, dir / "bob").ok());
  // Hooks come with a reload.
  auto ini = readTextFile(bob.profileDir() / "wisp.ini");
  ASSERT_TRUE(ini.ok());
  ASSERT_TRUE(writeTextFile(bob.profileDir() / "wisp.ini",
                            *ini + "hookConcurrency=2\n[Hooks]\ncall.dtmf=" + counter.string() +
                                " {callid}\n")
                  .ok());
  auto reload = bob.command("reload");
  ASSERT_TRUE(reload.ok()) << reload.describe();

  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s));
  ASSERT_TRUE(bob.command("answer").ok());
  ASSERT_TRUE(alice.waitForCallState("established", 5s));
  ASSERT_TRUE(alice.command("dtmf", "123456").ok());
  auto lines = [&](const char *file) {
    auto text = readTextFile(work / file);
    std::vector<std::string> out;
    std::istringstream in(text.ok() ? *text : "");
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  };
  ASSERT_TRUE(waitUntil([&] { return lines("done").size() >= 6; }, 15s))
      << bob.logText() << "\nruns:\n"
      << (readTextFile(work / "runs").ok() ? *readTextFile(work / "runs") : "");
  const auto runs = lines("runs");
  ASSERT_EQ(runs.size(), 6u);
  const auto callId = std::to_string(jsonInt(bob.calls().at(0), "id").value_or(-1));
  int most = 0;
  for (const std::string &run : runs) {
    std::istringstream words(run);
    int running = 0;
    std::string argc, arg, event;
    words >> running >> argc >> arg >> event;
    most = std::max(most, running);
    EXPECT_EQ(argc, "1") << "a [Hooks] command gets no number appended: " << run;
    EXPECT_EQ(arg, callId) << run;
    EXPECT_EQ(event, "call.dtmf") << run;
  }
  EXPECT_EQ(most, 2) << "two at once, never more";
}

TEST(Hooks, OutputGoesToTheLogAndFailuresAreLogged) {
  TempDir dir("hk");
  WispPhone::Options o;
  o.extraSettings = {"cmdOutgoingCall=/nonexistent/hook-program", "[Hooks]",
                     "call.outgoing=/bin/sh -c 'echo \"hello from $0\"; exit 3' {number}",
                     "call.ended=/bin/echo $HOME; {number} \"{name}\""};
  WispPhone phone;
  ASSERT_TRUE(phone.start(o, dir / "p").ok());
  // Nobody listens on TCP port 9: the call fails at once.
  ASSERT_TRUE(phone.command("dial", "sip:bob@127.0.0.1:9;transport=tcp").ok());
  auto logged = [&](const std::string &text) {
    return phone.logText().find(text) != std::string::npos;
  };
  EXPECT_TRUE(waitUntil([&] { return logged("hook call.outgoing: hello from bob"); }, 5s))
      << phone.logText();
  EXPECT_TRUE(waitUntil([&] { return logged(": exited with 3"); }, 5s)) << phone.logText();
  EXPECT_TRUE(waitUntil(
      [&] {
        return logged("hook cmdOutgoingCall: cannot run /nonexistent/hook-program: No such file");
      },
      5s))
      << phone.logText();
  // No shell: $HOME and ; are text, and an empty name is an empty argument.
  EXPECT_TRUE(waitUntil([&] { return logged("hook call.ended: $HOME; bob "); }, 5s))
      << phone.logText();
  EXPECT_TRUE(phone.status().ok());
}

} // namespace
} // namespace wisp::test
