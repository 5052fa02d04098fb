#include "control/command_aliases.h"

#include "util/text.h"

#include <string>

namespace wisp {
namespace {

using K = CommandKind;

constexpr CommandAlias kSlashAliases[] = {
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

// The transfer target follows "transfer_".
constexpr CommandAlias kMsipAliases[] = {
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

constexpr CommandAlias kNativeAliases[] = {
    {"--help", K::Help, AliasValue::None, "wisp --help [COMMAND]"},
    {"-h", K::Help, AliasValue::None, "wisp -h [COMMAND]"},
};

} // namespace

std::span<const CommandAlias> slashAliases() {
  return kSlashAliases;
}

std::span<const CommandAlias> msipAliases() {
  return kMsipAliases;
}

std::span<const CommandAlias> nativeAliases() {
  return kNativeAliases;
}

std::vector<std::string_view> aliasWords(std::span<const CommandAlias> aliases) {
  std::vector<std::string_view> words;
  for (const CommandAlias &alias : aliases) {
    words.push_back(alias.word);
  }
  return words;
}

AliasMatch findSlashAlias(std::string_view word) {
  std::size_t colon = word.find(':');
  std::string name = toLowerAscii(word.substr(0, colon));
  for (const CommandAlias &alias : kSlashAliases) {
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
  std::string lower = toLowerAscii(word);
  for (const CommandAlias &alias : kMsipAliases) {
    if (alias.value == AliasValue::None ? lower == alias.word : lower.starts_with(alias.word)) {
      if (alias.value == AliasValue::None) {
        return {&alias, std::nullopt};
      }
      return {&alias, word.substr(alias.word.size())};
    }
  }
  return {};
}

const CommandAlias *findNativeAlias(std::string_view word) {
  for (const CommandAlias &alias : kNativeAliases) {
    if (alias.word == word) {
      return &alias;
    }
  }
  return nullptr;
}

} // namespace wisp
