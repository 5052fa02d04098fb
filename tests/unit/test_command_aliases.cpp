#include "control/command_aliases.h"

#include "util/text.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wisp {
namespace {

// The help text shows each usage without its "wisp ", and the finders compare lower case.
TEST(CommandAliases, TablesAreLowerCaseUniqueAndShowTheirOwnWord) {
  std::set<std::string_view> seen;
  for (auto table : {slashAliases(), msipAliases(), nativeAliases()}) {
    ASSERT_FALSE(table.empty());
    for (const CommandAlias &alias : table) {
      SCOPED_TRACE(std::string(alias.word));
      EXPECT_EQ(toLowerAscii(alias.word), alias.word);
      EXPECT_TRUE(seen.insert(alias.word).second) << "listed twice";
      EXPECT_TRUE(alias.usage.starts_with("wisp " + std::string(alias.word))) << alias.usage;
      EXPECT_NE(commandName(alias.kind), alias.word) << "a synonym of itself";
    }
  }
  EXPECT_EQ(aliasWords(msipAliases()).size(), msipAliases().size());
  EXPECT_EQ(aliasWords(slashAliases()).front(), slashAliases().front().word);
}

// "kind" or "kind:value" for a match, "none" when nothing matched.
std::string describe(const AliasMatch &match) {
  if (match.alias == nullptr) {
    return "none";
  }
  std::string text(commandName(match.alias->kind));
  return match.value ? text + ":" + std::string(*match.value) : text;
}

TEST(CommandAliases, SlashFormsIgnoreCaseAndSplitTheValueOff) {
  EXPECT_EQ(describe(findSlashAlias("/DTMF:12#")), "dtmf:12#");
  EXPECT_EQ(describe(findSlashAlias("/Answer")), "answer");
  // Present but empty: the parser then says that /answer takes no value.
  EXPECT_EQ(describe(findSlashAlias("/answer:")), "answer:");
  EXPECT_EQ(describe(findSlashAlias("/account:Work:2")), "account:Work:2");
  EXPECT_EQ(describe(findSlashAlias("/answerr")), "none");
  EXPECT_EQ(describe(findSlashAlias("answer")), "none");
}

TEST(CommandAliases, MsipFormsIgnoreCaseAndKeepTheTargetAsTyped) {
  EXPECT_EQ(describe(findMsipAlias("MSIP:Transfer_Bob@Example.com")), "transfer:Bob@Example.com");
  EXPECT_EQ(describe(findMsipAlias("msip:MicMuteClick")), "mute-toggle");
  EXPECT_EQ(describe(findMsipAlias("msip:hold")), "hold-toggle");
  // Forms without a value match whole: "msip:micmute" must not take "msip:micmutex".
  EXPECT_EQ(describe(findMsipAlias("msip:micmutex")), "none");
  EXPECT_EQ(describe(findMsipAlias("msip:")), "none");
}

TEST(CommandAliases, NativeSpellingsMatchExactly) {
  const CommandAlias *help = findNativeAlias("--help");
  ASSERT_NE(help, nullptr);
  EXPECT_EQ(help->kind, CommandKind::Help);
  ASSERT_NE(findNativeAlias("-h"), nullptr);
  EXPECT_EQ(findNativeAlias("--HELP"), nullptr);
  EXPECT_EQ(findNativeAlias("-help"), nullptr);
}

} // namespace
} // namespace wisp
