// The `help` reference: built from the command and alias tables, so it cannot fall behind.
#include "control/command_aliases.h"
#include "control/command_parser.h"

#include <string_view>

namespace wisp {
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
    if (kind == CommandKind::HangupAll) {
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
  for (const CommandAlias &alias : slashAliases()) {
    forms.push_back(withoutWisp(alias.usage));
  }
  for (const CommandAlias &alias : msipAliases()) {
    forms.push_back(withoutWisp(alias.usage));
  }
  appendWrapped(text, forms, "  ");
  text += "\nOther softphones' forms:\n";
  appendWrapped(text,
                {"action:dial?number=NUMBER", "action:answer", "action:hangup", "[Dial(NUMBER)]",
                 "[Answer]", "[Hangup]", "NUMBER TEXT (message)"},
                "  ");
  // No newline at the end: like every reply's text, each channel ends it its own way.
  return text + "\nRun \"wisp help COMMAND\" for one command's synonyms.";
}

std::string helpText(CommandKind kind) {
  std::string summary(commandSummary(kind));
  summary[0] = static_cast<char>(summary[0] - 'a' + 'A');
  std::string text = "usage: " + usage(kind) + "\n" + summary + ".\n";
  std::vector<std::string> synonyms;
  std::string native = "wisp " + std::string(commandName(kind));
  std::string usageLine = usage(kind);
  if (usageLine != native && !usageLine.starts_with(native + " ")) {
    synonyms.push_back(std::string(commandName(kind)));
  }
  auto addAliases = [&](std::span<const CommandAlias> aliases) {
    for (const CommandAlias &alias : aliases) {
      if (alias.kind == kind) {
        synonyms.push_back(withoutWisp(alias.usage));
      }
    }
  };
  addAliases(nativeAliases());
  addAliases(slashAliases());
  addAliases(msipAliases());
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
  text.pop_back(); // the last line's newline: see helpText()
  return text;
}

} // namespace wisp
