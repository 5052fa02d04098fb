#include "config/ini.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace wisp {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view s) {
  auto isBlank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && isBlank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back()))
    s.remove_suffix(1);
  return s;
}

// Removes one pair of surrounding double quotes: the way to keep edge spaces in a value.
std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
    return v.substr(1, v.size() - 2);
  return v;
}

// Control characters have no business in a hand-edited text file, and a stray carriage
// return in a value could end up splitting a SIP header in two.
int findControlCharacter(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7F)
      return u;
  }
  return -1;
}

std::string hexByte(int byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(byte));
  return buf;
}

class Parser {
public:
  Parser(std::string path) { out_.document.path = std::move(path); }

  IniParseOutput run(std::string_view text) {
    if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom)
      text.remove_prefix(kUtf8Bom.size());
    int lineNo = 0;
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      ++lineNo;
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      parseLine(trim(line), lineNo);
    }
    return std::move(out_);
  }

private:
  enum class SectionState { None, Valid, Broken };

  void error(int line, std::string section, std::string key, std::string message) {
    out_.errors.push_back(ConfigError{out_.document.path, line, std::move(section), std::move(key),
                                      std::move(message)});
  }

  void parseLine(std::string_view line, int lineNo) {
    if (line.empty() || line.front() == ';' || line.front() == '#')
      return;
    if (int c = findControlCharacter(line); c >= 0) {
      bool header = line.front() == '[';
      error(lineNo, !header && state_ == SectionState::Valid ? section_ : "", "",
            "line contains the control character " + hexByte(c));
      // A broken header's keys must not land in the previous section.
      if (header)
        state_ = SectionState::Broken;
      return;
    }
    if (line.front() == '[')
      parseHeader(line, lineNo);
    else
      parseKeyValue(line, lineNo);
  }

  void parseHeader(std::string_view line, int lineNo) {
    // Until this header proves good, the lines below it belong to no usable section; the
    // error on the header is enough, so they are checked for syntax and then dropped.
    state_ = SectionState::Broken;
    size_t close = line.find(']');
    if (close == std::string_view::npos) {
      error(lineNo, "", "", "unterminated section header: missing \"]\"");
      return;
    }
    std::string_view name = trim(line.substr(1, close - 1));
    std::string_view rest = trim(line.substr(close + 1));
    if (!rest.empty()) {
      error(lineNo, "", "",
            "unexpected text after the section header: \"" + std::string(rest) +
                "\" (comments must be on a line of their own)");
      return;
    }
    if (name.empty()) {
      error(lineNo, "", "", "empty section name \"[]\"");
      return;
    }
    if (name.find('[') != std::string_view::npos) {
      error(lineNo, "", "", "section name contains \"[\"");
      return;
    }
    section_ = std::string(name);
    state_ = SectionState::Valid;
    if (!out_.document.findSection(section_))
      out_.document.sections.push_back(IniSection{section_, lineNo});
  }

  void parseKeyValue(std::string_view line, int lineNo) {
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      // The line is not echoed: it might be a password typed without its key.
      error(lineNo, state_ == SectionState::Valid ? section_ : "", "",
            "expected key=value, a [Section] header or a comment starting with ;");
      return;
    }
    std::string key(trim(line.substr(0, eq)));
    const std::string_view written = trim(line.substr(eq + 1));
    std::string_view value = unquote(written);
    if (key.empty()) {
      error(lineNo, state_ == SectionState::Valid ? section_ : "", "", "empty key before \"=\"");
      return;
    }
    if (state_ == SectionState::None) {
      error(lineNo, "", key, "key outside any section: add a [Section] header above it");
      return;
    }
    if (state_ == SectionState::Broken)
      return;
    auto [it, inserted] = firstLine_.try_emplace({section_, key}, lineNo);
    if (!inserted) {
      error(lineNo, section_, key,
            "duplicate key (first set at line " + std::to_string(it->second) + ")");
      return;
    }
    out_.document.entries.push_back(IniEntry{section_, std::move(key), std::string(value), lineNo,
                                             value.size() != written.size()});
  }

  IniParseOutput out_;
  SectionState state_ = SectionState::None;
  std::string section_;
  std::map<std::pair<std::string, std::string>, int> firstLine_;
};

} // namespace

const IniEntry *IniDocument::find(std::string_view section, std::string_view key) const {
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const IniEntry &e) { return e.section == section && e.key == key; });
  return it == entries.end() ? nullptr : &*it;
}

const IniSection *IniDocument::findSection(std::string_view name) const {
  auto it = std::find_if(sections.begin(), sections.end(),
                         [&](const IniSection &s) { return s.name == name; });
  return it == sections.end() ? nullptr : &*it;
}

std::vector<const IniEntry *> IniDocument::entriesIn(std::string_view section) const {
  std::vector<const IniEntry *> result;
  for (const IniEntry &e : entries)
    if (e.section == section)
      result.push_back(&e);
  return result;
}

std::string ConfigError::toString() const {
  std::string s = file;
  if (line > 0)
    s += (s.empty() ? "line " : ":") + std::to_string(line);
  if (!s.empty())
    s += ": ";
  if (!section.empty())
    s += "[" + section + "] ";
  if (!key.empty())
    s += key + ": ";
  return s + message;
}

std::string formatConfigErrors(const std::vector<ConfigError> &errors) {
  std::string s;
  for (const ConfigError &e : errors)
    s += e.toString() + "\n";
  return s;
}

IniParseOutput parseIniLenient(std::string_view text, std::string path) {
  return Parser(std::move(path)).run(text);
}

ConfigResult<IniDocument> parseIni(std::string_view text, std::string path) {
  IniParseOutput out = parseIniLenient(text, std::move(path));
  if (!out.errors.empty())
    return std::move(out.errors);
  return std::move(out.document);
}

} // namespace wisp
