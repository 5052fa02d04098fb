#include "control/command.h"

#include "util/text.h"

#include <array>
#include <cassert>
#include <ostream>

namespace wisp {
namespace {

struct KindInfo {
  CommandKind kind;
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  bool available;
};

using K = CommandKind;

// One row per kind, in declaration order (checked by infoFor()).
constexpr std::array kKinds = {
    KindInfo{K::Dial, "dial", "wisp dial [--account N|LABEL] TARGET[,DTMF...]",
             "call a number, user name, user@host or sip: URI", true},
    KindInfo{K::Answer, "answer", "wisp answer [CALL]", "answer a ringing call", true},
    KindInfo{K::Hangup, "hangup", "wisp hangup [CALL|--all]", "end, reject or cancel a call", true},
    KindInfo{K::HangupAll, "hangup-all", "wisp hangup --all", "end every call", true},
    KindInfo{K::HangupIncoming, "hangup-incoming", "wisp hangup-incoming",
             "reject every ringing incoming call", true},
    KindInfo{K::HangupCalling, "hangup-calling", "wisp hangup-calling",
             "cancel every outgoing call not answered yet", true},
    KindInfo{K::Dtmf, "dtmf", "wisp dtmf DIGITS [CALL]", "send DTMF digits (0-9 * # A-D)", true},
    KindInfo{K::Status, "status", "wisp status [--json]", "show the accounts and calls", true},
    KindInfo{K::Reload, "reload", "wisp reload", "re-read the configuration", true},
    KindInfo{K::Exit, "exit", "wisp exit", "end every call and stop the phone", true},
    KindInfo{K::Help, "help", "wisp help [COMMAND]", "show this reference, or one command", true},
    KindInfo{K::Hold, "hold", "wisp hold [CALL]", "put a call on hold", false},
    KindInfo{K::Unhold, "unhold", "wisp unhold [CALL]", "resume a held call", false},
    KindInfo{K::HoldToggle, "hold-toggle", "wisp hold-toggle",
             "hold the current call, or resume it if held", false},
    KindInfo{K::Transfer, "transfer", "wisp transfer TARGET [CALL]",
             "transfer a call to TARGET (blind transfer)", false},
    KindInfo{K::SelectAccount, "account", "wisp account N|LABEL",
             "make an account the default for calls (until restart or reload)", true},
    KindInfo{K::SetPassword, "password", "wisp password SECRET",
             "set the default account's password and save it in wisp.ini", true},
    KindInfo{K::MicMute, "mute", "wisp mute", "mute the microphone", false},
    KindInfo{K::MicUnmute, "unmute", "wisp unmute", "unmute the microphone", false},
    KindInfo{K::MicMuteToggle, "mute-toggle", "wisp mute-toggle",
             "mute the microphone, or unmute it if muted", false},
    KindInfo{K::SpeakerMute, "speaker-mute", "wisp speaker-mute", "mute the speaker", false},
    KindInfo{K::SpeakerUnmute, "speaker-unmute", "wisp speaker-unmute", "unmute the speaker",
             false},
    KindInfo{K::SpeakerMuteToggle, "speaker-mute-toggle", "wisp speaker-mute-toggle",
             "mute the speaker, or unmute it if muted", false},
    KindInfo{K::MicUp, "mic-up", "wisp mic-up", "raise the microphone volume", false},
    KindInfo{K::MicDown, "mic-down", "wisp mic-down", "lower the microphone volume", false},
    KindInfo{K::SpeakerUp, "speaker-up", "wisp speaker-up", "raise the speaker volume", false},
    KindInfo{K::SpeakerDown, "speaker-down", "wisp speaker-down", "lower the speaker volume",
             false},
    KindInfo{K::Volume, "volume", "wisp volume 0-100", "set the speaker volume in percent", false},
    KindInfo{K::Minimize, "hide", "wisp hide", "hide the phone's window", false},
    KindInfo{K::Show, "show", "wisp show", "show the phone's window", false},
    KindInfo{K::Register, "register", "wisp register [ACCOUNT]",
             "register an account (or every account) with its server now", true},
    KindInfo{K::Unregister, "unregister", "wisp unregister [ACCOUNT]",
             "remove an account's (or every account's) registration", true},
    KindInfo{K::Message, "message", "wisp message TARGET TEXT...",
             "send a text message (SIP MESSAGE)", false},
};

constexpr bool tableMatchesEnum() {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (static_cast<std::size_t>(kKinds[i].kind) != i) {
      return false;
    }
  }
  return true;
}
static_assert(tableMatchesEnum(), "kKinds must list every CommandKind in declaration order");
static_assert(kKinds.back().kind == K::Message, "kKinds must end with the last CommandKind");

constexpr std::array<CommandKind, kKinds.size()> makeKindList() {
  std::array<CommandKind, kKinds.size()> kinds{};
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    kinds[i] = kKinds[i].kind;
  }
  return kinds;
}
constexpr auto kKindList = makeKindList();

const KindInfo &infoFor(CommandKind kind) {
  auto index = static_cast<std::size_t>(kind);
  assert(index < kKinds.size());
  return kKinds[index];
}

// Words that a shell or console would split or misread are shown quoted.
bool needsQuotes(std::string_view word) {
  if (word.empty()) {
    return true;
  }
  for (unsigned char c : word) {
    if (c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '\\' || c == '#' || c == '$' ||
        c == '`' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
        c == ')' || c == '*') {
      return true;
    }
  }
  return false;
}

void appendCallId(std::vector<std::string> &argv, const std::optional<int> &call) {
  if (call) {
    argv.push_back(std::to_string(*call));
  }
}

} // namespace

std::span<const CommandKind> allCommandKinds() {
  return kKindList;
}

std::string_view commandName(CommandKind kind) {
  return infoFor(kind).name;
}

std::optional<CommandKind> commandKindFromName(std::string_view name) {
  for (const KindInfo &info : kKinds) {
    if (equalsIgnoreCase(info.name, name)) {
      return info.kind;
    }
  }
  return std::nullopt;
}

std::string usage(CommandKind kind) {
  return std::string(infoFor(kind).usage);
}

std::string_view commandSummary(CommandKind kind) {
  return infoFor(kind).summary;
}

bool commandAvailable(CommandKind kind) {
  return infoFor(kind).available;
}

std::vector<std::string> toArgv(const Command &command) {
  std::vector<std::string> argv;
  switch (command.kind) {
  case K::Dial: {
    argv.push_back("dial");
    if (command.account) {
      argv.push_back("--account");
      argv.push_back(*command.account);
    }
    std::string target = command.target;
    for (const std::string &group : command.postDialDtmf) {
      target += ',';
      target += group;
    }
    argv.push_back(std::move(target));
    break;
  }
  case K::Answer:
  case K::Hangup:
  case K::Hold:
  case K::Unhold:
    argv.push_back(std::string(commandName(command.kind)));
    appendCallId(argv, command.call);
    break;
  case K::HangupAll:
    argv = {"hangup", "--all"};
    break;
  case K::Dtmf:
    argv = {"dtmf", command.digits};
    appendCallId(argv, command.call);
    break;
  case K::Status:
    argv.push_back("status");
    if (command.json) {
      argv.push_back("--json");
    }
    break;
  case K::Help:
    argv.push_back("help");
    if (command.helpTopic) {
      argv.push_back(std::string(commandName(*command.helpTopic)));
    }
    break;
  case K::Transfer:
    argv = {"transfer", command.target};
    appendCallId(argv, command.call);
    break;
  case K::SelectAccount:
    argv = {"account", command.account.value_or("")};
    break;
  case K::Register:
  case K::Unregister:
    argv = {std::string(commandName(command.kind))};
    if (command.account)
      argv.push_back(*command.account);
    break;
  case K::SetPassword:
    argv = {"password", command.secret};
    break;
  case K::Message:
    argv = {"message", command.target, command.text};
    break;
  case K::Volume:
    argv = {"volume", std::to_string(command.volume)};
    break;
  default:
    argv.push_back(std::string(commandName(command.kind)));
    break;
  }
  return argv;
}

std::string toString(const Command &command) {
  std::vector<std::string> argv = toArgv(command);
  if (command.kind == K::SetPassword && argv.size() == 2) {
    argv[1] = "********";
  }
  std::string text;
  for (const std::string &word : argv) {
    if (!text.empty()) {
      text += ' ';
    }
    text += needsQuotes(word) ? quoted(word) : word;
  }
  return text;
}

std::ostream &operator<<(std::ostream &out, const Command &command) {
  return out << toString(command);
}

std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

} // namespace wisp
