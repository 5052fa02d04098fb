// Which hooks an event fires (MicroSIP's semantics) and what the hook is told about it.
#include "control/hook_events.h"

#include <gtest/gtest.h>

#include <map>

namespace wisp {
namespace {

using Keys = std::vector<std::string_view>;

Json callEvent(std::string type, std::string direction, std::string state) {
  Json call = Json::object()
                  .set("id", 7)
                  .set("direction", direction)
                  .set("state", state)
                  .set("remote", "sip:1001@pbx.example.com")
                  .set("remote_name", "Alice \"A\" Smith")
                  .set("remote_number", "1001")
                  .set("duration", 12.9)
                  .set("account", 2);
  return Json::object().set("event", type).set("time", int64_t(1700000000000)).set("call", call);
}

Json ended(int code, std::string reason) {
  Json e = callEvent("call.ended", "outgoing", "ended");
  e.set("sip_code", code).set("reason", reason);
  return e;
}

std::map<std::string, std::string> envOf(const HookContext &ctx) {
  return {ctx.env.begin(), ctx.env.end()};
}

TEST(HookEvents, MicrosipKeysFollowTheCall) {
  EXPECT_EQ(microsipHooksFiredBy(callEvent("call.outgoing", "outgoing", "calling"), true),
            (Keys{"cmdOutgoingCall"}));
  EXPECT_EQ(microsipHooksFiredBy(callEvent("call.incoming", "incoming", "ringing"), true),
            (Keys{"cmdIncomingCall", "cmdCallRing"}));
  EXPECT_EQ(microsipHooksFiredBy(callEvent("call.state", "incoming", "established"), true),
            (Keys{"cmdCallAnswer", "cmdCallStart"}));
  EXPECT_EQ(microsipHooksFiredBy(callEvent("call.state", "outgoing", "established"), true),
            (Keys{"cmdCallStart"}));
  EXPECT_EQ(microsipHooksFiredBy(ended(0, "remote hung up"), true), (Keys{"cmdCallEnd"}));
  EXPECT_EQ(microsipHooksFiredBy(ended(487, "Request Terminated"), true), (Keys{"cmdCallEnd"}));
  for (int busy : {486, 600, 603})
    EXPECT_EQ(microsipHooksFiredBy(ended(busy, "Busy"), true), (Keys{"cmdCallBusy"})) << busy;
}

TEST(HookEvents, AnIncomingCallAnsweredAtOnceDoesNotRing) {
  EXPECT_EQ(microsipHooksFiredBy(callEvent("call.incoming", "incoming", "ringing"), false),
            (Keys{"cmdIncomingCall"}));
}

TEST(HookEvents, OtherEventsFireNoMicrosipKey) {
  EXPECT_TRUE(microsipHooksFiredBy(callEvent("call.state", "outgoing", "ringing"), true).empty());
  EXPECT_TRUE(
      microsipHooksFiredBy(callEvent("call.media", "outgoing", "established"), true).empty());
  EXPECT_TRUE(
      microsipHooksFiredBy(callEvent("call.dtmf", "incoming", "established"), true).empty());
  EXPECT_TRUE(microsipHooksFiredBy(Json::object().set("event", "registration"), true).empty());
  EXPECT_TRUE(microsipHooksFiredBy(Json(), true).empty());
  EXPECT_TRUE(microsipHooksFiredBy(Json::object().set("event", 5).set("call", "x"), true).empty());
}

TEST(HookEvents, EveryMicrosipKeyIsListed) {
  EXPECT_EQ(microsipHookKeys().size(), 7u);
}

TEST(HookEvents, ACallEventTellsEverything) {
  const Json event = ended(486, "Busy Here");
  const HookContext ctx = hookContextOf(event, "cmdCallBusy");
  const auto env = envOf(ctx);
  EXPECT_EQ(env.size(), 12u);
  EXPECT_EQ(env.at("WISP_EVENT"), "call.ended");
  EXPECT_EQ(env.at("WISP_HOOK"), "cmdCallBusy");
  EXPECT_EQ(env.at("WISP_CALL_ID"), "7");
  EXPECT_EQ(env.at("WISP_DIRECTION"), "outgoing");
  EXPECT_EQ(env.at("WISP_REMOTE_URI"), "sip:1001@pbx.example.com");
  EXPECT_EQ(env.at("WISP_REMOTE_NUMBER"), "1001");
  EXPECT_EQ(env.at("WISP_DISPLAY_NAME"), "Alice \"A\" Smith");
  EXPECT_EQ(env.at("WISP_ACCOUNT"), "2");
  EXPECT_EQ(env.at("WISP_SIP_CODE"), "486");
  EXPECT_EQ(env.at("WISP_REASON"), "Busy Here");
  EXPECT_EQ(env.at("WISP_DURATION"), "12"); // whole seconds
  EXPECT_EQ(env.at("WISP_EVENT_JSON"), event.dump());
  EXPECT_EQ(ctx.number, "1001");
  EXPECT_EQ(ctx.placeholders, (HookValues{{"number", "1001"},
                                          {"name", "Alice \"A\" Smith"},
                                          {"callid", "7"},
                                          {"direction", "outgoing"},
                                          {"duration", "12"}}));
}

TEST(HookEvents, AnEventWithoutACallLeavesTheCallVariablesEmpty) {
  const Json event = Json::object()
                         .set("event", "registration")
                         .set("account", 1)
                         .set("registration", "failed")
                         .set("reason", "Forbidden")
                         .set("sip_code", 403);
  const auto env = envOf(hookContextOf(event, "registration"));
  EXPECT_EQ(env.at("WISP_EVENT"), "registration");
  EXPECT_EQ(env.at("WISP_ACCOUNT"), "1");
  EXPECT_EQ(env.at("WISP_SIP_CODE"), "403");
  EXPECT_EQ(env.at("WISP_REASON"), "Forbidden");
  for (const char *empty : {"WISP_CALL_ID", "WISP_DIRECTION", "WISP_REMOTE_URI",
                            "WISP_REMOTE_NUMBER", "WISP_DISPLAY_NAME", "WISP_DURATION"})
    EXPECT_EQ(env.at(empty), "") << empty;
}

TEST(HookEvents, ACallStillUnderWayHasNoSipCode) {
  const auto env = envOf(hookContextOf(callEvent("call.incoming", "incoming", "ringing"), "x"));
  EXPECT_EQ(env.at("WISP_SIP_CODE"), "");
  EXPECT_EQ(env.at("WISP_REASON"), "");
  EXPECT_EQ(env.at("WISP_DIRECTION"), "incoming");
}

} // namespace
} // namespace wisp
