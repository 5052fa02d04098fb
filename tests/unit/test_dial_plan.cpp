#include "control/dial_plan.h"

#include <gtest/gtest.h>

#include <random>

namespace wisp {
namespace {

std::string applied(std::string_view plan, std::string_view number) {
  auto parsed = DialPlan::parse(plan);
  EXPECT_TRUE(parsed.ok()) << plan << ": " << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed)
    return "<parse error>";
  auto out = parsed->apply(number);
  return out ? *out : "<" + out.error().code + ">";
}

TEST(DialPlan, AnyCharacterAndRepetition) {
  EXPECT_EQ(applied("xxx", "123"), "123");
  EXPECT_EQ(applied("xxx", "12"), "<dial_plan>");
  EXPECT_EQ(applied("xxx", "1234"), "<dial_plan>");
  EXPECT_EQ(applied("x.", ""), "");
  EXPECT_EQ(applied("x.", "alice"), "alice");
  EXPECT_EQ(applied("0x.", "0049"), "0049");
  EXPECT_EQ(applied("0x.", "49"), "<dial_plan>");
  EXPECT_EQ(applied("1X.", "1abc"), "1abc");
}

TEST(DialPlan, SetsAndRanges) {
  EXPECT_EQ(applied("[2-9]xx", "511"), "511");
  EXPECT_EQ(applied("[2-9]xx", "111"), "<dial_plan>");
  EXPECT_EQ(applied("[3469]11", "911"), "911");
  EXPECT_EQ(applied("[3469]11", "511"), "<dial_plan>");
  EXPECT_EQ(applied("[^0]x.", "123"), "123");
  EXPECT_EQ(applied("[^0]x.", "0123"), "<dial_plan>");
  EXPECT_EQ(applied("[0-9].", "0123"), "0123");
  EXPECT_EQ(applied("[0-9].", "01a3"), "<dial_plan>");
}

TEST(DialPlan, Replacements) {
  EXPECT_EQ(applied("<00:+>x.", "004930123"), "+4930123");
  EXPECT_EQ(applied("<:+>x.", "4930123"), "+4930123");
  EXPECT_EQ(applied("<+:00>x.", "+4930123"), "004930123");
  EXPECT_EQ(applied("<0:+49>[1-9]x.", "30123"), "<dial_plan>");
  EXPECT_EQ(applied("<0:+49>[1-9]x.", "030123"), "+4930123");
  EXPECT_EQ(applied("9<xxx:>xxxx", "95551234"), "91234"); // a group may be deleted
  EXPECT_EQ(applied("<8:+7>xxxxxxxxxx", "89161234567"), "+79161234567");
  EXPECT_EQ(applied("1<x.:>", "1234"), "1");
  // Two groups.
  EXPECT_EQ(applied("<0:+49><30:30->xxx", "030123"), "+4930-123");
}

TEST(DialPlan, PlainTextInAngleBrackets) {
  EXPECT_EQ(applied("<12>x", "123"), "123");
  EXPECT_EQ(applied("<12>x", "223"), "<dial_plan>");
}

TEST(DialPlan, FirstMatchingRuleWins) {
  const std::string plan = "(<00:+>x. | <0:+4930>[1-9]xxxx | [1-9]xx | *xx)";
  EXPECT_EQ(applied(plan, "0033123"), "+33123");
  EXPECT_EQ(applied(plan, "012345"), "+493012345");
  EXPECT_EQ(applied(plan, "112"), "112");
  EXPECT_EQ(applied(plan, "*97"), "*97");
  EXPECT_EQ(applied(plan, "1234"), "<dial_plan>");
  EXPECT_EQ(applied("||xx||", "12"), "12");
}

TEST(DialPlan, MalformedPlansAreConfigErrors) {
  for (const char *bad : {"", "()", " | ", "<00:+x.", "00>x", "[0-9x", ".x", "x..", "<<1:2>>",
                          "[]x", "[9-0]", "<1:2>."}) {
    auto plan = DialPlan::parse(bad);
    ASSERT_FALSE(plan.ok()) << bad;
    EXPECT_EQ(plan.error().code, "config") << bad;
    EXPECT_FALSE(plan.error().message.empty());
  }
}

TEST(DialingRules, PrefixFirstThenPlanLikeMicroSip) {
  // dialingPrefix: numbers longer than 3 characters, a leading '+' dropped.
  EXPECT_EQ(applyDialingRules("301234", "0049", "").value(), "0049301234");
  EXPECT_EQ(applyDialingRules("+4930", "00", "").value(), "004930");
  EXPECT_EQ(applyDialingRules("112", "0", "").value(), "112");
  EXPECT_EQ(applyDialingRules("alice", "0", "").value(), "alice");
  // The plan sees the prefixed number.
  EXPECT_EQ(applyDialingRules("4930123", "00", "<00:+>x.").value(), "+4930123");
  EXPECT_EQ(applyDialingRules("112", "00", "<00:+>x.|xxx").value(), "112");
  EXPECT_EQ(applyDialingRules("alice", "", "[0-9]x.").error().code, "dial_plan");
  EXPECT_EQ(applyDialingRules("1", "", "<1").error().code, "config");
  EXPECT_EQ(applyDialingRules("1234", "", " ( ) ").value(), "1234"); // an empty plan
}

// Hostile plans and numbers end in bounded time with an answer, never a crash.
TEST(DialPlan, RandomInputIsHandled) {
  std::mt19937 rng(7);
  const std::string alphabet = "x.X[]^-<>:|()0123456789+*#a ";
  for (int round = 0; round < 3000; ++round) {
    std::string plan, number;
    for (int i = rng() % 24; i > 0; --i)
      plan += alphabet[rng() % alphabet.size()];
    for (int i = rng() % 30; i > 0; --i)
      number += "0123456789+*a"[rng() % 13];
    auto result = applyDialingRules(number, round % 2 ? "00" : "", plan);
    if (!result) {
      EXPECT_TRUE(result.error().code == "config" || result.error().code == "dial_plan")
          << result.error().code;
    }
  }
  auto slow = DialPlan::parse("x.x.x.x.x.x.x.x.x.x.x.x.1");
  ASSERT_TRUE(slow.ok());
  EXPECT_FALSE(slow->apply(std::string(40, '0')).ok());
}

} // namespace
} // namespace wisp
