// ASCII text helpers shared by the parsers: character classes, case folding, and the
// "did you mean ...?" suggestion for a mistyped name. Only ASCII letters are folded: keys,
// commands and URI schemes are ASCII, and other bytes are better left alone than guessed at.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wisp {

constexpr bool isAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool isAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool isAsciiAlnum(char c) {
  return isAsciiDigit(c) || isAsciiAlpha(c);
}
constexpr bool isAsciiHexDigit(char c) {
  return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// 0-15 for a hexadecimal digit of either case, else -1.
constexpr int hexDigitValue(char c) {
  if (isAsciiDigit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}
// The C0 controls and DEL: what would break a line, a header or a terminal.
constexpr bool isAsciiControl(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}
constexpr char toLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char toUpperAscii(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string toLowerAscii(std::string_view text);
bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Wraps text in double quotes as it is, for messages about values read from a text file.
// (control/command.h's quoted() escapes, for text that may hold control characters.)
std::string quotedAsIs(std::string_view text);

// How editDistance() counts two neighbouring letters typed the wrong way round ("hangpu").
enum class Transposition {
  OneEdit,  // optimal string alignment distance: the usual typo is one edit
  TwoEdits, // plain Levenshtein distance: a swap is two substitutions
};

// Case-insensitive edit distance: the fewest inserted, deleted or replaced letters (and
// swapped neighbours, when they count as one edit) that turn a into b.
std::size_t editDistance(std::string_view a, std::string_view b,
                         Transposition swaps = Transposition::OneEdit);

// The candidate closest to word (on a tie, the first), if at most maxDistance edits away:
// the "did you mean ...?" of an error message. Each caller picks its own tolerance.
std::optional<std::string_view> nearestWord(std::string_view word,
                                            std::span<const std::string_view> candidates,
                                            std::size_t maxDistance,
                                            Transposition swaps = Transposition::OneEdit);

} // namespace wisp
