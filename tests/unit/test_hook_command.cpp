// Hook command lines: split into words without a shell, placeholders filled in per word.
#include "control/hook_command.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

using Words = std::vector<std::string>;

Words words(std::string_view text) {
  auto command = parseHookCommand(text);
  if (!command) {
    ADD_FAILURE() << "\"" << text << "\": " << command.error().message;
    return {};
  }
  return command->words;
}

std::string errorOf(std::string_view text) {
  auto command = parseHookCommand(text);
  if (command) {
    ADD_FAILURE() << "\"" << text << "\" parsed";
    return {};
  }
  return command.error().message;
}

TEST(HookCommand, SplitsOnBlanks) {
  EXPECT_EQ(words("/usr/bin/notify-send  Call\t now "),
            (Words{"/usr/bin/notify-send", "Call", "now"}));
  EXPECT_EQ(words("x"), (Words{"x"}));
}

TEST(HookCommand, AQuotedProgramPathKeepsItsSpaces) {
  EXPECT_EQ(words("\"/opt/my hooks/ring.sh\" --loud"), (Words{"/opt/my hooks/ring.sh", "--loud"}));
  EXPECT_EQ(words("'/opt/my hooks/ring.sh'"), (Words{"/opt/my hooks/ring.sh"}));
}

TEST(HookCommand, QuotesJoinWithTheTextAroundThem) {
  EXPECT_EQ(words("--name=\"A B\"c 'x y'z"), (Words{"--name=A Bc", "x yz"}));
  EXPECT_EQ(words("a \"\" ''"), (Words{"a", "", ""}));
}

TEST(HookCommand, EscapesInsideDoubleQuotesAreOnlyQuoteAndBackslash) {
  EXPECT_EQ(words(R"(p "say \"hi\"" "C:\dir\x" "a\\b")"),
            (Words{"p", "say \"hi\"", "C:\\dir\\x", "a\\b"}));
}

TEST(HookCommand, SingleQuotesAreLiteral) {
  EXPECT_EQ(words(R"(p 'a\b "c"')"), (Words{"p", "a\\b \"c\""}));
}

TEST(HookCommand, ABackslashOutsideQuotesKeepsTheNextCharacter) {
  EXPECT_EQ(words(R"(/my\ dir/x.sh a\"b)"), (Words{"/my dir/x.sh", "a\"b"}));
}

TEST(HookCommand, ShellSyntaxIsJustText) {
  EXPECT_EQ(words("echo $HOME; rm -rf / | cat > f &"),
            (Words{"echo", "$HOME;", "rm", "-rf", "/", "|", "cat", ">", "f", "&"}));
}

TEST(HookCommand, Errors) {
  EXPECT_EQ(errorOf(""), "empty command");
  EXPECT_EQ(errorOf("  \t "), "empty command");
  EXPECT_EQ(errorOf("\"/opt/x.sh"), "unterminated \" quote");
  EXPECT_EQ(errorOf("x 'abc"), "unterminated ' quote");
  EXPECT_NE(errorOf("x abc\\").find("backslash"), std::string::npos);
  EXPECT_EQ(errorOf("\"\" arg"), "the program name is empty");
  const std::string unknown = errorOf("x {numbr}");
  EXPECT_NE(unknown.find("unknown placeholder {numbr}"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("{number}"), std::string::npos) << unknown;
}

TEST(HookCommand, BracesThatAreNotPlaceholdersAreText) {
  EXPECT_EQ(words(R"(x '{"a": 1}' {} {A} {1} {number)"),
            (Words{"x", "{\"a\": 1}", "{}", "{A}", "{1}", "{number"}));
}

TEST(HookCommand, EveryDocumentedPlaceholderIsKnown) {
  for (std::string_view p : hookPlaceholders())
    EXPECT_TRUE(parseHookCommand("x {" + std::string(p) + "}").ok()) << p;
  EXPECT_EQ(hookPlaceholders().size(), 5u);
}

TEST(HookCommand, PlaceholdersAreFilledInWithinEachWord) {
  auto command = parseHookCommand("/bin/log \"{name} <{number}>\" --call={callid} {direction} "
                                  "{duration}s '{number}'");
  ASSERT_TRUE(command.ok());
  const HookValues values{{"number", "1001"},
                          {"name", "Alice \"A\" Smith; rm -rf /"},
                          {"callid", "7"},
                          {"direction", "incoming"},
                          {"duration", "42"}};
  EXPECT_EQ(expandHookCommand(*command, values),
            (Words{"/bin/log", "Alice \"A\" Smith; rm -rf / <1001>", "--call=7", "incoming", "42s",
                   "1001"}));
}

TEST(HookCommand, AValueIsNotExpandedAgain) {
  auto command = parseHookCommand("x {name}{number}");
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(expandHookCommand(*command, {{"name", "{number}"}, {"number", "5"}}),
            (Words{"x", "{number}5"}));
}

TEST(HookCommand, AMissingValueIsEmpty) {
  auto command = parseHookCommand("x {name} a{duration}b");
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(expandHookCommand(*command, {}), (Words{"x", "", "ab"}));
}

TEST(HookCommand, APlaceholderMayNotBeInAProgramText) {
  // What a caller sends would be run as code: `From: "$(touch /tmp/x)" <sip:...>`.
  for (const char *text :
       {"/bin/sh -c 'notify-send \"Call from {name}\"'", "bash -lc 'echo {number}'",
        "env LANG=C sh -c 'x {number}'", "python3 -c 'print(\"{name}\")'",
        "/usr/bin/perl -e 'print \"{number}\"'"}) {
    auto command = parseHookCommand(text);
    ASSERT_FALSE(command.ok()) << text;
    EXPECT_NE(command.error().message.find("WISP_DISPLAY_NAME"), std::string::npos)
        << command.error().message;
  }
  // As arguments of the script, or for programs that take no program text, they are safe.
  for (const char *text :
       {"sh -c 'notify-send \"$1\"' sh {name}", "/bin/notify {name}",
        "sh /home/me/on-call.sh {number}", "bash -c 'echo \"$WISP_REMOTE_NUMBER\"'"})
    EXPECT_TRUE(parseHookCommand(text).ok()) << text;
}

} // namespace
} // namespace wisp
