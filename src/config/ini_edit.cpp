#include "config/ini_edit.h"

#include "config/ini.h"
#include "util/text.h"

#include <algorithm>
#include <vector>

namespace wisp {
namespace {

// The lines of text, each with its own line ending ("\n", "\r\n" or none at the end).
std::vector<std::string_view> splitLinesKeepingEnds(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::size_t length = newline == std::string_view::npos ? text.size() : newline + 1;
    lines.push_back(text.substr(0, length));
    text.remove_prefix(length);
  }
  return lines;
}

std::string_view lineEnding(std::string_view line) {
  if (line.ends_with("\r\n")) {
    return "\r\n";
  }
  if (line.ends_with("\n")) {
    return "\n";
  }
  return "";
}

// The INI reader trims values and removes one pair of surrounding quotes.
std::string encodeValue(std::string_view value) {
  bool edgeSpace = !value.empty() && (value.front() == ' ' || value.front() == '\t' ||
                                      value.back() == ' ' || value.back() == '\t');
  bool quotedAlready = value.size() >= 2 && value.front() == '"' && value.back() == '"';
  if (edgeSpace || quotedAlready) {
    return "\"" + std::string(value) + "\"";
  }
  return std::string(value);
}

} // namespace

Result<std::string> setIniValue(std::string_view text, std::string_view section,
                                std::string_view key, std::string_view value) {
  if (std::any_of(value.begin(), value.end(), isAsciiControl)) {
    return makeError("bad_argument", "the value contains a control character");
  }
  ConfigResult<IniDocument> parsed = parseIni(text, "");
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&parsed)) {
    return makeError("config", "the file has errors: " + errors->front().toString());
  }
  const IniDocument &doc = std::get<IniDocument>(parsed);
  const IniSection *header = doc.findSection(section);
  if (!header) {
    return makeError("config", "the file has no [" + std::string(section) + "] section");
  }
  std::vector<std::string_view> lines = splitLinesKeepingEnds(text);
  std::vector<std::string> out(lines.begin(), lines.end());
  const std::string encoded = encodeValue(value);
  bool replaced = false;
  for (const IniEntry &entry : doc.entries) {
    if (entry.section != section || entry.key != key || entry.line < 1 ||
        static_cast<std::size_t>(entry.line) > lines.size()) {
      continue;
    }
    std::string_view line = lines[entry.line - 1];
    std::size_t eq = line.find('=');
    out[entry.line - 1] =
        std::string(line.substr(0, eq + 1)) + encoded + std::string(lineEnding(line));
    replaced = true;
  }
  if (!replaced) {
    std::size_t index = static_cast<std::size_t>(header->line) - 1;
    std::string_view ending = lineEnding(lines[index]);
    if (ending.empty()) { // the header is the last line and has no line ending
      out[index] += "\n";
      ending = "\n";
    }
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(index) + 1,
               std::string(key) + "=" + encoded + std::string(ending));
  }
  std::string result;
  for (const std::string &line : out) {
    result += line;
  }
  return result;
}

} // namespace wisp
