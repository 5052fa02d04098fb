#include "config/ini.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace wisp {
namespace {

using namespace std::string_view_literals;

IniDocument parseOk(std::string_view text) {
  auto result = parseIni(text, "test.ini");
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << "unexpected errors:\n" << formatConfigErrors(*errors);
    return {};
  }
  return std::get<IniDocument>(std::move(result));
}

std::vector<ConfigError> parseErrors(std::string_view text) {
  auto result = parseIni(text, "test.ini");
  if (std::holds_alternative<IniDocument>(result)) {
    ADD_FAILURE() << "expected errors for:\n" << text;
    return {};
  }
  return std::get<std::vector<ConfigError>>(std::move(result));
}

std::string valueOf(const IniDocument &doc, std::string_view section, std::string_view key) {
  const IniEntry *e = doc.find(section, key);
  EXPECT_NE(e, nullptr) << "[" << section << "] " << key;
  return e ? e->value : "<missing>";
}

TEST(Ini, ParsesSectionsKeysAndLines) {
  IniDocument doc = parseOk("[Settings]\n"
                            "sourcePort=5060\n"
                            "\n"
                            "[Account1]\n"
                            "server=sip.example.com\n");
  EXPECT_EQ(doc.path, "test.ini");
  ASSERT_EQ(doc.entries.size(), 2u);
  EXPECT_EQ(doc.entries[0], (IniEntry{"Settings", "sourcePort", "5060", 2}));
  EXPECT_EQ(doc.entries[1], (IniEntry{"Account1", "server", "sip.example.com", 5}));
  ASSERT_EQ(doc.sections.size(), 2u);
  EXPECT_EQ(doc.sections[0], (IniSection{"Settings", 1}));
  EXPECT_EQ(doc.sections[1], (IniSection{"Account1", 4}));
}

TEST(Ini, TrimsAroundKeysAndValuesButKeepsInnerText) {
  IniDocument doc = parseOk("  [ S ]  \n"
                            "\tkey one  =  a value = with equals \t\n"
                            "empty=\n"
                            "spaces=   \n");
  EXPECT_EQ(valueOf(doc, "S", "key one"), "a value = with equals");
  EXPECT_EQ(valueOf(doc, "S", "empty"), "");
  EXPECT_EQ(valueOf(doc, "S", "spaces"), "");
}

TEST(Ini, QuotesKeepEdgeSpacesAndOnlyOnePairIsRemoved) {
  IniDocument doc = parseOk("[S]\n"
                            "a=\"  padded  \"\n"
                            "b=\"\"\n"
                            "c=\"\"quoted\"\"\n"
                            "d=\"half\n"
                            "e=in \"the\" middle\n"
                            "f=\"\n");
  EXPECT_EQ(valueOf(doc, "S", "a"), "  padded  ");
  EXPECT_EQ(valueOf(doc, "S", "b"), "");
  EXPECT_EQ(valueOf(doc, "S", "c"), "\"quoted\"");
  EXPECT_EQ(valueOf(doc, "S", "d"), "\"half");
  EXPECT_EQ(valueOf(doc, "S", "e"), "in \"the\" middle");
  EXPECT_EQ(valueOf(doc, "S", "f"), "\"");
}

TEST(Ini, CommentsAreWholeLinesOnly) {
  IniDocument doc = parseOk("; comment\n"
                            "# another\n"
                            "   ; indented comment\n"
                            "[S]\n"
                            "password=se;cret#1 ; not a comment\n"
                            ";key=commented out\n");
  ASSERT_EQ(doc.entries.size(), 1u);
  EXPECT_EQ(valueOf(doc, "S", "password"), "se;cret#1 ; not a comment");
  EXPECT_EQ(doc.find("S", "key"), nullptr);
}

TEST(Ini, AcceptsCrlfBomAndMissingFinalNewline) {
  IniDocument doc = parseOk("\xEF\xBB\xBF[S]\r\nkey = value \r\n\r\nlast=1");
  EXPECT_EQ(valueOf(doc, "S", "key"), "value");
  EXPECT_EQ(valueOf(doc, "S", "last"), "1");
  ASSERT_NE(doc.find("S", "last"), nullptr);
  EXPECT_EQ(doc.find("S", "last")->line, 4);
  EXPECT_EQ(doc.sections.at(0).name, "S");
}

TEST(Ini, EmptyTextIsAnEmptyDocument) {
  IniDocument doc = parseOk("");
  EXPECT_TRUE(doc.entries.empty());
  EXPECT_TRUE(doc.sections.empty());
}

TEST(Ini, ReopenedSectionMergesAndKeepsFirstLine) {
  IniDocument doc = parseOk("[A]\nx=1\n[B]\ny=2\n[A]\nz=3\n");
  ASSERT_EQ(doc.sections.size(), 2u);
  EXPECT_EQ(doc.findSection("A")->line, 1);
  auto inA = doc.entriesIn("A");
  ASSERT_EQ(inA.size(), 2u);
  EXPECT_EQ(inA[0]->key, "x");
  EXPECT_EQ(inA[1]->key, "z");
  EXPECT_EQ(doc.findSection("C"), nullptr);
}

TEST(Ini, SectionAndKeyNamesAreCaseSensitive) {
  IniDocument doc = parseOk("[S]\nKey=1\nkey=2\n[s]\nkey=3\n");
  EXPECT_EQ(valueOf(doc, "S", "Key"), "1");
  EXPECT_EQ(valueOf(doc, "S", "key"), "2");
  EXPECT_EQ(valueOf(doc, "s", "key"), "3");
}

struct BadLine {
  std::string text;
  int line;
  std::string section;
  std::string key;
  std::string messagePart;
};

// Shown in test names and failure messages instead of the object's bytes.
void PrintTo(const BadLine &bad, std::ostream *os) {
  *os << "line " << bad.line << ": " << bad.messagePart;
}

class IniSyntaxError : public testing::TestWithParam<BadLine> {};

TEST_P(IniSyntaxError, NamesLineSectionAndKey) {
  const BadLine &bad = GetParam();
  std::vector<ConfigError> errors = parseErrors(bad.text);
  ASSERT_EQ(errors.size(), 1u) << formatConfigErrors(errors);
  EXPECT_EQ(errors[0].file, "test.ini");
  EXPECT_EQ(errors[0].line, bad.line);
  EXPECT_EQ(errors[0].section, bad.section);
  EXPECT_EQ(errors[0].key, bad.key);
  EXPECT_NE(errors[0].message.find(bad.messagePart), std::string::npos) << errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Ini, IniSyntaxError,
    testing::Values(BadLine{"; top\nkey=1\n", 2, "", "key", "outside any section"},
                    BadLine{"[S]\njust words\n", 2, "S", "", "expected key=value"},
                    BadLine{"[S]\nx=1\n[Unterminated\ny=2\n", 3, "", "", "missing \"]\""},
                    BadLine{"[S]\n = value\n", 2, "S", "", "empty key"},
                    BadLine{"[S]\na=1\n\na = 2\n", 4, "S", "a", "first set at line 2"},
                    BadLine{"[S]\na=1\n[T]\n[S]\na=2\n", 5, "S", "a", "first set at line 2"},
                    BadLine{"[S] ; comment\n", 1, "", "", "unexpected text"},
                    BadLine{"[]\n", 1, "", "", "empty section name"},
                    BadLine{"[  ]\n", 1, "", "", "empty section name"},
                    BadLine{"[a[b]\n", 1, "", "", "contains \"[\""},
                    BadLine{"[S]\nname=a\rb\n", 2, "S", "", "control character 0x0D"},
                    BadLine{"[S]\nname=a\x01"
                            "b\n",
                            2, "S", "", "control character 0x01"},
                    BadLine{std::string("[S]\nname=a\0b\n"sv), 2, "S", "", "0x00"}));

TEST(Ini, KeysUnderABrokenHeaderAreNotBlamedOnTheSectionAbove) {
  // One error for the header, none for its keys, and the keys do not land in [S].
  auto out = parseIniLenient("[S]\nok=1\n[Broken\nok=2\nother=3\n", "f");
  ASSERT_EQ(out.errors.size(), 1u) << formatConfigErrors(out.errors);
  EXPECT_EQ(out.errors[0].line, 3);
  ASSERT_EQ(out.document.entries.size(), 1u);
  EXPECT_EQ(out.document.entries[0].value, "1");
}

TEST(Ini, ReportsEveryErrorInLineOrder) {
  std::vector<ConfigError> errors = parseErrors("orphan=1\n"
                                                "[S]\n"
                                                "no equals here\n"
                                                "a=1\n"
                                                "a=2\n"
                                                "[oops\n");
  ASSERT_EQ(errors.size(), 4u) << formatConfigErrors(errors);
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_EQ(errors[1].line, 3);
  EXPECT_EQ(errors[2].line, 5);
  EXPECT_EQ(errors[3].line, 6);
}

TEST(Ini, LenientParseKeepsGoodEntriesBesideErrors) {
  auto out = parseIniLenient("[S]\ngood=1\nbad line\nalso=2\n", "f");
  EXPECT_EQ(out.errors.size(), 1u);
  ASSERT_EQ(out.document.entries.size(), 2u);
  EXPECT_EQ(out.document.entries[1].key, "also");
}

TEST(Ini, ErrorLineOfAPasswordWithoutEqualsDoesNotEchoIt) {
  std::vector<ConfigError> errors = parseErrors("[S]\nhunter2secret\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].toString().find("hunter2secret"), std::string::npos);
}

TEST(ConfigErrorFormat, LeavesOutEmptyParts) {
  EXPECT_EQ((ConfigError{"/p/wisp.ini", 12, "Settings", "rtpPortMin", "bad"}).toString(),
            "/p/wisp.ini:12: [Settings] rtpPortMin: bad");
  EXPECT_EQ((ConfigError{"/p/wisp.ini", 3, "", "", "syntax"}).toString(), "/p/wisp.ini:3: syntax");
  EXPECT_EQ((ConfigError{"/p/wisp.ini", 3, "Foo", "", "unknown section"}).toString(),
            "/p/wisp.ini:3: [Foo] unknown section");
  EXPECT_EQ((ConfigError{"/p/wisp.ini", 0, "", "", "cannot read"}).toString(),
            "/p/wisp.ini: cannot read");
  EXPECT_EQ((ConfigError{"", 0, "", "", "plain"}).toString(), "plain");
  EXPECT_EQ((ConfigError{"", 7, "", "k", "m"}).toString(), "line 7: k: m");
  EXPECT_EQ(
      formatConfigErrors({ConfigError{"f", 1, "", "", "a"}, ConfigError{"f", 2, "", "", "b"}}),
      "f:1: a\nf:2: b\n");
}

// ---- Robustness: the parser sees whatever a user (or a fuzzer) puts in the file ----

int lineCount(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
}

void checkInvariants(std::string_view text) {
  IniParseOutput out = parseIniLenient(text, "fuzz.ini");
  const int lines = lineCount(text);
  for (const ConfigError &e : out.errors) {
    EXPECT_GE(e.line, 1);
    EXPECT_LE(e.line, lines);
    EXPECT_FALSE(e.message.empty());
  }
  for (const IniEntry &e : out.document.entries) {
    EXPECT_FALSE(e.key.empty());
    EXPECT_FALSE(e.section.empty());
    EXPECT_GE(e.line, 1);
    EXPECT_LE(e.line, lines);
    EXPECT_NE(out.document.findSection(e.section), nullptr);
    for (char c : e.key + e.value)
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\t');
  }
  for (const IniSection &s : out.document.sections)
    EXPECT_FALSE(s.name.empty());
  // The strict parser agrees with the lenient one.
  auto strict = parseIni(text, "fuzz.ini");
  EXPECT_EQ(std::holds_alternative<IniDocument>(strict), out.errors.empty());
}

TEST(IniRobustness, RandomBytesNeverCrashAndKeepInvariants) {
  std::mt19937 rng(20240611);
  // Half of the bytes from the characters the grammar cares about, so that random input
  // reaches deep into the parser instead of failing on the first character.
  const std::string syntax = "[]=;#\"\r\n \tab";
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> pick(0, syntax.size() - 1);
  std::bernoulli_distribution fromSyntax(0.5);
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    int n = length(rng);
    for (int j = 0; j < n; ++j)
      text += fromSyntax(rng) ? syntax[pick(rng)] : static_cast<char>(byte(rng));
    checkInvariants(text);
    if (HasFailure()) {
      ADD_FAILURE() << "input #" << i;
      return;
    }
  }
}

TEST(IniRobustness, MutatedValidFilesNeverCrash) {
  const std::string base = "\xEF\xBB\xBF; c\r\n[Settings]\r\nsourcePort=5060\r\n"
                           "[Account1]\nserver = \"sip.example.com\"\npassword=a;b\n";
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> edits(1, 8);
  for (int i = 0; i < 3000; ++i) {
    std::string text = base;
    for (int e = edits(rng); e > 0 && !text.empty(); --e) {
      size_t pos = std::uniform_int_distribution<size_t>(0, text.size() - 1)(rng);
      switch (byte(rng) % 3) {
      case 0:
        text[pos] = static_cast<char>(byte(rng));
        break;
      case 1:
        text.erase(pos, 1);
        break;
      default:
        text.insert(pos, 1, static_cast<char>(byte(rng)));
      }
    }
    checkInvariants(text);
    if (HasFailure()) {
      ADD_FAILURE() << "input #" << i;
      return;
    }
  }
}

} // namespace
} // namespace wisp
