// The Wisp command language: one argument vector (from the command line, the console, or an
// API) to one typed Command. MicroSIP's command strings are accepted too, so scripts written
// for it keep working. The reference is docs/commands.md.
#pragma once

#include "control/command.h"
#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace wisp {

// argv holds the words after the program name, already split: {"dial", "1234"}.
// Error codes: "unknown_command" (the message suggests the nearest command and how to call
// a user with that name), "bad_argument", "missing_argument", "too_many_arguments".
Result<Command> parseCommand(const std::vector<std::string> &argv);

// Decodes %XX escapes of a URL query value ("%2B1555" gives "+1555"); '+' stays '+' (it
// starts phone numbers). Error "bad_argument" for a malformed escape.
Result<std::string> percentDecodeQueryValue(std::string_view value);

// The command reference that `help` shows.
std::string helpText();
// Usage, summary and synonyms of one command, for `help COMMAND`.
std::string helpText(CommandKind kind);

} // namespace wisp
