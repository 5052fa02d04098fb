// A parsed Wisp command: what every control channel (command line, console, D-Bus, HTTP)
// turns its input into, and what the executor runs. See docs/commands.md.
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wisp {

enum class CommandKind {
  Dial,
  Answer,
  Hangup,
  HangupAll,
  HangupIncoming,
  HangupCalling,
  Dtmf,
  Status,
  Reload,
  Exit,
  Help,
  Hold,
  Unhold,
  HoldToggle,
  Transfer,
  SelectAccount,
  SetPassword,
  MicMute,
  MicUnmute,
  MicMuteToggle,
  SpeakerMute,
  SpeakerUnmute,
  SpeakerMuteToggle,
  MicUp,
  MicDown,
  SpeakerUp,
  SpeakerDown,
  Volume,
  Minimize,
  Show,
  Register,
  Unregister,
  Message,
};

// Every kind, in declaration order (for tables, help and tests).
std::span<const CommandKind> allCommandKinds();

// Only the fields a kind uses are set; the others keep their defaults.
struct Command {
  CommandKind kind = CommandKind::Help;
  // Dial, Transfer, Message: what to call, normalized by parseDialInput() (a sip:/sips: URI,
  // user@host, a phone number or a user name); resolveDialTarget() turns it into a request URI.
  std::string target;
  // Dial: DTMF groups to send once the call is up ("1234,,56#" gives {"", "56#"}); each
  // group waits one pause first, so an empty group is an extra pause.
  std::vector<std::string> postDialDtmf;
  // Dial, SelectAccount, Register, Unregister: account number or label, as typed
  // (Register/Unregister: unset = every account).
  std::optional<std::string> account;
  // Answer, Hangup, Dtmf, Hold, Unhold, Transfer: call id (>= 1); unset = the current call.
  std::optional<int> call;
  std::string digits;                   // Dtmf: 0-9 * # A-D, upper case
  std::string secret;                   // SetPassword
  std::string text;                     // Message: the text to send
  std::optional<CommandKind> helpTopic; // Help: the command asked about
  bool json = false;                    // Status: machine-readable output
  int volume = -1;                      // Volume: 0..100

  bool operator==(const Command &) const = default;
};

// Canonical name, also accepted by the parser: "dial", "hangup", "hangup-all", "mute", ...
std::string_view commandName(CommandKind kind);
// The kind whose canonical name is `name` (ASCII case-insensitive).
std::optional<CommandKind> commandKindFromName(std::string_view name);
// One line, e.g. "wisp hangup [CALL|--all]"; shown in errors and help.
std::string usage(CommandKind kind);
// Half a sentence saying what the command does, e.g. "end a call".
std::string_view commandSummary(CommandKind kind);
// False for commands that parse but whose feature does not exist yet: the executor refuses
// them with a "not available yet" error.
bool commandAvailable(CommandKind kind);

// The canonical argument vector; parseCommand(toArgv(c)) gives back c. Includes the secret of
// SetPassword, so use it to forward a command, never to log one.
std::vector<std::string> toArgv(const Command &command);
// For logs and messages: toArgv() joined with spaces, quoted where needed, secret hidden.
std::string toString(const Command &command);
std::ostream &operator<<(std::ostream &out, const Command &command);

// `text` in double quotes with quotes, backslashes and control characters escaped (\r, \n,
// \xNN), so that a hostile argument cannot break a message or a log line.
std::string quoted(std::string_view text);

} // namespace wisp
