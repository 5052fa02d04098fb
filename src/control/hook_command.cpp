#include "control/hook_command.h"

#include <algorithm>
#include <array>
#include <optional>

namespace wisp {
namespace {

constexpr std::array<std::string_view, 5> kPlaceholders{"number", "name", "callid", "direction",
                                                        "duration"};

bool isBlank(char c) {
  return c == ' ' || c == '\t';
}

// A placeholder candidate at `pos` ("{" letters "}"): its name, else nullopt. Other braces
// (JSON in an argument, say) are plain text.
std::optional<std::string_view> placeholderAt(std::string_view word, size_t pos) {
  if (word[pos] != '{')
    return std::nullopt;
  size_t end = pos + 1;
  while (end < word.size() && ((word[end] >= 'a' && word[end] <= 'z') || word[end] == '_'))
    ++end;
  if (end == pos + 1 || end >= word.size() || word[end] != '}')
    return std::nullopt;
  return word.substr(pos + 1, end - pos - 1);
}

bool isKnownPlaceholder(std::string_view name) {
  return std::find(kPlaceholders.begin(), kPlaceholders.end(), name) != kPlaceholders.end();
}

Error commandError(std::string message) {
  return makeError("config", std::move(message));
}

bool hasPlaceholder(std::string_view word) {
  for (size_t pos = 0; pos < word.size(); ++pos)
    if (auto name = placeholderAt(word, pos); name && isKnownPlaceholder(*name))
      return true;
  return false;
}

// The option letter with which an interpreter takes a program text from its arguments:
// `sh -c TEXT`, `perl -e TEXT`. 0 = not such an interpreter.
char codeOptionOf(std::string_view program) {
  const size_t slash = program.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? program : program.substr(slash + 1);
  static constexpr std::array<std::string_view, 9> kShells{"sh",   "bash", "dash", "zsh",    "ksh",
                                                           "mksh", "ash",  "fish", "busybox"};
  static constexpr std::array<std::string_view, 3> kPythons{"python", "python3", "python2"};
  static constexpr std::array<std::string_view, 5> kEvaluators{"perl", "ruby", "node", "nodejs",
                                                               "php"};
  auto in = [&](auto &list) { return std::find(list.begin(), list.end(), name) != list.end(); };
  if (in(kShells) || in(kPythons))
    return 'c';
  if (in(kEvaluators))
    return name == "php" ? 'r' : 'e';
  return 0;
}

// A caller chooses its display name and number. Pasted into a shell script (`sh -c 'notify
// {name}'`) they would be run as code, so a placeholder may not stand in a program text;
// the WISP_* variables and positional arguments carry the values safely instead.
std::optional<Error> placeholderInProgramText(const std::vector<std::string> &words) {
  size_t program = 0;
  // `env [VAR=value...] PROGRAM ...` runs PROGRAM.
  if (codeOptionOf(words[0]) == 0 && words[0].ends_with("env")) {
    program = 1;
    while (program < words.size() && words[program].find('=') != std::string::npos)
      ++program;
    if (program >= words.size())
      return std::nullopt;
  }
  const char option = codeOptionOf(words[program]);
  if (option == 0)
    return std::nullopt;
  for (size_t i = program + 1; i + 1 < words.size(); ++i) {
    const std::string &w = words[i];
    if (w.size() < 2 || w[0] != '-' || w[1] == '-' || w.find(option) == std::string::npos)
      continue;
    if (hasPlaceholder(words[i + 1]))
      return commandError("a placeholder inside the program text of \"" + words[program] + " " + w +
                          "\" would run what the caller sends as code; use the environment "
                          "(\"$WISP_DISPLAY_NAME\", \"$WISP_REMOTE_NUMBER\") or pass it as an "
                          "argument (sh -c 'notify-send \"$1\"' sh {name})");
  }
  return std::nullopt;
}

} // namespace

std::span<const std::string_view> hookPlaceholders() {
  return kPlaceholders;
}

Result<HookCommand> parseHookCommand(std::string_view text) {
  HookCommand command;
  std::string word;
  bool inWord = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (isBlank(c)) {
      if (inWord)
        command.words.push_back(std::move(word));
      word.clear();
      inWord = false;
      continue;
    }
    inWord = true;
    if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos)
        return commandError("unterminated ' quote");
      word += text.substr(i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\'))
          ++j;
        word += text[j];
      }
      if (j >= text.size())
        return commandError("unterminated \" quote");
      i = j;
    } else if (c == '\\') {
      if (i + 1 >= text.size())
        return commandError("a backslash at the end of the command escapes nothing");
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (inWord)
    command.words.push_back(std::move(word));
  if (command.words.empty())
    return commandError("empty command");
  if (command.words.front().empty())
    return commandError("the program name is empty");
  for (const std::string &w : command.words)
    for (size_t pos = 0; pos < w.size(); ++pos)
      if (auto name = placeholderAt(w, pos); name && !isKnownPlaceholder(*name)) {
        std::string known;
        for (std::string_view p : kPlaceholders)
          known += (known.empty() ? "{" : ", {") + std::string(p) + "}";
        return commandError("unknown placeholder {" + std::string(*name) + "}; known: " + known);
      }
  if (auto unsafe = placeholderInProgramText(command.words))
    return *unsafe;
  return command;
}

std::vector<std::string> expandHookCommand(const HookCommand &command, const HookValues &values) {
  std::vector<std::string> out;
  out.reserve(command.words.size());
  for (const std::string &w : command.words) {
    std::string expanded;
    for (size_t pos = 0; pos < w.size(); ++pos) {
      auto name = placeholderAt(w, pos);
      if (!name || !isKnownPlaceholder(*name)) {
        expanded += w[pos];
        continue;
      }
      if (auto it = values.find(*name); it != values.end())
        expanded += it->second;
      pos += name->size() + 1; // past the closing brace
    }
    out.push_back(std::move(expanded));
  }
  return out;
}

} // namespace wisp
