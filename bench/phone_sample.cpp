#include "phone_sample.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace wisp::bench {

namespace {

// The entries of phoneLibraries() and `ownFiles` that `pid` maps, and its executable.
std::vector<std::string> filesOf(pid_t pid, const std::vector<std::string> &ownFiles) {
  std::vector<std::string> files;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  for (const auto *list : {&phoneLibraries(), &ownFiles})
    for (const auto &file : *list)
      if (text.find(file) != std::string::npos)
        files.push_back(file);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  if (!ec)
    files.push_back(exe.string());
  return files;
}

} // namespace

const std::vector<std::string> &phoneLibraries() {
  static const std::vector<std::string> libraries = {
      "/libre.so",     "/librem.so",   "/libcrypto.so", "/libssl.so",
      "/libstdc++.so", "/libpulse.so", "/libasound.so"};
  return libraries;
}

Result<PhoneSample> samplePhone(pid_t pid, const std::vector<std::string> &ownFiles) {
  PhoneSample sample;
  auto memory = sampleMemory(pid);
  if (!memory)
    return memory.error();
  sample.memory = *memory;
  const auto files = filesOf(pid, ownFiles);
  // The benchmark itself maps none of these files (bench/CMakeLists.txt); SIPp, the far end,
  // maps libstdc++ and is discounted like any other sharer.
  sample.sharers = processesMapping(files, {pid});
  if (auto alone = discountSharers(pid, sample.memory, files, sample.sharers))
    sample.alone = *alone;
  if (auto byMapping = memoryByMapping(pid))
    sample.byMapping = *byMapping;
  return sample;
}

} // namespace wisp::bench
