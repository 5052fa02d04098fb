// One call, watched over every channel at once: `wisp events` (the command line), a
// "subscribe" request on the control socket, D-Bus Event signals and the HTTP event stream
// all deliver the same events, in the same order, with identical JSON.
#include "support/command_channel.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

std::optional<int64_t> callId(const Json &event) {
  const Json *call = event.find("call");
  return call && call->isObject() ? jsonInt(*call, "id") : std::nullopt;
}

// The events about call `id`, in order.
std::vector<Json> eventsOfCall(const std::vector<Json> &events, int64_t id) {
  std::vector<Json> out;
  for (const Json &e : events)
    if (callId(e) == id)
      out.push_back(e);
  return out;
}

bool hasEnded(const std::vector<Json> &events, std::optional<int64_t> id = std::nullopt) {
  for (const Json &e : events)
    if (jsonString(e, "event") == "call.ended" && (!id || callId(e) == id))
      return true;
  return false;
}

std::string types(const std::vector<Json> &events) {
  std::string text;
  for (const Json &e : events) {
    text += (text.empty() ? "" : ", ") + jsonString(e, "event");
    if (jsonString(e, "event") == "call.state")
      text += "(" + jsonString(*e.find("call"), "state") + ")";
  }
  return text;
}

TEST(ChannelEvents, EveryChannelDeliversTheSameEventsForACall) {
  TempDir dir("channel-events");
  std::vector<std::unique_ptr<CommandChannel>> channels;
  for (Channel c : kAllChannels) {
    channels.push_back(std::make_unique<CommandChannel>(c));
    ASSERT_TRUE(channels.back()->prepare(dir.path()).ok());
  }

  // Alice serves all four channels at once: on the bus, with the HTTP API, and the socket.
  WispPhone alice, bob;
  WispPhone::Options a;
  a.name = "alice";
  for (auto &c : channels)
    c->configure(a, false);
  ASSERT_TRUE(alice.start(a, dir / "alice").ok()) << alice.logText();
  WispPhone::Options b;
  b.name = "bob";
  CommandChannel::keepOff(b);
  ASSERT_TRUE(bob.start(b, dir / "bob").ok()) << bob.logText();

  std::vector<std::unique_ptr<EventWatcher>> watchers;
  for (auto &c : channels) {
    auto w = c->watchEvents(alice, dir / ("watch-" + c->name()));
    ASSERT_TRUE(w.ok()) << c->name() << ": " << w.error().message;
    watchers.push_back(std::move(*w));
  }
  // `wisp events` tells no one when its subscription has landed: calls that fail at once
  // (nobody listens on TCP port 9) until every watcher has seen one end.
  ASSERT_TRUE(waitUntil(
      [&] {
        if (!alice.command("dial", "sip:nobody@127.0.0.1:9;transport=tcp").ok())
          return false;
        return waitUntil(
            [&] {
              for (auto &w : watchers)
                if (!hasEnded(w->events()))
                  return false;
              return true;
            },
            500ms);
      },
      10s))
      << alice.logText();
  ASSERT_TRUE(alice.waitForNoCalls(5s)) << alice.logText();

  // The call: out, answered, a digit, hung up.
  ASSERT_TRUE(alice.command("dial", bob.uri("bob")).ok());
  auto calls = alice.calls();
  ASSERT_EQ(calls.size(), 1u) << alice.logText();
  const int64_t id = jsonInt(calls[0], "id").value_or(-1);
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s)) << bob.logText();
  ASSERT_TRUE(bob.command("answer").ok());
  ASSERT_TRUE(alice.waitForCallState("established", 5s)) << alice.logText();
  ASSERT_TRUE(bob.command("dtmf", "7").ok());
  ASSERT_TRUE(waitUntil(
      [&] {
        auto c = alice.calls();
        return !c.empty() && jsonString(c[0], "dtmf_received") == "7";
      },
      5s))
      << alice.logText();
  ASSERT_TRUE(alice.command("hangup").ok());
  ASSERT_TRUE(waitUntil(
      [&] {
        for (auto &w : watchers)
          if (!hasEnded(w->events(), id))
            return false;
        return true;
      },
      5s))
      << alice.logText();

  // The socket's sequence, checked for its shape; then every other channel's against it.
  const std::vector<Json> reference = eventsOfCall(watchers[1]->events(), id);
  ASSERT_GE(reference.size(), 3u) << types(reference);
  EXPECT_EQ(jsonString(reference.front(), "event"), "call.outgoing") << types(reference);
  EXPECT_EQ(jsonString(reference.back(), "event"), "call.ended") << types(reference);
  bool established = false, dtmf = false;
  for (const Json &e : reference) {
    established |= jsonString(e, "event") == "call.state" &&
                   jsonString(*e.find("call"), "state") == "established";
    dtmf |= jsonString(e, "event") == "call.dtmf" && jsonString(e, "digit") == "7";
  }
  EXPECT_TRUE(established) << types(reference);
  EXPECT_TRUE(dtmf) << types(reference);

  for (size_t i = 0; i < channels.size(); ++i) {
    SCOPED_TRACE(channels[i]->name());
    const std::vector<Json> seen = eventsOfCall(watchers[i]->events(), id);
    ASSERT_EQ(seen.size(), reference.size())
        << types(seen) << "\nthe socket: " << types(reference) << "\n"
        << watchers[i]->text();
    for (size_t k = 0; k < seen.size(); ++k)
      EXPECT_EQ(seen[k].dump(), reference[k].dump()) << "event " << k;
  }
  EXPECT_EQ(alice.stop(), 0) << alice.logText();
}

} // namespace
} // namespace wisp::test
