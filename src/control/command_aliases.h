// MicroSIP's command strings ("/dtmf:123", "msip:transfer_1234") and other spellings of
// Wisp's commands ("--help"): one table each, read by the parser and by the help text.
#pragma once

#include "control/command.h"

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace wisp {

// What a MicroSIP form carries after its name: "/dtmf:123", "msip:transfer_1234".
enum class AliasValue { None, Digits, Target, Account, Secret };

struct CommandAlias {
  std::string_view word; // lower case; for forms with a value, the part before it
  CommandKind kind;
  AliasValue value;
  std::string_view usage;
};

std::span<const CommandAlias> slashAliases();  // MicroSIP's switches; a value follows ':'
std::span<const CommandAlias> msipAliases();   // msip: URL commands
std::span<const CommandAlias> nativeAliases(); // other spellings of native commands

// The words of a table, for "did you mean ...?".
std::vector<std::string_view> aliasWords(std::span<const CommandAlias> aliases);

struct AliasMatch {
  const CommandAlias *alias = nullptr; // null when nothing matched
  std::optional<std::string_view> value;
};

// "/NAME[:VALUE]", NAME in any case.
AliasMatch findSlashAlias(std::string_view word);
// "msip:NAME", or "msip:transfer_TARGET", in any case.
AliasMatch findMsipAlias(std::string_view word);
// "--help", "-h": exact spelling only.
const CommandAlias *findNativeAlias(std::string_view word);

} // namespace wisp
