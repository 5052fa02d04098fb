#include "binary_facts.h"

#include "support/process.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace wisp::bench {

namespace {

using namespace std::chrono_literals;

Result<std::string> commandOutput(const std::vector<std::string> &argv) {
  test::CommandResult result = test::runCommand(argv, 30s);
  if (!result.ok())
    return makeError("command_failed", argv.front() + ": " + result.describe());
  return result.out;
}

int countLines(const std::string &text, bool (*counts)(const std::string &line)) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    n += counts(line) ? 1 : 0;
  return n;
}

// "libre.so.0 => /lib/... (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)" are libraries;
// "linux-vdso.so.1 (0x...)" is the kernel's, not a file.
bool isLddLibrary(const std::string &line) {
  size_t first = line.find_first_not_of(" \t");
  return line.find("=>") != std::string::npos || (first != std::string::npos && line[first] == '/');
}

bool isNeededEntry(const std::string &line) {
  return line.find("(NEEDED)") != std::string::npos;
}

} // namespace

std::filesystem::path findInPath(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

Result<BinaryFacts> inspectBinary(const std::filesystem::path &binary,
                                  const std::filesystem::path &scratchDir) {
  std::error_code ec;
  BinaryFacts facts;
  facts.bytes = std::filesystem::file_size(binary, ec);
  if (ec)
    return makeError("not_found", "Cannot read " + binary.string() + ": " + ec.message());

  auto stripped = scratchDir / (binary.filename().string() + ".stripped");
  if (auto out = commandOutput({"strip", "-o", stripped.string(), binary.string()}); !out)
    return out.error();
  facts.strippedBytes = std::filesystem::file_size(stripped, ec);
  if (ec)
    return makeError("io", "strip wrote no " + stripped.string() + ".");

  auto dynamic = commandOutput({"readelf", "-d", binary.string()});
  if (!dynamic)
    return dynamic.error();
  facts.neededLibraries = countLines(*dynamic, isNeededEntry);
  auto ldd = commandOutput({"ldd", binary.string()});
  if (!ldd)
    return ldd.error();
  facts.loadedLibraries = countLines(*ldd, isLddLibrary);
  return facts;
}

Result<ModuleFiles> baresipConfigModules(const std::filesystem::path &configFile) {
  std::ifstream in(configFile);
  if (!in)
    return makeError("not_found", "Cannot read " + configFile.string() + ".");
  std::filesystem::path modulePath;
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string key, value;
    if (!(fields >> key >> value) || key.front() == '#')
      continue;
    if (key == "module_path" && modulePath.empty())
      modulePath = value;
    else if (key == "module" || key == "module_tmp" || key == "module_app")
      names.push_back(value);
  }
  ModuleFiles modules;
  for (const auto &name : names) {
    std::error_code ec;
    auto file = std::filesystem::canonical(modulePath / name, ec);
    if (ec)
      continue;
    modules.totalBytes += std::filesystem::file_size(file, ec);
    modules.files.push_back(file);
  }
  return modules;
}

} // namespace wisp::bench
