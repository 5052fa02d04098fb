// The wisp command line as scripts use it: forwarding to the running phone, starting one in
// the background for a dial, exit codes, errors for bad input and bad configuration, reload
// keeping the last good settings, and the privacy of the control socket.
#include "support/ports.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

CommandResult wisp(const std::filesystem::path &profile, std::vector<std::string> args) {
  args.insert(args.begin(), {WISP_BINARY, "--profile", profile.string()});
  return runCommand(args, 15s);
}

std::string loopbackIni(uint16_t sipPort, const std::string &extra = "") {
  const uint16_t rtp = freePortRange(41);
  return "[Settings]\nlistenAddress=127.0.0.1\nsourcePort=" + std::to_string(sipPort) +
         "\nrtpPortMin=" + std::to_string(rtp) + "\nrtpPortMax=" + std::to_string(rtp + 40) +
         "\n" + extra;
}

TEST(CommandLine, AnswerAndHangupAllWithNoPhoneStartNothing) {
  TempDir dir("cli");
  const auto profile = dir / "p";
  std::filesystem::create_directories(profile);
  ASSERT_TRUE(writeTextFile(profile / "wisp.ini", loopbackIni(freeUdpTcpPort())).ok());
  for (const char *cmd : {"/answer", "/hangupall", "status", "exit"}) {
    auto r = wisp(profile, {cmd});
    EXPECT_EQ(r.exitCode, 3) << cmd << ": " << r.describe();
    EXPECT_NE(r.err.find("no Wisp phone is running"), std::string::npos) << r.describe();
  }
  EXPECT_FALSE(std::filesystem::exists(profile / "control.sock"));
  EXPECT_FALSE(std::filesystem::exists(profile / "wisp.log")) << "a phone was started";
}

TEST(CommandLine, UnknownCommandSuggestsTheNearestAndHowToCallAUser) {
  TempDir dir("cli");
  auto r = wisp(dir / "p", {"hangpu"});
  EXPECT_EQ(r.exitCode, 2) << r.describe();
  EXPECT_NE(r.err.find("\"hangup\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wisp dial hangpu"), std::string::npos) << r.err;
  auto help = wisp(dir / "p", {"help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("dial"), std::string::npos) << help.out;
  auto badOption = runCommand({WISP_BINARY, "--frobnicate"}, 5s);
  EXPECT_EQ(badOption.exitCode, 2);
  EXPECT_NE(badOption.err.find("--frobnicate"), std::string::npos);
}

TEST(CommandLine, DialWithNoPhoneStartsOneInTheBackground) {
  TempDir dir("cli");
  WispPhone bob;
  ASSERT_TRUE(bob.start({}, dir / "bob").ok());

  const auto profile = dir / "alice";
  std::filesystem::create_directories(profile);
  ASSERT_TRUE(writeTextFile(profile / "wisp.ini", loopbackIni(freeUdpTcpPort())).ok());
  auto r = wisp(profile, {"--audio-in", "null", "dial", bob.uri("bob")});
  ASSERT_EQ(r.exitCode, 0) << r.describe() << readFileTail(profile / "wisp.log");
  EXPECT_NE(r.out.find("calling"), std::string::npos) << r.out;
  EXPECT_TRUE(bob.waitForCallState("ringing", 5s)) << bob.logText();

  // The background phone is a real phone: it answers status and obeys /exit.
  auto status = wisp(profile, {"status"});
  EXPECT_EQ(status.exitCode, 0) << status.describe();
  EXPECT_NE(status.out.find(bob.uri("bob")), std::string::npos) << status.out;
  EXPECT_EQ(wisp(profile, {"/exit"}).exitCode, 0);
  EXPECT_TRUE(waitUntil([&] { return !std::filesystem::exists(profile / "control.sock"); }, 5s));
  EXPECT_TRUE(bob.waitForNoCalls(5s)) << "exit cancels the call";
}

TEST(CommandLine, ControlSocketIsPrivateAndOnePhonePerProfile) {
  TempDir dir("cli");
  WispPhone phone;
  ASSERT_TRUE(phone.start({}, dir / "p").ok());
  struct stat st {};
  ASSERT_EQ(stat((dir / "p" / "control.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir / "p").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto second = runCommand({WISP_BINARY, "--profile", (dir / "p").string(), "--headless"}, 10s);
  EXPECT_EQ(second.exitCode, 3) << second.describe();
  EXPECT_NE(second.err.find("already running"), std::string::npos) << second.describe();
  EXPECT_TRUE(phone.status().ok()) << "the first phone is unharmed";
}

TEST(CommandLine, BadConfigurationRefusesToStartNamingFileLineAndKey) {
  TempDir dir("cli");
  const auto profile = dir / "p";
  std::filesystem::create_directories(profile);
  ASSERT_TRUE(writeTextFile(profile / "wisp.ini",
                            loopbackIni(freeUdpTcpPort(), "autoAnswerDelay=abc\nsorcePort=5060\n"))
                  .ok());
  auto r = runCommand({WISP_BINARY, "--profile", profile.string(), "--headless"}, 10s);
  EXPECT_EQ(r.exitCode, 2) << r.describe();
  const std::string ini = (profile / "wisp.ini").string();
  EXPECT_NE(r.err.find(ini + ":6: [Settings] autoAnswerDelay"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(ini + ":7: [Settings] sorcePort"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sourcePort"), std::string::npos) << "suggests the right key: " << r.err;
}

TEST(CommandLine, MissingAudioFileIsAStartUpError) {
  TempDir dir("cli");
  const auto profile = dir / "p";
  std::filesystem::create_directories(profile);
  ASSERT_TRUE(writeTextFile(profile / "wisp.ini", loopbackIni(freeUdpTcpPort())).ok());
  auto r = runCommand({WISP_BINARY, "--profile", profile.string(), "--audio-in",
                       "file:" + (dir / "missing.wav").string(), "--headless"},
                      10s);
  EXPECT_EQ(r.exitCode, 2) << r.describe();
  EXPECT_NE(r.err.find("missing.wav"), std::string::npos) << r.describe();
  auto bad = runCommand({WISP_BINARY, "--profile", profile.string(), "--audio-out", "file:x.mp3"},
                        10s);
  EXPECT_EQ(bad.exitCode, 2) << bad.describe();
  EXPECT_NE(bad.err.find(".wav"), std::string::npos) << bad.describe();
}

TEST(CommandLine, ReloadKeepsTheLastGoodSettings) {
  TempDir dir("cli");
  WispPhone bob, alice;
  WispPhone::Options autoAnswer;
  autoAnswer.extraSettings = {"autoAnswer=all"};
  ASSERT_TRUE(bob.start(autoAnswer, dir / "bob").ok());
  ASSERT_TRUE(alice.start({}, dir / "alice").ok());
  const auto ini = bob.profileDir() / "wisp.ini";
  auto good = readTextFile(ini);
  ASSERT_TRUE(good.ok());

  ASSERT_TRUE(writeTextFile(ini, *good + "autoAnswerDelay=soon\n").ok());
  auto r = bob.command("reload");
  EXPECT_NE(r.exitCode, 0) << r.describe();
  EXPECT_NE(r.err.find(ini.string() + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("autoAnswerDelay"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("previous settings"), std::string::npos) << r.err;

  // Still the old behaviour: incoming calls are answered by themselves.
  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  EXPECT_TRUE(bob.waitForCallState("established", 5s)) << bob.logText();
  ASSERT_TRUE(alice.command("hangup").ok());
  ASSERT_TRUE(bob.waitForNoCalls(5s));

  // A good file takes effect without a restart.
  std::string manual = *good;
  manual.replace(manual.find("autoAnswer=all"), 14, "autoAnswer=0");
  ASSERT_TRUE(writeTextFile(ini, manual).ok());
  r = bob.command("reload");
  EXPECT_EQ(r.exitCode, 0) << r.describe();
  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s));
  std::this_thread::sleep_for(1s);
  auto calls = bob.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(jsonString(calls[0], "state"), "ringing") << "autoAnswer is off now";
}

// Sends raw lines to the control socket and returns the reply lines.
std::vector<std::string> talk(const std::filesystem::path &socketPath, const std::string &data,
                              size_t replies) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, socketPath.c_str(), sizeof addr.sun_path - 1);
  std::vector<std::string> lines;
  if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    close(fd);
    return lines;
  }
  EXPECT_EQ(write(fd, data.data(), data.size()), ssize_t(data.size()));
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string in;
  char buf[4096];
  while (lines.size() < replies) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
      break;
    in.append(buf, size_t(n));
    for (size_t nl; (nl = in.find('\n')) != std::string::npos; in.erase(0, nl + 1))
      lines.push_back(in.substr(0, nl));
  }
  close(fd);
  return lines;
}

TEST(CommandLine, JsonApiAnswersBadInputWithErrorsAndKeepsRunning) {
  TempDir dir("cli");
  WispPhone phone;
  ASSERT_TRUE(phone.start({}, dir / "p").ok());
  const auto sock = phone.profileDir() / "control.sock";
  auto lines = talk(sock,
                    "{bad json\n"
                    "[1,2]\n"
                    "{\"id\":7,\"argv\":[\"frob\"]}\n"
                    "{\"id\":8,\"argv\":[\"status\",\"--json\"]}\n"
                    "{\"id\":9,\"argv\":[1]}\n",
                    5);
  ASSERT_EQ(lines.size(), 5u);
  auto reply = [&](size_t i) {
    auto j = Json::parse(lines[i]);
    EXPECT_TRUE(j.ok()) << lines[i];
    return j.ok() ? *j : Json();
  };
  EXPECT_EQ(jsonString(*reply(0).find("error"), "code"), "bad_json");
  EXPECT_EQ(jsonString(*reply(1).find("error"), "code"), "bad_request");
  EXPECT_EQ(jsonInt(reply(2), "id"), 7);
  EXPECT_EQ(jsonString(*reply(2).find("error"), "code"), "unknown_command");
  EXPECT_EQ(jsonInt(reply(3), "id"), 8);
  EXPECT_TRUE(reply(3).find("ok")->asBool());
  EXPECT_EQ(jsonString(*reply(4).find("error"), "code"), "bad_request");

  // A request line larger than the limit is refused, and the phone carries on.
  auto big = talk(sock, std::string(100 * 1024, 'x'), 1);
  ASSERT_EQ(big.size(), 1u);
  EXPECT_NE(big[0].find("too_large"), std::string::npos) << big[0];
  EXPECT_TRUE(phone.status().ok());
}

} // namespace
} // namespace wisp::test
