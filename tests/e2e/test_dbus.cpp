// The D-Bus service: a private session bus (dbus-daemon) per test, the phone on it, every
// method driven with dbus-send and the Event signal watched with dbus-monitor.
#include "support/process.h"
#include "support/session_bus.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <sstream>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

WispPhone::Options onBus(const SessionBus &bus, std::string name) {
  WispPhone::Options o;
  o.env = bus.env();
  o.name = std::move(name);
  return o;
}

// The peer stays off D-Bus, whatever the test's own environment says.
WispPhone::Options offBus(std::string name) {
  WispPhone::Options o;
  o.env = {{"DBUS_SESSION_BUS_ADDRESS", ""}};
  o.extraIni = {"[Api]", "dbus=off"};
  o.name = std::move(name);
  return o;
}

std::string dtmfReceived(const WispPhone &phone) {
  auto calls = phone.calls();
  return calls.empty() ? std::string() : jsonString(calls[0], "dtmf_received");
}

TEST(DBus, EveryMethodDrivesThePhoneAndEventsBecomeSignals) {
  TempDir dir("dbus");
  SessionBus bus;
  ASSERT_TRUE(bus.start(dir.path()).ok());
  WispPhone alice, bob;
  ASSERT_TRUE(alice.start(onBus(bus, "alice"), dir / "alice").ok());
  ASSERT_TRUE(bob.start(offBus("bob"), dir / "bob").ok());

  SignalMonitor signals;
  ASSERT_TRUE(signals.start(bus, dir / "signals.txt").ok()) << signals.text();

  // State: the snapshot, as JSON.
  auto state = dbusReplyJson(bus.call("State"));
  ASSERT_TRUE(state.ok()) << state.error().message << alice.logText();
  ASSERT_NE(state->find("calls"), nullptr);
  EXPECT_TRUE(state->find("calls")->isArray());

  // Dial, SendDtmf, Hangup.
  auto dialed = dbusReplyJson(bus.call("Dial", {"string:" + bob.uri("bob")}));
  ASSERT_TRUE(dialed.ok()) << dialed.error().message;
  EXPECT_NE(dialed->find("text"), nullptr);
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s)) << bob.logText();
  ASSERT_TRUE(bob.command("answer").ok());
  ASSERT_TRUE(alice.waitForCallState("established", 5s)) << alice.logText();
  ASSERT_TRUE(dbusReplyJson(bus.call("SendDtmf", {"string:5#", "uint32:0"})).ok());
  EXPECT_TRUE(waitUntil([&] { return dtmfReceived(bob) == "5#"; }, 5s)) << dtmfReceived(bob);
  ASSERT_TRUE(dbusReplyJson(bus.call("Hangup", {"uint32:0"})).ok());
  ASSERT_TRUE(alice.waitForNoCalls(5s));
  ASSERT_TRUE(bob.waitForNoCalls(5s));

  // Answer an incoming call, then HangupAll.
  ASSERT_TRUE(bob.command("dial", alice.uri("alice")).ok());
  ASSERT_TRUE(alice.waitForCallState("ringing", 5s)) << alice.logText();
  ASSERT_TRUE(dbusReplyJson(bus.call("Answer", {"uint32:0"})).ok());
  ASSERT_TRUE(bob.waitForCallState("established", 5s)) << bob.logText();
  ASSERT_TRUE(dbusReplyJson(bus.call("HangupAll")).ok());
  ASSERT_TRUE(bob.waitForNoCalls(5s));

  // Command: any command string, and errors with our stable codes.
  auto status = dbusReplyJson(bus.call("Command", {"string:status --json"}));
  ASSERT_TRUE(status.ok()) << status.error().message;
  ASSERT_NE(status->find("data"), nullptr);
  EXPECT_NE(status->find("data")->find("calls"), nullptr);
  auto unknown = bus.call("Command", {"string:frobnicate now"});
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(unknown.err.find("org.wisp.Error.UnknownCommand"), std::string::npos)
      << unknown.describe();
  auto noCall = bus.call("Answer", {"uint32:0"});
  EXPECT_FALSE(noCall.ok());
  EXPECT_NE(noCall.err.find("org.wisp.Error.NoCall"), std::string::npos) << noCall.describe();
  auto noSuchCall = bus.call("Hangup", {"uint32:77"});
  EXPECT_NE(noSuchCall.err.find("org.wisp.Error.NoSuchCall"), std::string::npos)
      << noSuchCall.describe();
  auto quote = bus.call("Command", {"string:dial 'unterminated"});
  EXPECT_NE(quote.err.find("org.wisp.Error.BadArgument"), std::string::npos) << quote.describe();
  auto badArgs = bus.call("Dial", {"uint32:5"});
  EXPECT_FALSE(badArgs.ok()) << badArgs.describe();

  // The events of both calls arrived as signals, type first, the whole event as JSON.
  EXPECT_TRUE(waitUntil([&] { return signals.has("call.ended"); }, 5s)) << signals.text();
  for (const char *type : {"call.outgoing", "call.incoming", "call.state", "call.ended"})
    EXPECT_TRUE(signals.has(type)) << type << "\n" << signals.text();
  EXPECT_EQ(alice.stop(), 0) << alice.logText();
}

TEST(DBus, ASecondPhoneOnTheBusGoesOnWithoutTheName) {
  TempDir dir("dbus2");
  SessionBus bus;
  ASSERT_TRUE(bus.start(dir.path()).ok());
  WispPhone first, second;
  ASSERT_TRUE(first.start(onBus(bus, "first"), dir / "first").ok());
  ASSERT_TRUE(second.start(onBus(bus, "second"), dir / "second").ok());
  EXPECT_TRUE(second.status().ok());
  EXPECT_NE(second.logText().find("org.wisp.Phone belongs to another program"), std::string::npos)
      << second.logText();
  // The name still answers for the first phone.
  auto state = dbusReplyJson(bus.call("State"));
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->find("pid")->asInt(), first.process().pid());
}

TEST(DBus, TheBusGoingAwayIsNotFatal) {
  TempDir dir("dbus4");
  SessionBus bus;
  ASSERT_TRUE(bus.start(dir.path()).ok());
  WispPhone phone;
  ASSERT_TRUE(phone.start(onBus(bus, "phone"), dir / "phone").ok());
  ASSERT_TRUE(dbusReplyJson(bus.call("State")).ok());
  bus.kill();
  EXPECT_TRUE(waitUntil(
      [&] {
        return readFileTail(phone.logPath()).find("D-Bus connection lost") != std::string::npos;
      },
      5s))
      << phone.logText();
  EXPECT_TRUE(phone.status().ok());
  EXPECT_EQ(phone.stop(), 0) << phone.logText();
}

TEST(DBus, AMissingBusIsOneLogLine) {
  TempDir dir("dbus3");
  WispPhone phone;
  WispPhone::Options o;
  o.env = {{"DBUS_SESSION_BUS_ADDRESS", "unix:path=" + (dir / "no-bus").string()}};
  ASSERT_TRUE(phone.start(o, dir / "phone").ok());
  EXPECT_TRUE(phone.status().ok());
  const std::string log = readFileTail(phone.logPath());
  EXPECT_NE(log.find("no D-Bus session bus"), std::string::npos) << log;
  size_t dbusLines = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    dbusLines += line.find(" dbus: ") != std::string::npos;
  EXPECT_EQ(dbusLines, 1u) << log;
}

} // namespace
} // namespace wisp::test
