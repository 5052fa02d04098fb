// The event stream: `wisp events` prints what happens in the phone as JSON lines, in order,
// and a subscriber that stops reading is dropped without holding the phone up.
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

std::vector<Json> eventsIn(const std::filesystem::path &file) {
  std::vector<Json> out;
  auto text = readTextFile(file);
  if (!text.ok())
    return out;
  size_t start = 0;
  for (size_t nl; (nl = text->find('\n', start)) != std::string::npos; start = nl + 1) {
    auto j = Json::parse(std::string_view(*text).substr(start, nl - start));
    if (j.ok())
      out.push_back(*j);
  }
  return out;
}

// Index of the first event of `type` (after `from`) for which `match` holds, or -1.
int find(const std::vector<Json> &events, const std::string &type,
         const std::function<bool(const Json &)> &match = {}, int from = 0) {
  for (int i = from; i < int(events.size()); ++i)
    if (jsonString(events[i], "event") == type && (!match || match(events[i])))
      return i;
  return -1;
}

TEST(Events, ACallIsFollowedFromRingToEnd) {
  TempDir dir("ev");
  WispPhone alice, bob;
  ASSERT_TRUE(alice.start({}, dir / "alice").ok());
  ASSERT_TRUE(bob.start({}, dir / "bob").ok());
  const auto log = dir / "events.jsonl";
  auto watcher = Process::start(
      {{WISP_BINARY, "--profile", bob.profileDir().string(), "events"}, {}, {}, log, {}});
  ASSERT_TRUE(watcher.ok()) << watcher.error().message;
  std::this_thread::sleep_for(300ms); // let the subscription land

  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s));
  ASSERT_TRUE(bob.command("answer").ok());
  ASSERT_TRUE(alice.waitForCallState("established", 5s));
  ASSERT_TRUE(alice.command("dtmf", "5").ok());
  ASSERT_TRUE(waitUntil(
      [&] { return find(eventsIn(log), "call.dtmf") >= 0; }, 5s))
      << readFileTail(log);
  ASSERT_TRUE(alice.command("hangup").ok());
  ASSERT_TRUE(waitUntil([&] { return find(eventsIn(log), "call.ended") >= 0; }, 5s))
      << readFileTail(log);

  const auto events = eventsIn(log);
  const int incoming = find(events, "call.incoming");
  ASSERT_GE(incoming, 0) << readFileTail(log);
  const Json &call = *events[incoming].find("call");
  EXPECT_EQ(jsonString(call, "direction"), "incoming");
  EXPECT_EQ(jsonString(call, "remote_number"), "wisp");
  EXPECT_EQ(jsonString(call, "account_label"), "local");
  ASSERT_NE(events[incoming].find("headers"), nullptr);
  EXPECT_NE(jsonString(*events[incoming].find("headers"), "User-Agent").find("Wisp"),
            std::string::npos);
  const int established = find(events, "call.state", [](const Json &e) {
    return jsonString(*e.find("call"), "state") == "established";
  });
  const int dtmf = find(events, "call.dtmf");
  const int ended = find(events, "call.ended");
  EXPECT_LT(incoming, established);
  EXPECT_LT(established, dtmf);
  EXPECT_LT(dtmf, ended);
  EXPECT_EQ(jsonString(events[dtmf], "digit"), "5");
  EXPECT_EQ(jsonString(events[ended], "reason"), "remote hung up");
  EXPECT_GT(jsonInt(events[ended], "time").value_or(0), 1700000000000);

  // The stream ends by itself when the phone exits.
  ASSERT_TRUE(bob.command("exit").ok());
  EXPECT_TRUE(watcher->waitFor(5s).has_value()) << "wisp events did not end with the phone";
  EXPECT_EQ(watcher->exitStatus(), 0);
}

TEST(Events, ASubscriberThatDoesNotReadIsDroppedAndThePhoneCarriesOn) {
  TempDir dir("ev");
  WispPhone phone;
  ASSERT_TRUE(phone.start({}, dir / "p").ok());
  const auto sockPath = phone.profileDir() / "control.sock";
  int lazy = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, sockPath.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(connect(lazy, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  const int small = 4096;
  setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  const std::string subscribe = "{\"id\":1,\"method\":\"subscribe\"}\n";
  ASSERT_EQ(write(lazy, subscribe.data(), subscribe.size()), ssize_t(subscribe.size()));

  // Lots of events, fast: calls to a TCP port where nobody listens fail at once.
  int busy = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(connect(busy, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  // In rounds of ten, so that ended calls give their RTP ports back in between.
  char buf[65536];
  for (int round = 0; round < 150; ++round) {
    std::string requests;
    for (int i = 0; i < 10; ++i)
      requests += "{\"id\":" + std::to_string(i) +
                  ",\"argv\":[\"dial\",\"sip:nobody@127.0.0.1:9;transport=tcp\"]}\n";
    ASSERT_EQ(write(busy, requests.data(), requests.size()), ssize_t(requests.size()));
    size_t lines = 0;
    while (lines < 10) {
      ssize_t n = read(busy, buf, sizeof buf);
      ASSERT_GT(n, 0);
      lines += size_t(std::count(buf, buf + n, '\n'));
    }
  }
  close(busy);

  EXPECT_TRUE(phone.status().ok()) << "the phone keeps answering";
  EXPECT_TRUE(waitUntil(
      [&] { return phone.logText().find("dropped an event subscriber") != std::string::npos; },
      10s))
      << phone.logText();
  // What the lazy client finally reads ends with the phone closing on it.
  std::string all;
  timeval tv{5, 0};
  setsockopt(lazy, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n;
  while ((n = read(lazy, buf, sizeof buf)) > 0)
    all.append(buf, size_t(n));
  EXPECT_EQ(n, 0) << "the connection is closed";
  close(lazy);
}

} // namespace
} // namespace wisp::test
