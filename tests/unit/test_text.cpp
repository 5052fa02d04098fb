#include "util/text.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace wisp {
namespace {

// <cctype> in the "C" locale (the tests never change it) is an independent implementation.
TEST(Text, CharacterClassesMatchTheCLocaleForEveryByte) {
  for (int i = 0; i < 256; ++i) {
    const auto c = static_cast<char>(i);
    SCOPED_TRACE(i);
    EXPECT_EQ(isAsciiDigit(c), std::isdigit(i) != 0);
    EXPECT_EQ(isAsciiAlpha(c), std::isalpha(i) != 0);
    EXPECT_EQ(isAsciiAlnum(c), std::isalnum(i) != 0);
    EXPECT_EQ(isAsciiHexDigit(c), std::isxdigit(i) != 0);
    EXPECT_EQ(isAsciiControl(c), std::iscntrl(i) != 0);
    EXPECT_EQ(toLowerAscii(c), static_cast<char>(std::tolower(i)));
    EXPECT_EQ(toUpperAscii(c), static_cast<char>(std::toupper(i)));
  }
}

TEST(Text, LowerCasingLeavesNonAsciiBytesAlone) {
  EXPECT_EQ(toLowerAscii("MSIP:Transfer_123"), "msip:transfer_123");
  EXPECT_EQ(toLowerAscii("\xC3\x84RGER Stra\xC3\x9F"
                         "E"),
            "\xC3\x84rger stra\xC3\x9F"
            "e");
  EXPECT_EQ(toLowerAscii(""), "");
}

TEST(Text, EqualsIgnoreCase) {
  EXPECT_TRUE(equalsIgnoreCase("Hangup-All", "hANGUP-aLL"));
  EXPECT_TRUE(equalsIgnoreCase("", ""));
  EXPECT_FALSE(equalsIgnoreCase("dial", "dials"));
  EXPECT_FALSE(equalsIgnoreCase("dials", "dial"));
  EXPECT_FALSE(equalsIgnoreCase("udp", "tcp"));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
  EXPECT_FALSE(equalsIgnoreCase("@", "`"));
  EXPECT_FALSE(equalsIgnoreCase("\xC3\x84", "\xC3\xA4"));
}

TEST(Text, QuotedAsIsAddsQuotesAndNothingElse) {
  EXPECT_EQ(quotedAsIs("opus/48000"), "\"opus/48000\"");
  EXPECT_EQ(quotedAsIs("a \"b\"\t\\"), "\"a \"b\"\t\\\"");
  EXPECT_EQ(quotedAsIs(""), "\"\"");
}

TEST(Text, EditDistanceKnownValues) {
  for (Transposition swaps : {Transposition::OneEdit, Transposition::TwoEdits}) {
    EXPECT_EQ(editDistance("kitten", "sitting", swaps), 3u);
    EXPECT_EQ(editDistance("", "abc", swaps), 3u);
    EXPECT_EQ(editDistance("abc", "", swaps), 3u);
    EXPECT_EQ(editDistance("", "", swaps), 0u);
    EXPECT_EQ(editDistance("sourcePort", "SOURCEPORT", swaps), 0u);
    EXPECT_EQ(editDistance("sorcePort", "sourceport", swaps), 1u);
    // The classic case where optimal string alignment is not the true Damerau distance (2):
    // the swapped "ca" cannot be edited again.
    EXPECT_EQ(editDistance("ca", "abc", swaps), 3u);
  }
  EXPECT_EQ(editDistance("hangpu", "hangup"), 1u);
  EXPECT_EQ(editDistance("hangpu", "hangup", Transposition::TwoEdits), 2u);
  EXPECT_EQ(editDistance("Stauts", "status"), 1u); // the swap is found whatever the case
}

// Every string over {a, b, c} of up to four letters, and their Levenshtein distances found by
// breadth-first search over single edits: no dynamic programming involved.
TEST(Text, EditDistanceWithoutSwapsIsTheLevenshteinDistance) {
  std::vector<std::string> words{""};
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].size() < 4) {
      for (char c : {'a', 'b', 'c'}) {
        words.push_back(words[i] + c);
      }
    }
  }
  auto neighbours = [](const std::string &w) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i <= w.size(); ++i) {
      for (char c : {'a', 'b', 'c'}) {
        if (w.size() < 4) {
          out.push_back(w.substr(0, i) + c + w.substr(i)); // insert
        }
        if (i < w.size() && w[i] != c) {
          out.push_back(w.substr(0, i) + c + w.substr(i + 1)); // replace
        }
      }
      if (i < w.size()) {
        out.push_back(w.substr(0, i) + w.substr(i + 1)); // delete
      }
    }
    return out;
  };
  for (const std::string &from : words) {
    std::map<std::string, std::size_t> distance{{from, 0}};
    std::deque<std::string> queue{from};
    while (!queue.empty()) {
      std::string w = queue.front();
      queue.pop_front();
      for (const std::string &n : neighbours(w)) {
        if (distance.emplace(n, distance[w] + 1).second) {
          queue.push_back(n);
        }
      }
    }
    for (const std::string &to : words) {
      ASSERT_EQ(editDistance(from, to, Transposition::TwoEdits), distance.at(to))
          << from << " -> " << to;
    }
  }
}

TEST(Text, EditDistanceIsSymmetricAndSwapsNeverCostMore) {
  std::mt19937 random(7);
  auto randomWord = [&] {
    std::string w(random() % 9, ' ');
    for (char &c : w) {
      c = "abcABC-"[random() % 7];
    }
    return w;
  };
  for (int i = 0; i < 2000; ++i) {
    std::string a = randomWord(), b = randomWord();
    std::size_t withSwaps = editDistance(a, b);
    std::size_t withoutSwaps = editDistance(a, b, Transposition::TwoEdits);
    ASSERT_EQ(withSwaps, editDistance(b, a)) << a << " " << b;
    ASSERT_EQ(withoutSwaps, editDistance(b, a, Transposition::TwoEdits)) << a << " " << b;
    ASSERT_LE(withSwaps, withoutSwaps) << a << " " << b;
    ASSERT_EQ(withSwaps, editDistance(toLowerAscii(a), b)) << a << " " << b;
  }
}

constexpr std::array<std::string_view, 5> kCommands{"dial", "dtmf", "hangup", "hold", "status"};

TEST(Text, NearestWordPicksTheClosestCandidate) {
  EXPECT_EQ(nearestWord("hangpu", kCommands, 2), "hangup");
  EXPECT_EQ(nearestWord("STATSU", kCommands, 2), "status");
  EXPECT_EQ(nearestWord("dial", kCommands, 2), "dial"); // 0 beats "dtmf" and "hold"
}

TEST(Text, NearestWordTakesTheFirstOfEquallyCloseCandidates) {
  // "aa" is one edit from both.
  constexpr std::array<std::string_view, 2> ab{"ab", "ba"};
  constexpr std::array<std::string_view, 2> ba{"ba", "ab"};
  EXPECT_EQ(nearestWord("aa", ab, 1), "ab");
  EXPECT_EQ(nearestWord("aa", ba, 1), "ba");
}

TEST(Text, NearestWordRespectsTheTolerance) {
  EXPECT_EQ(nearestWord("hngp", kCommands, 2), "hangup"); // exactly two edits: accepted
  EXPECT_EQ(nearestWord("hngp", kCommands, 1), std::nullopt);
  EXPECT_EQ(nearestWord("xylophone", kCommands, 3), std::nullopt);
  EXPECT_EQ(nearestWord("dial", {}, 5), std::nullopt);
  EXPECT_EQ(nearestWord("hangpu", kCommands, 1), "hangup");
  EXPECT_EQ(nearestWord("hangpu", kCommands, 1, Transposition::TwoEdits), std::nullopt);
  // A candidate much longer than the word is still found when the tolerance allows it.
  constexpr std::array<std::string_view, 1> longer{"abcd"};
  EXPECT_EQ(nearestWord("ab", longer, 2), "abcd");
  EXPECT_EQ(nearestWord("ab", longer, 1), std::nullopt);
}

} // namespace
} // namespace wisp
