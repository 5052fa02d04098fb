// wisp.ini's event hook keys: MicroSIP's cmd* keys in [Settings], the [Hooks] section, and
// their limits; bad commands and unknown events are errors with their line.
#include "config/settings.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

constexpr const char *kPath = "/p/wisp.ini";

Settings loadOk(std::string_view text) {
  auto result = loadSettingsText(text, kPath);
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << formatConfigErrors(*errors);
    return {};
  }
  return std::get<Settings>(std::move(result));
}

ConfigError loadError(std::string_view text) {
  auto result = loadSettingsText(text, kPath);
  auto *errors = std::get_if<std::vector<ConfigError>>(&result);
  if (!errors || errors->size() != 1) {
    ADD_FAILURE() << "expected one error for:\n" << text;
    return {};
  }
  return errors->front();
}

TEST(HookSettings, Defaults) {
  const HookSettings h = loadOk("").hooks;
  EXPECT_EQ(h, HookSettings{});
  EXPECT_EQ(h.timeout, 10);
  EXPECT_EQ(h.maxRunning, 4);
  EXPECT_TRUE(h.cmdCallRing.empty());
  EXPECT_TRUE(h.byEvent.empty());
}

TEST(HookSettings, EveryMicrosipKeyIsRead) {
  const HookSettings h = loadOk("[Settings]\n"
                                "cmdOutgoingCall=/h/out\n"
                                "cmdIncomingCall=/h/in\n"
                                "cmdCallRing=/h/ring\n"
                                "cmdCallAnswer=/h/answer\n"
                                "cmdCallBusy=/h/busy\n"
                                "cmdCallStart=/h/start\n"
                                "cmdCallEnd=/h/end {duration}\n"
                                "hookTimeout=3\n"
                                "hookConcurrency=2\n")
                             .hooks;
  EXPECT_EQ(h.cmdOutgoingCall, "/h/out");
  EXPECT_EQ(h.cmdIncomingCall, "/h/in");
  EXPECT_EQ(h.cmdCallRing, "/h/ring");
  EXPECT_EQ(h.cmdCallAnswer, "/h/answer");
  EXPECT_EQ(h.cmdCallBusy, "/h/busy");
  EXPECT_EQ(h.cmdCallStart, "/h/start");
  EXPECT_EQ(h.cmdCallEnd, "/h/end {duration}");
  EXPECT_EQ(*h.microsipCommand("cmdCallEnd"), "/h/end {duration}");
  EXPECT_EQ(h.microsipCommand("cmdNothing"), nullptr);
  EXPECT_EQ(h.timeout, 3);
  EXPECT_EQ(h.maxRunning, 2);
}

// wisp.ini takes one pair of surrounding quotes off a value; a command line keeps them.
TEST(HookSettings, AQuotedProgramPathKeepsItsQuotes) {
  const HookSettings h = loadOk("[Settings]\n"
                                "cmdCallRing=\"/opt/my hooks/ring.sh\"\n"
                                "cmdCallEnd=\"/opt/my hooks/end.sh\" \"a b\"\n"
                                "[Hooks]\n"
                                "call.dtmf=\"/opt/my hooks/dtmf.sh\"\n")
                             .hooks;
  EXPECT_EQ(h.cmdCallRing, "\"/opt/my hooks/ring.sh\"");
  EXPECT_EQ(h.cmdCallEnd, "\"/opt/my hooks/end.sh\" \"a b\"");
  ASSERT_EQ(h.byEvent.size(), 1u);
  EXPECT_EQ(h.byEvent[0].second, "\"/opt/my hooks/dtmf.sh\"");
}

TEST(HookSettings, HooksSectionMapsEventsToCommands) {
  const HookSettings h = loadOk("[Hooks]\n"
                                "registration=/h/reg {number}\n"
                                "call.dtmf=/h/dtmf\n"
                                "call.media=\n")
                             .hooks;
  EXPECT_EQ(h.byEvent, (std::vector<std::pair<std::string, std::string>>{
                           {"registration", "/h/reg {number}"}, {"call.dtmf", "/h/dtmf"}}));
}

TEST(HookSettings, AnEmptyCommandIsNoHook) {
  EXPECT_EQ(loadOk("[Settings]\ncmdCallRing=\ncmdCallEnd=\"\"\n").hooks, HookSettings{});
}

TEST(HookSettings, BadCommandsAreErrorsOnTheirLine) {
  ConfigError e = loadError("[Settings]\nsourcePort=0\ncmdCallRing=/x \"unclosed\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.key, "cmdCallRing");
  EXPECT_EQ(e.message, "unterminated \" quote");

  e = loadError("[Hooks]\ncall.ended=/x {nuber}\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.section, "Hooks");
  EXPECT_EQ(e.key, "call.ended");
  EXPECT_NE(e.message.find("unknown placeholder {nuber}"), std::string::npos) << e.message;
}

TEST(HookSettings, UnknownEventsAreErrors) {
  ConfigError e = loadError("[Hooks]\ncall.incomming=/x\n");
  EXPECT_EQ(e.toString(),
            "/p/wisp.ini:2: [Hooks] call.incomming: unknown event \"call.incomming\"; did you "
            "mean \"call.incoming\"?");
  e = loadError("[Hooks]\nsomething=/x\n");
  EXPECT_NE(e.message.find("the events are call.incoming call.outgoing"), std::string::npos)
      << e.message;
  // A MicroSIP key belongs in [Settings].
  e = loadError("[Hooks]\ncmdCallEnd=/x\n");
  EXPECT_EQ(e.key, "cmdCallEnd");
  EXPECT_EQ(e.message, "unknown event \"cmdCallEnd\"; it belongs in [Settings]");
}

TEST(HookSettings, LimitsAreChecked) {
  EXPECT_EQ(loadError("[Settings]\nhookTimeout=0\n").key, "hookTimeout");
  EXPECT_EQ(loadError("[Settings]\nhookTimeout=3601\n").key, "hookTimeout");
  EXPECT_EQ(loadError("[Settings]\nhookConcurrency=0\n").key, "hookConcurrency");
  EXPECT_EQ(loadError("[Settings]\nhookConcurrency=65\n").key, "hookConcurrency");
  EXPECT_EQ(loadOk("[Settings]\nhookConcurrency=64\nhookTimeout=3600\n").hooks.maxRunning, 64);
}

TEST(HookSettings, AChangedHookIsAChange) {
  Settings a = loadOk("[Settings]\ncmdCallEnd=/x\n");
  Settings b = loadOk("[Settings]\ncmdCallEnd=/y\n");
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(loadOk("[Hooks]\ncall.dtmf=/x\n") == Settings{});
}

} // namespace
} // namespace wisp
