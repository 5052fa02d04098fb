#include "config/ini_edit.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

TEST(IniEdit, ReplacesTheValueAndKeepsEverythingElse) {
  const std::string text = "; my phone\n[Settings]\naccountId=1\n\n[Account1]\n# work\n"
                           "server=pbx\npassword = old ; not a comment\nusername=100\n";
  auto edited = setIniValue(text, "Account1", "password", "n3w");
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited, "; my phone\n[Settings]\naccountId=1\n\n[Account1]\n# work\n"
                     "server=pbx\npassword =n3w\nusername=100\n");
}

TEST(IniEdit, OnlyTheNamedSection) {
  const std::string text = "[Account1]\npassword=a\n[Account2]\npassword=b\n";
  EXPECT_EQ(setIniValue(text, "Account2", "password", "c").value(),
            "[Account1]\npassword=a\n[Account2]\npassword=c\n");
}

TEST(IniEdit, InsertsAfterTheHeaderWhenMissing) {
  EXPECT_EQ(setIniValue("[Account1]\r\nserver=pbx\r\n", "Account1", "password", "x").value(),
            "[Account1]\r\npassword=x\r\nserver=pbx\r\n");
  EXPECT_EQ(setIniValue("[Settings]\n[Account1]", "Account1", "password", "x").value(),
            "[Settings]\n[Account1]\npassword=x\n");
}

TEST(IniEdit, QuotesValuesThatWouldNotReadBack) {
  EXPECT_EQ(setIniValue("[A]\nk=v\n", "A", "k", " spaced ").value(), "[A]\nk=\" spaced \"\n");
  EXPECT_EQ(setIniValue("[A]\nk=v\n", "A", "k", "\"q\"").value(), "[A]\nk=\"\"q\"\"\n");
  EXPECT_EQ(setIniValue("[A]\nk=v\n", "A", "k", "").value(), "[A]\nk=\n");
  EXPECT_EQ(setIniValue("[A]\nk=v\n", "A", "k", "a=b;c#d").value(), "[A]\nk=a=b;c#d\n");
}

TEST(IniEdit, Errors) {
  EXPECT_EQ(setIniValue("[A]\nk=v\n", "B", "k", "x").error().code, "config");
  EXPECT_EQ(setIniValue("[A\nk=v\n", "A", "k", "x").error().code, "config");
  EXPECT_EQ(setIniValue("[A]\nk=v\n", "A", "k", "x\ny=z").error().code, "bad_argument");
}

} // namespace
} // namespace wisp
