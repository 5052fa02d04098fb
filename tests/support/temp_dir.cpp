#include "support/temp_dir.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <utility>

namespace wisp::test {

namespace {

// Leaves room under the 107-byte socket path limit for a couple of levels of names.
constexpr size_t kMaxBaseLength = 40;

std::string baseDirectory() {
  const char *tmp = std::getenv("TMPDIR");
  if (tmp && *tmp && std::strlen(tmp) <= kMaxBaseLength && ::access(tmp, W_OK) == 0)
    return tmp;
  return "/tmp";
}

bool keepFiles() {
  const char *keep = std::getenv("WISP_KEEP_TEST_FILES");
  return keep && std::string_view(keep) == "1";
}

} // namespace

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = baseDirectory() + "/" + std::string(prefix) + "-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp(" + pattern + "): " + std::strerror(errno));
  path_ = pattern;
}

TempDir::~TempDir() {
  remove();
}

TempDir::TempDir(TempDir &&other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir &TempDir::operator=(TempDir &&other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

std::filesystem::path TempDir::subdir(const std::string &name) const {
  std::filesystem::path dir = path_ / name;
  std::filesystem::create_directories(dir);
  return dir;
}

void TempDir::remove() noexcept {
  if (path_.empty())
    return;
  if (keepFiles()) {
    std::cerr << "WISP_KEEP_TEST_FILES=1: keeping " << path_.string() << "\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  path_.clear();
}

#ifndef WISP_TEST_FIXTURES
#error "WISP_TEST_FIXTURES (the absolute path of tests/fixtures) must be defined"
#endif

std::filesystem::path fixturePath(std::string_view relative) {
  return std::filesystem::path(WISP_TEST_FIXTURES) / relative;
}

namespace {

bool isNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

struct Placeholder {
  std::string name;
  std::optional<std::string> fallback;
  size_t length = 0; // of the whole "@name=default@"
};

// Parses a placeholder starting at text[at] == '@'.
std::optional<Placeholder> parsePlaceholder(std::string_view text, size_t at) {
  size_t i = at + 1;
  if (i >= text.size() || !isNameStart(text[i]))
    return std::nullopt;
  while (i < text.size() && isNameChar(text[i]))
    ++i;
  Placeholder p;
  p.name = std::string(text.substr(at + 1, i - at - 1));
  if (i < text.size() && text[i] == '=') {
    size_t start = ++i;
    while (i < text.size() && text[i] != '@' && !std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    p.fallback = std::string(text.substr(start, i - start));
  }
  if (i >= text.size() || text[i] != '@')
    return std::nullopt;
  p.length = i + 1 - at;
  return p;
}

} // namespace

Result<std::string> renderTemplate(std::string_view text,
                                   const std::map<std::string, std::string> &vars) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t at = text.find('@', i);
    if (at == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, at - i));
    auto placeholder = parsePlaceholder(text, at);
    if (!placeholder) {
      out.push_back('@');
      i = at + 1;
      continue;
    }
    if (auto it = vars.find(placeholder->name); it != vars.end())
      out.append(it->second);
    else if (placeholder->fallback)
      out.append(*placeholder->fallback);
    else
      return makeError("template", "No value for @" + placeholder->name + "@ in the template.");
    i = at + placeholder->length;
  }
  return out;
}

Status writeTextFile(const std::filesystem::path &path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out)
    return makeError("io", "Cannot write " + path.string() + ".");
  return Ok{};
}

Result<std::string> readTextFile(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("io", "Cannot read " + path.string() + ".");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status renderTemplateFile(const std::filesystem::path &templateFile,
                          const std::filesystem::path &outFile,
                          const std::map<std::string, std::string> &vars) {
  auto text = readTextFile(templateFile);
  if (!text)
    return text.error();
  auto rendered = renderTemplate(*text, vars);
  if (!rendered)
    return makeError("template", templateFile.string() + ": " + rendered.error().message);
  return writeTextFile(outFile, *rendered);
}

} // namespace wisp::test
