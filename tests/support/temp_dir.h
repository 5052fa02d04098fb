// A private scratch directory per test, removed when the test ends, and the files the tests
// write into such directories: fixture files rendered from templates, plain text files.
//
// Paths are kept short ($TMPDIR only if it is short, else /tmp): Unix socket paths are limited
// to 107 bytes and the phone puts its control socket in its profile directory.
// Set WISP_KEEP_TEST_FILES=1 to keep the directory (its path is printed) for a post-mortem.
#pragma once

#include "util/result.h"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace wisp::test {

class TempDir {
public:
  // Creates DIR/PREFIX-XXXXXX; throws std::runtime_error if it can't (nothing to test then).
  explicit TempDir(std::string_view prefix = "wisp");
  ~TempDir();
  TempDir(TempDir &&other) noexcept;
  TempDir &operator=(TempDir &&other) noexcept;
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path &child) const {
    return path_ / child;
  }
  // Creates (if needed) and returns the subdirectory `name`.
  std::filesystem::path subdir(const std::string &name) const;

private:
  void remove() noexcept;

  std::filesystem::path path_;
};

// A file under tests/fixtures/ (WISP_TEST_FIXTURES), e.g. fixturePath("sipp/uac_basic.xml").
std::filesystem::path fixturePath(std::string_view relative);

// Replaces every @name@ in `text` by vars[name]; @name=default@ uses `default` when `name` is
// not in vars. A placeholder is @, a name of letters, digits and '_' starting with a letter or
// '_', optionally =default (no '@' or whitespace in it), and @. Anything else, like the @ of
// sip:user@host, is left alone. Fails, naming it, on a placeholder without value or default.
Result<std::string> renderTemplate(std::string_view text,
                                   const std::map<std::string, std::string> &vars);

Status writeTextFile(const std::filesystem::path &path, std::string_view text);
Result<std::string> readTextFile(const std::filesystem::path &path);

// renderTemplate() from one file into another.
Status renderTemplateFile(const std::filesystem::path &templateFile,
                          const std::filesystem::path &outFile,
                          const std::map<std::string, std::string> &vars);

} // namespace wisp::test
