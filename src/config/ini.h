// The INI dialect of wisp.ini: "[Section]" headers, "key=value" lines, full-line ";" or "#"
// comments. Parsing is a pure function of the text so that `reload` can reject a bad file and
// keep the configuration it has; every problem is reported, with its line, not just the first.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wisp {

struct IniEntry {
  std::string section;
  std::string key;
  std::string value; // trimmed, one pair of surrounding double quotes removed
  int line = 0;      // 1-based
  // The value had those quotes: a command line needs them back (`"/my dir/x.sh"`).
  bool quoted = false;
  bool operator==(const IniEntry &) const = default;
};

struct IniSection {
  std::string name;
  int line = 0; // of its first header; a section may be reopened later in the file
  bool operator==(const IniSection &) const = default;
};

struct IniDocument {
  std::string path;                 // for error messages only
  std::vector<IniSection> sections; // each name once, in order of first appearance
  std::vector<IniEntry> entries;    // in file order

  const IniEntry *find(std::string_view section, std::string_view key) const;
  const IniSection *findSection(std::string_view name) const;
  std::vector<const IniEntry *> entriesIn(std::string_view section) const;
};

// A problem in a configuration file, located as precisely as we can.
struct ConfigError {
  std::string file;    // empty if not from a file
  int line = 0;        // 0 if it concerns the whole file
  std::string section; // empty if not within a section
  std::string key;     // empty if not about one key
  std::string message;

  // "FILE:LINE: [Section] key: message", leaving out the parts that are empty.
  std::string toString() const;
  bool operator==(const ConfigError &) const = default;
};

// Either the loaded value or every error found, sorted by line.
template <class T> using ConfigResult = std::variant<T, std::vector<ConfigError>>;

// One error per line, for printing.
std::string formatConfigErrors(const std::vector<ConfigError> &errors);

// A best-effort parse: document holds every well-formed entry, errors every malformed line.
// Lets a loader report bad values in good lines alongside the syntax errors.
struct IniParseOutput {
  IniDocument document;
  std::vector<ConfigError> errors;
};
IniParseOutput parseIniLenient(std::string_view text, std::string path);

// The document, or the syntax errors if there are any.
ConfigResult<IniDocument> parseIni(std::string_view text, std::string path);

} // namespace wisp
