// What a phone costs on disk: its executable with and without symbols, the shared libraries
// it pulls in, and (baresip) the modules its configuration loads.
#pragma once

#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace wisp::bench {

struct BinaryFacts {
  std::uintmax_t bytes = 0;         // as installed / built
  std::uintmax_t strippedBytes = 0; // a copy run through `strip`
  int neededLibraries = 0;          // DT_NEEDED entries (`readelf -d`)
  int loadedLibraries = 0;          // everything `ldd` lists, dependencies of dependencies too
};

// Strips a copy of `binary` into `scratchDir`; the original is left alone.
Result<BinaryFacts> inspectBinary(const std::filesystem::path &binary,
                                  const std::filesystem::path &scratchDir);

struct ModuleFiles {
  std::vector<std::filesystem::path> files; // resolved, in the order the config lists them
  std::uintmax_t totalBytes = 0;
};

// The modules a baresip config file loads (module, module_tmp, module_app lines, looked up in
// its first module_path; entries without a file there are skipped, as baresip skips them).
Result<ModuleFiles> baresipConfigModules(const std::filesystem::path &configFile);

// `name` looked up in $PATH; empty if not found.
std::filesystem::path findInPath(const std::string &name);

} // namespace wisp::bench
