#include "control/command_parser.h"

#include "control/dial_target.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <string_view>

namespace wisp {
namespace {

using K = CommandKind;
using Words = std::span<const std::string>;

constexpr const char *kUnknownCommand = "unknown_command";
constexpr const char *kBadArgument = "bad_argument";
constexpr const char *kMissingArgument = "missing_argument";
constexpr const char *kTooManyArguments = "too_many_arguments";

// What a MicroSIP form carries after its name: "/dtmf:123", "msip:transfer_1234".
enum class AliasValue { None, Digits, Target, Account, Secret };

struct Alias {
  std::string_view word; // lower case; for forms with a value, the part before it
  CommandKind kind;
  AliasValue value;
  std::string_view usage;
};

// MicroSIP's command line switches; a value follows ':'.
constexpr Alias kSlashAliases[] = {
    {"/answer", K::Answer, AliasValue::None, "wisp /answer"},
    {"/hangupall", K::HangupAll, AliasValue::None, "wisp /hangupall"},
    {"/hangupincoming", K::HangupIncoming, AliasValue::None, "wisp /hangupincoming"},
    {"/hangupcalling", K::HangupCalling, AliasValue::None, "wisp /hangupcalling"},
    {"/exit", K::Exit, AliasValue::None, "wisp /exit"},
    {"/minimized", K::Minimize, AliasValue::None, "wisp /minimized"},
    {"/dtmf", K::Dtmf, AliasValue::Digits, "wisp /dtmf:DIGITS"},
    {"/transfer", K::Transfer, AliasValue::Target, "wisp /transfer:NUMBER"},
    {"/account", K::SelectAccount, AliasValue::Account, "wisp /account:N [NUMBER]"},
    {"/password", K::SetPassword, AliasValue::Secret, "wisp /password:SECRET"},
};

// MicroSIP's msip: URL commands; the transfer target follows "transfer_".
constexpr Alias kMsipAliases[] = {
    {"msip:answer", K::Answer, AliasValue::None, "wisp msip:answer"},
    {"msip:hangupall", K::HangupAll, AliasValue::None, "wisp msip:hangupall"},
    {"msip:hold", K::HoldToggle, AliasValue::None, "wisp msip:hold"},
    {"msip:micmute", K::MicMute, AliasValue::None, "wisp msip:micmute"},
    {"msip:micunmute", K::MicUnmute, AliasValue::None, "wisp msip:micunmute"},
    {"msip:micmuteclick", K::MicMuteToggle, AliasValue::None, "wisp msip:micmuteclick"},
    {"msip:speakmute", K::SpeakerMute, AliasValue::None, "wisp msip:speakmute"},
    {"msip:speakunmute", K::SpeakerUnmute, AliasValue::None, "wisp msip:speakunmute"},
    {"msip:speakmuteclick", K::SpeakerMuteToggle, AliasValue::None, "wisp msip:speakmuteclick"},
    {"msip:micup", K::MicUp, AliasValue::None, "wisp msip:micup"},
    {"msip:micdown", K::MicDown, AliasValue::None, "wisp msip:micdown"},
    {"msip:speakup", K::SpeakerUp, AliasValue::None, "wisp msip:speakup"},
    {"msip:speakdown", K::SpeakerDown, AliasValue::None, "wisp msip:speakdown"},
    {"msip:minimize", K::Minimize, AliasValue::None, "wisp msip:minimize"},
    {"msip:transfer_", K::Transfer, AliasValue::Target, "wisp msip:transfer_NUMBER"},
};

// Other spellings of native commands.
constexpr Alias kNativeAliases[] = {
    {"--help", K::Help, AliasValue::None, "wisp --help [COMMAND]"},
    {"-h", K::Help, AliasValue::None, "wisp -h [COMMAND]"},
};

char lowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
  return out;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Command commandOf(CommandKind kind) {
  Command command;
  command.kind = kind;
  return command;
}

Error tooMany(std::string_view name, std::string_view usageLine, Words extra) {
  std::string message = "too many arguments for " + std::string(name) + ": " + quoted(extra[0]);
  if (extra.size() > 1) {
    message += " and " + std::to_string(extra.size() - 1) + " more";
  }
  return makeError(kTooManyArguments, message + "; usage: " + std::string(usageLine));
}

Error tooMany(CommandKind kind, Words extra) {
  return tooMany(commandName(kind), usage(kind), extra);
}

Result<int> parseCallId(std::string_view word) {
  std::string_view digits = startsWith(word, "#") ? word.substr(1) : word;
  int id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  bool allDigits = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  if (!allDigits || ec != std::errc() || end != digits.data() + digits.size() || id < 1) {
    return makeError(kBadArgument, quoted(word) + " is not a call id; call ids are positive "
                                                  "numbers such as 1 or #2 (see: wisp status)");
  }
  return id;
}

// Account numbers or labels end up in messages and the configuration file.
Result<std::string> parseAccount(std::string_view value, std::string_view how) {
  if (value.empty()) {
    return makeError(kMissingArgument, std::string(how) + " needs an account number or label");
  }
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return makeError(kBadArgument,
                       "the account " + quoted(value) + " contains a control character");
    }
  }
  return std::string(value);
}

Result<Command> withTarget(Command command, std::string_view typed, bool allowPostDial) {
  Result<DialInput> input = parseDialInput(typed);
  if (!input) {
    return input.error();
  }
  if (!allowPostDial && !input->postDialDtmf.empty()) {
    return makeError(kBadArgument, "cannot transfer to " + quoted(typed) +
                                       ": post-dial DTMF (after ',') only works with dial");
  }
  command.target = std::move(input->target);
  command.postDialDtmf = std::move(input->postDialDtmf);
  return command;
}

Result<Command> withCall(Command command, Words args, std::size_t index) {
  if (index < args.size()) {
    Result<int> call = parseCallId(args[index]);
    if (!call) {
      return call.error();
    }
    command.call = call.value();
  }
  return command;
}

Result<Command> parseDial(Words args) {
  Command command = commandOf(K::Dial);
  std::size_t i = 0;
  for (; i < args.size() && startsWith(args[i], "-"); ++i) {
    std::string_view option = args[i];
    std::optional<std::string_view> value;
    if (option == "--account") {
      if (i + 1 == args.size()) {
        return makeError(kMissingArgument, "--account needs an account number or label, e.g. "
                                           "wisp dial --account 2 1234");
      }
      value = args[++i];
    } else if (startsWith(option, "--account=")) {
      value = option.substr(std::string_view("--account=").size());
    } else {
      return makeError(kBadArgument,
                       "unknown option " + quoted(option) + " for dial; usage: " + usage(K::Dial));
    }
    Result<std::string> account = parseAccount(*value, "--account");
    if (!account) {
      return account.error();
    }
    command.account = std::move(account).value();
  }
  if (i == args.size()) {
    return makeError(kMissingArgument,
                     "dial needs a target, e.g. wisp dial sip:alice@example.com or wisp dial "
                     "alice@127.0.0.1");
  }
  if (args.size() - i > 1) {
    return tooMany(K::Dial, args.subspan(i + 1));
  }
  return withTarget(std::move(command), args[i], true);
}

Result<Command> parseDtmf(Words args) {
  if (args.empty()) {
    return makeError(kMissingArgument, "dtmf needs digits, e.g. wisp dtmf 123#");
  }
  if (args.size() > 2) {
    return tooMany(K::Dtmf, args.subspan(2));
  }
  Result<std::string> digits = normalizeDtmfDigits(args[0]);
  if (!digits) {
    return digits.error();
  }
  Command command = commandOf(K::Dtmf);
  command.digits = std::move(digits).value();
  return withCall(std::move(command), args, 1);
}

Result<Command> parseHangup(Words args) {
  if (args.size() > 1) {
    return tooMany(K::Hangup, args.subspan(1));
  }
  if (!args.empty() && args[0] == "--all") {
    return commandOf(K::HangupAll);
  }
  return withCall(commandOf(K::Hangup), args, 0);
}

Result<Command> parseStatus(Words args) {
  if (args.size() > 1) {
    return tooMany(K::Status, args.subspan(1));
  }
  Command command = commandOf(K::Status);
  if (!args.empty()) {
    if (args[0] != "--json") {
      return makeError(kBadArgument, "unknown option " + quoted(args[0]) +
                                         " for status; usage: " + usage(K::Status));
    }
    command.json = true;
  }
  return command;
}

Result<Command> parseTransfer(Words args) {
  if (args.empty()) {
    return makeError(kMissingArgument, "transfer needs a target, e.g. wisp transfer 1234");
  }
  if (args.size() > 2) {
    return tooMany(K::Transfer, args.subspan(2));
  }
  Result<Command> command = withTarget(commandOf(K::Transfer), args[0], false);
  if (!command) {
    return command;
  }
  return withCall(std::move(command).value(), args, 1);
}

Result<Command> parseVolume(Words args) {
  if (args.empty()) {
    return makeError(kMissingArgument, "volume needs a level from 0 to 100, e.g. wisp volume 80");
  }
  if (args.size() > 1) {
    return tooMany(K::Volume, args.subspan(1));
  }
  std::string_view text = args[0];
  int level = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), level);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || level < 0 ||
      level > 100) {
    return makeError(kBadArgument,
                     quoted(text) + " is not a volume; use a whole number from 0 to 100");
  }
  Command command = commandOf(K::Volume);
  command.volume = level;
  return command;
}

Result<Command> parseSingleValue(CommandKind kind, Words args, std::string_view missing) {
  if (args.empty()) {
    return makeError(kMissingArgument, std::string(missing));
  }
  if (args.size() > 1) {
    return tooMany(kind, args.subspan(1));
  }
  Command command = commandOf(kind);
  if (kind == K::SetPassword) {
    // The password goes into the configuration file, where a line break would start a key.
    if (std::any_of(args[0].begin(), args[0].end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return makeError(kBadArgument, "the password contains a control character");
    }
    command.secret = args[0];
    return command;
  }
  Result<std::string> account = parseAccount(args[0], commandName(kind));
  if (!account) {
    return account.error();
  }
  command.account = std::move(account).value();
  return command;
}

// Optimal string alignment distance: typos are mostly one wrong, missing, extra or swapped
// letter ("hangpu"). Three rolling rows: the one before last is needed for swaps.
std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> older(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = lowerAscii(a[i - 1]) == lowerAscii(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && lowerAscii(a[i - 1]) == lowerAscii(b[j - 2]) &&
          lowerAscii(a[i - 2]) == lowerAscii(b[j - 1])) {
        current[j] = std::min(current[j], older[j - 2] + 1);
      }
    }
    std::swap(older, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// The closest candidate, if at most one edit in three letters away.
std::optional<std::string_view> nearest(std::string_view word,
                                        const std::vector<std::string_view> &candidates) {
  std::optional<std::string_view> best;
  std::size_t bestDistance = word.size() / 3 + 1;
  for (std::string_view candidate : candidates) {
    std::size_t lengthGap =
        std::max(word.size(), candidate.size()) - std::min(word.size(), candidate.size());
    if (lengthGap >= bestDistance) {
      continue; // cannot be closer: also keeps long random words cheap
    }
    std::size_t distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

std::vector<std::string_view> nativeNames() {
  std::vector<std::string_view> names;
  for (CommandKind kind : allCommandKinds()) {
    names.push_back(commandName(kind));
  }
  return names;
}

template <std::size_t N> std::vector<std::string_view> aliasWords(const Alias (&aliases)[N]) {
  std::vector<std::string_view> words;
  for (const Alias &alias : aliases) {
    words.push_back(alias.word);
  }
  return words;
}

std::string unknownMessage(std::string_view what, std::string_view word,
                           const std::vector<std::string_view> &candidates) {
  std::string message = what.empty() ? "unknown command " : std::string(what) + " ";
  message += quoted(word);
  if (std::optional<std::string_view> suggestion = nearest(word, candidates)) {
    message += "; did you mean " + quoted(*suggestion) + "?";
  } else {
    message += " (see: wisp help).";
  }
  return message;
}

Error unknownCommand(std::string_view word) {
  std::string message = unknownMessage("", word, nativeNames());
  if (looksLikeHostAddress(word)) {
    message += " To call that host, use: wisp sip:" + std::string(word);
  } else if (!startsWith(word, "-") && parseDialInput(word)) {
    message += " To call a user named " + quoted(word) + ", use: wisp dial " + std::string(word);
  }
  return makeError(kUnknownCommand, message);
}

struct AliasMatch {
  const Alias *alias = nullptr;
  std::optional<std::string_view> value;
};

AliasMatch findSlashAlias(std::string_view word) {
  std::size_t colon = word.find(':');
  std::string name = lowerCopy(word.substr(0, colon));
  for (const Alias &alias : kSlashAliases) {
    if (alias.word == name) {
      if (colon == std::string_view::npos) {
        return {&alias, std::nullopt};
      }
      return {&alias, word.substr(colon + 1)};
    }
  }
  return {};
}

AliasMatch findMsipAlias(std::string_view word) {
  std::string lower = lowerCopy(word);
  for (const Alias &alias : kMsipAliases) {
    if (alias.value == AliasValue::None ? lower == alias.word : startsWith(lower, alias.word)) {
      if (alias.value == AliasValue::None) {
        return {&alias, std::nullopt};
      }
      return {&alias, word.substr(alias.word.size())};
    }
  }
  return {};
}

std::optional<CommandKind> kindForHelp(std::string_view word) {
  if (std::optional<CommandKind> kind = commandKindFromName(word)) {
    return kind;
  }
  for (const Alias &alias : kNativeAliases) {
    if (alias.word == word) {
      return alias.kind;
    }
  }
  if (const Alias *alias = findSlashAlias(word).alias) {
    return alias->kind;
  }
  if (const Alias *alias = findMsipAlias(word).alias) {
    return alias->kind;
  }
  return std::nullopt;
}

Result<Command> parseHelp(Words args) {
  if (args.size() > 1) {
    return tooMany(K::Help, args.subspan(1));
  }
  Command command = commandOf(K::Help);
  if (!args.empty()) {
    command.helpTopic = kindForHelp(args[0]);
    if (!command.helpTopic) {
      return makeError(kUnknownCommand,
                       unknownMessage("help: unknown command", args[0], nativeNames()));
    }
  }
  return command;
}

Result<Command> parseNative(CommandKind kind, Words args) {
  switch (kind) {
  case K::Dial:
    return parseDial(args);
  case K::Answer:
  case K::Hold:
  case K::Unhold:
    if (args.size() > 1) {
      return tooMany(kind, args.subspan(1));
    }
    return withCall(commandOf(kind), args, 0);
  case K::Hangup:
    return parseHangup(args);
  case K::Dtmf:
    return parseDtmf(args);
  case K::Status:
    return parseStatus(args);
  case K::Help:
    return parseHelp(args);
  case K::Transfer:
    return parseTransfer(args);
  case K::SelectAccount:
    return parseSingleValue(kind, args,
                            "account needs an account number or label, e.g. "
                            "wisp account 2");
  case K::SetPassword:
    return parseSingleValue(kind, args, "password needs the new password");
  case K::Volume:
    return parseVolume(args);
  default:
    if (!args.empty()) {
      return tooMany(kind, args);
    }
    return commandOf(kind);
  }
}

// A MicroSIP form whose value (if any) has been split off; only /account:N takes a further
// word, the number to dial with that account.
Result<Command> parseAlias(std::string_view word, const AliasMatch &match, Words rest) {
  const Alias &alias = *match.alias;
  std::size_t maxRest = alias.value == AliasValue::Account ? 1 : 0;
  if (rest.size() > maxRest) {
    return tooMany(alias.word, alias.usage, rest.subspan(maxRest));
  }
  if (alias.value == AliasValue::None) {
    if (match.value) {
      return makeError(kBadArgument, quoted(word) + ": " + std::string(alias.word) +
                                         " takes no value; usage: " + std::string(alias.usage));
    }
    return commandOf(alias.kind);
  }
  if (!match.value || match.value->empty()) {
    return makeError(kMissingArgument, std::string(alias.word) +
                                           " needs a value; usage: " + std::string(alias.usage));
  }
  std::string value(*match.value);
  switch (alias.value) {
  case AliasValue::Digits:
    return parseDtmf(std::vector<std::string>{value});
  case AliasValue::Target:
    return parseTransfer(std::vector<std::string>{value});
  case AliasValue::Secret:
    return parseSingleValue(K::SetPassword, std::vector<std::string>{value}, "");
  case AliasValue::Account:
    if (!rest.empty()) {
      return parseDial(std::vector<std::string>{"--account", value, rest[0]});
    }
    return parseSingleValue(K::SelectAccount, std::vector<std::string>{value}, "");
  case AliasValue::None:
    break;
  }
  return commandOf(alias.kind);
}

} // namespace

Result<Command> parseCommand(const std::vector<std::string> &argv) {
  if (argv.empty() || argv[0].empty()) {
    return makeError(kMissingArgument, "no command given; try: wisp help");
  }
  const std::string &word = argv[0];
  Words rest = Words(argv).subspan(1);
  if (std::optional<CommandKind> kind = commandKindFromName(word)) {
    return parseNative(*kind, rest);
  }
  for (const Alias &alias : kNativeAliases) {
    if (alias.word == word) {
      return parseNative(alias.kind, rest);
    }
  }
  if (startsWith(word, "/")) {
    AliasMatch match = findSlashAlias(word);
    if (!match.alias) {
      return makeError(kUnknownCommand,
                       unknownMessage("unknown MicroSIP command", word, aliasWords(kSlashAliases)));
    }
    return parseAlias(word, match, rest);
  }
  if (startsWith(lowerCopy(word), "msip:")) {
    AliasMatch match = findMsipAlias(word);
    if (!match.alias) {
      return makeError(kUnknownCommand,
                       unknownMessage("unknown MicroSIP command", word, aliasWords(kMsipAliases)));
    }
    return parseAlias(word, match, rest);
  }
  if (looksLikeDialTarget(word)) {
    if (!rest.empty()) {
      return tooMany("dial (wisp TARGET)", usage(K::Dial), rest);
    }
    return withTarget(commandOf(K::Dial), word, true);
  }
  return unknownCommand(word);
}

namespace {

// Appends `items` to `text` separated by `separator`, wrapping lines at 98 columns.
void appendWrapped(std::string &text, const std::vector<std::string> &items,
                   std::string_view separator) {
  constexpr std::size_t kWidth = 98;
  constexpr std::string_view kIndent = "  ";
  auto endLine = [&text] {
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    text += '\n';
  };
  std::size_t column = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + std::string(i + 1 < items.size() ? separator : "");
    if (column == 0 || column + item.size() > kWidth) {
      if (column != 0) {
        endLine();
      }
      text += kIndent;
      column = kIndent.size();
    }
    text += item;
    column += item.size();
  }
  endLine();
}

std::string withoutWisp(std::string_view usageLine) {
  return std::string(usageLine.substr(std::string_view("wisp ").size()));
}

} // namespace

std::string helpText() {
  constexpr std::size_t kSummaryColumn = 40;
  std::string text = "Wisp commands: run them as \"wisp COMMAND ...\" or type them at the "
                     "console.\n\n";
  std::vector<std::string> notYet;
  for (CommandKind kind : allCommandKinds()) {
    if (kind == K::HangupAll) {
      continue; // shown as "hangup --all"
    }
    std::string line = "  " + usage(kind);
    if (line.size() + 2 > kSummaryColumn) {
      line += "\n";
      line.resize(line.size() + kSummaryColumn, ' ');
    } else {
      line.resize(kSummaryColumn, ' ');
    }
    text += line + std::string(commandSummary(kind)) + "\n";
    if (!commandAvailable(kind)) {
      notYet.push_back(std::string(commandName(kind)));
    }
  }
  text += "\nNot available yet (accepted, but refused until the feature exists):\n";
  appendWrapped(text, notYet, ", ");
  text += "\nTARGET: 1234, +15551234, alice, bob@127.0.0.1:5062, sip:bob@example.com,\n"
          "  sips:..., tel:+1-555-1234, callto:, dial: or dialpad: URIs. A lone number, URI\n"
          "  or user@host dials it: wisp 1234. \",DTMF\" after a number sends the digits once\n"
          "  the call is up, waiting one pause per ',': wisp 1234,,56#\n"
          "CALL: a call id from \"wisp status\" (1, 2 or #2); without it, the current call.\n"
          "To call a user whose name is also a command, use dial: wisp dial show\n\n"
          "MicroSIP forms:\n";
  std::vector<std::string> forms;
  for (const Alias &alias : kSlashAliases) {
    forms.push_back(withoutWisp(alias.usage));
  }
  for (const Alias &alias : kMsipAliases) {
    forms.push_back(withoutWisp(alias.usage));
  }
  appendWrapped(text, forms, "  ");
  return text + "\nRun \"wisp help COMMAND\" for one command's synonyms.\n";
}

std::string helpText(CommandKind kind) {
  std::string summary(commandSummary(kind));
  summary[0] = static_cast<char>(summary[0] - 'a' + 'A');
  std::string text = "usage: " + usage(kind) + "\n" + summary + ".\n";
  std::vector<std::string> synonyms;
  std::string native = "wisp " + std::string(commandName(kind));
  std::string usageLine = usage(kind);
  if (usageLine != native && !startsWith(usageLine, native + " ")) {
    synonyms.push_back(std::string(commandName(kind)));
  }
  auto addAliases = [&](std::span<const Alias> aliases) {
    for (const Alias &alias : aliases) {
      if (alias.kind == kind) {
        synonyms.push_back(withoutWisp(alias.usage));
      }
    }
  };
  addAliases(kNativeAliases);
  addAliases(kSlashAliases);
  addAliases(kMsipAliases);
  if (!synonyms.empty()) {
    text += "Also:";
    for (std::size_t i = 0; i < synonyms.size(); ++i) {
      text += (i == 0 ? " " : ", ") + synonyms[i];
    }
    text += "\n";
  }
  if (!commandAvailable(kind)) {
    text += "Not available yet: the phone refuses it until the feature exists.\n";
  }
  return text;
}

} // namespace wisp
