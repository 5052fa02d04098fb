#include "control/command_parser.h"

#include "control/command_aliases.h"
#include "control/dial_target.h"
#include "util/text.h"

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
  std::string_view digits = word.starts_with("#") ? word.substr(1) : word;
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
  if (std::any_of(value.begin(), value.end(), isAsciiControl)) {
    return makeError(kBadArgument,
                     "the account " + quoted(value) + " contains a control character");
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
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    std::string_view option = args[i];
    std::optional<std::string_view> value;
    if (option == "--account") {
      if (i + 1 == args.size()) {
        return makeError(kMissingArgument, "--account needs an account number or label, e.g. "
                                           "wisp dial --account 2 1234");
      }
      value = args[++i];
    } else if (option.starts_with("--account=")) {
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
    if (std::any_of(args[0].begin(), args[0].end(), isAsciiControl)) {
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

// "wisp message TARGET TEXT...": the words after the target are the text, joined by spaces
// (MicroSIP's "NUMBER text" form gives the same command).
Result<Command> parseMessage(std::string_view typedTarget, Words textWords) {
  if (textWords.empty()) {
    return makeError(kMissingArgument,
                     "message needs a target and a text, e.g. wisp message 1234 hello");
  }
  Result<Command> command = withTarget(commandOf(K::Message), typedTarget, false);
  if (!command) {
    return command;
  }
  for (const std::string &word : textWords) {
    if (!command->text.empty()) {
      command->text += ' ';
    }
    command->text += word;
  }
  return command;
}

std::vector<std::string_view> nativeNames() {
  std::vector<std::string_view> names;
  for (CommandKind kind : allCommandKinds()) {
    names.push_back(commandName(kind));
  }
  return names;
}

std::string unknownMessage(std::string_view what, std::string_view word,
                           const std::vector<std::string_view> &candidates) {
  std::string message = what.empty() ? "unknown command " : std::string(what) + " ";
  message += quoted(word);
  // One wrong, missing, extra or swapped letter in three.
  if (std::optional<std::string_view> suggestion = nearestWord(word, candidates, word.size() / 3)) {
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
  } else if (!word.starts_with("-") && parseDialInput(word)) {
    message += " To call a user named " + quoted(word) + ", use: wisp dial " + std::string(word);
  }
  return makeError(kUnknownCommand, message);
}

std::optional<CommandKind> kindForHelp(std::string_view word) {
  if (std::optional<CommandKind> kind = commandKindFromName(word)) {
    return kind;
  }
  if (const CommandAlias *alias = findNativeAlias(word)) {
    return alias->kind;
  }
  if (const CommandAlias *alias = findSlashAlias(word).alias) {
    return alias->kind;
  }
  if (const CommandAlias *alias = findMsipAlias(word).alias) {
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
  case K::Register:
  case K::Unregister: {
    if (args.size() > 1)
      return tooMany(kind, args.subspan(1));
    Command command = commandOf(kind);
    if (!args.empty())
      command.account = std::string(args[0]);
    return command;
  }
  case K::Volume:
    return parseVolume(args);
  case K::Message:
    if (args.empty()) {
      return parseMessage("", args);
    }
    return parseMessage(args[0], args.subspan(1));
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
  const CommandAlias &alias = *match.alias;
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

// The control forms of other softphones' documentation: "action:dial?number=1234",
// "action:answer", "action:hangup".
Result<Command> parseActionUri(std::string_view word, Words rest) {
  static const std::vector<std::string_view> kForms = {"action:dial?number=NUMBER", "action:answer",
                                                       "action:hangup"};
  std::string_view body = word.substr(std::string_view("action:").size());
  std::size_t question = body.find('?');
  std::string name = toLowerAscii(body.substr(0, question));
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : body.substr(question + 1);
  if (!rest.empty()) {
    return tooMany(word, "wisp action:dial?number=NUMBER", rest);
  }
  if (name == "answer" || name == "hangup") {
    if (!query.empty()) {
      return makeError(kBadArgument, quoted(word) + ": action:" + name + " takes no parameters");
    }
    return commandOf(name == "answer" ? K::Answer : K::Hangup);
  }
  if (name != "dial") {
    return makeError(kUnknownCommand, unknownMessage("unknown action", word, kForms));
  }
  std::optional<std::string> number;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (toLowerAscii(pair.substr(0, eq)) == "number" && eq != std::string_view::npos) {
      Result<std::string> decoded = percentDecodeQueryValue(pair.substr(eq + 1));
      if (!decoded) {
        return makeError(kBadArgument, quoted(word) + ": " + decoded.error().message);
      }
      number = std::move(decoded).value();
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  if (!number || number->empty()) {
    return makeError(kMissingArgument,
                     quoted(word) + " needs a number, e.g. wisp action:dial?number=1234");
  }
  return withTarget(commandOf(K::Dial), *number, true);
}

// "[Dial(5551234)]", "[Answer]", "[Hangup]": bracketed commands, names in any case.
Result<Command> parseBracketCommand(std::string_view word, Words rest) {
  static const std::vector<std::string_view> kForms = {"[Dial(NUMBER)]", "[Answer]", "[Hangup]"};
  std::string_view inner = word.substr(1, word.size() - 2);
  std::size_t open = inner.find('(');
  std::string name = toLowerAscii(inner.substr(0, open));
  if (!rest.empty()) {
    return tooMany(word, "wisp \"[Dial(NUMBER)]\"", rest);
  }
  if (open == std::string_view::npos && (name == "answer" || name == "hangup")) {
    return commandOf(name == "answer" ? K::Answer : K::Hangup);
  }
  if (name == "dial" && open != std::string_view::npos && inner.ends_with(")")) {
    std::string_view number = inner.substr(open + 1, inner.size() - open - 2);
    if (number.empty()) {
      return makeError(kMissingArgument, quoted(word) + " needs a number, e.g. [Dial(1234)]");
    }
    return withTarget(commandOf(K::Dial), number, true);
  }
  return makeError(kUnknownCommand, unknownMessage("unknown command", word, kForms));
}

} // namespace

Result<std::string> percentDecodeQueryValue(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 2 >= value.size() || !isAsciiHexDigit(value[i + 1]) || !isAsciiHexDigit(value[i + 2])) {
      return makeError(kBadArgument, "malformed percent-escape (write '%' as %25)");
    }
    out += static_cast<char>(hexDigitValue(value[i + 1]) * 16 + hexDigitValue(value[i + 2]));
    i += 2;
  }
  return out;
}

Result<Command> parseCommand(const std::vector<std::string> &argv) {
  if (argv.empty() || argv[0].empty()) {
    return makeError(kMissingArgument, "no command given; try: wisp help");
  }
  const std::string &word = argv[0];
  Words rest = Words(argv).subspan(1);
  if (std::optional<CommandKind> kind = commandKindFromName(word)) {
    return parseNative(*kind, rest);
  }
  if (const CommandAlias *alias = findNativeAlias(word)) {
    return parseNative(alias->kind, rest);
  }
  if (word.starts_with("/")) {
    AliasMatch match = findSlashAlias(word);
    if (!match.alias) {
      return makeError(kUnknownCommand, unknownMessage("unknown MicroSIP command", word,
                                                       aliasWords(slashAliases())));
    }
    return parseAlias(word, match, rest);
  }
  if (toLowerAscii(word).starts_with("msip:")) {
    AliasMatch match = findMsipAlias(word);
    if (!match.alias) {
      return makeError(kUnknownCommand,
                       unknownMessage("unknown MicroSIP command", word, aliasWords(msipAliases())));
    }
    return parseAlias(word, match, rest);
  }
  if (toLowerAscii(word).starts_with("action:")) {
    return parseActionUri(word, rest);
  }
  if (word.size() >= 2 && word.front() == '[' && word.back() == ']') {
    return parseBracketCommand(word, rest);
  }
  if (looksLikeDialTarget(word)) {
    if (!rest.empty()) {
      return parseMessage(word, rest); // MicroSIP: "NUMBER text" sends a SIP MESSAGE
    }
    return withTarget(commandOf(K::Dial), word, true);
  }
  return unknownCommand(word);
}

} // namespace wisp
