// A hook's command line, written the MicroSIP way: the program (quoted if its path has
// spaces) and then its arguments. It is split into words here and never given to a shell,
// so what a caller sends (a display name, say) can only ever be one argument's text.
#pragma once

#include "util/result.h"

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wisp {

struct HookCommand {
  // The program first, then its arguments, placeholders such as {number} still in them.
  std::vector<std::string> words;
  bool operator==(const HookCommand &) const = default;
};

// Splits like a POSIX shell splits words, and nothing more: blanks separate words; '...'
// keeps everything literally; "..." keeps blanks, with \" and \\ as the only escapes inside
// (so "C:\dir\x" keeps its backslashes); outside quotes a backslash keeps the next character.
// Errors: an empty command, an unterminated quote, a trailing backslash, and an unknown
// {placeholder}.
Result<HookCommand> parseHookCommand(std::string_view text);

// {number} {name} {callid} {direction} {duration}.
std::span<const std::string_view> hookPlaceholders();

using HookValues = std::map<std::string, std::string, std::less<>>;

// Replaces each known {placeholder} in each word by its value ("" when `values` has none).
// Values are inserted as they are: a value with blanks stays inside its one word.
std::vector<std::string> expandHookCommand(const HookCommand &command, const HookValues &values);

} // namespace wisp
