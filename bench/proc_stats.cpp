#include "proc_stats.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>
#include <unordered_map>

namespace wisp::bench {

namespace {

std::string procPath(pid_t pid, const char *file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

// "Rss:     9432 kB" -> 9432 for the key "Rss".
bool readKib(const std::string &line, std::string_view key, long &out) {
  if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 || line[key.size()] != ':')
    return false;
  std::istringstream in(line.substr(key.size() + 1));
  long value = 0;
  if (!(in >> value))
    return false;
  out = value;
  return true;
}

bool isMappingHeader(const std::string &line) {
  // "55d0c8a00000-55d0c8a21000 r--p 00000000 08:01 1234   /usr/bin/wisp": starts with hex-hex.
  size_t dash = line.find('-');
  return dash != std::string::npos && dash > 0 &&
         std::all_of(line.begin(), line.begin() + static_cast<long>(dash),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string mappingName(const std::string &header) {
  std::istringstream in(header);
  std::string field;
  for (int i = 0; i < 5 && in >> field; ++i) {
  }
  std::string path;
  std::getline(in, path);
  path.erase(0, path.find_first_not_of(' '));
  if (path.empty())
    return "[anon]";
  if (path.front() == '[')
    return path;
  return std::filesystem::path(path).filename().string();
}

// Closes the descriptor when it goes out of scope.
class UniqueFd {
public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

std::vector<pid_t> allProcesses() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    pid_t pid = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err == std::errc() && end == name.data() + name.size())
      pids.push_back(pid);
  }
  return pids;
}

// The physical frames of the resident pages in `pid`'s mappings of files matching `fragments`
// (one entry per mapping of a page). Without root, /proc/PID/pagemap shows frame 0: an error.
Result<std::vector<uint64_t>> residentFrames(pid_t pid, const std::vector<std::string> &fragments) {
  std::ifstream maps(procPath(pid, "maps"));
  UniqueFd pagemap(::open(procPath(pid, "pagemap").c_str(), O_RDONLY | O_CLOEXEC));
  if (!maps || pagemap.get() < 0)
    return makeError("not_found", "Cannot read the page map of process " + std::to_string(pid));
  const uint64_t pageSize = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  constexpr uint64_t kPresent = 1ull << 63, kFrameMask = (1ull << 55) - 1;
  std::vector<uint64_t> frames;
  for (std::string line; std::getline(maps, line);) {
    if (std::none_of(fragments.begin(), fragments.end(), [&](const std::string &fragment) {
          return line.find(fragment) != std::string::npos;
        }))
      continue;
    uint64_t start = std::stoull(line, nullptr, 16);
    uint64_t end = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
    std::vector<uint64_t> entries((end - start) / pageSize);
    const size_t bytes = entries.size() * sizeof(uint64_t);
    if (::pread(pagemap.get(), entries.data(), bytes,
                static_cast<off_t>(start / pageSize * sizeof(uint64_t))) !=
        static_cast<ssize_t>(bytes))
      return makeError("io", "Cannot read the page map of process " + std::to_string(pid));
    for (uint64_t entry : entries) {
      if (!(entry & kPresent))
        continue;
      if ((entry & kFrameMask) == 0)
        return makeError("permission", "Page frame numbers are hidden (root only).");
      frames.push_back(entry & kFrameMask);
    }
  }
  return frames;
}

} // namespace

Result<MemorySample> sampleMemory(pid_t pid) {
  std::ifstream rollup(procPath(pid, "smaps_rollup"));
  if (!rollup)
    return makeError("not_found", "Cannot read " + procPath(pid, "smaps_rollup") + ".");
  MemorySample sample;
  long privateClean = -1, privateDirty = -1;
  for (std::string line; std::getline(rollup, line);) {
    readKib(line, "Rss", sample.rssKib);
    readKib(line, "Pss", sample.pssKib);
    readKib(line, "Private_Clean", privateClean);
    readKib(line, "Private_Dirty", privateDirty);
  }
  if (sample.rssKib == 0 || privateClean < 0 || privateDirty < 0)
    return makeError("parse", procPath(pid, "smaps_rollup") + " lacks Rss or Private_*.");
  sample.ussKib = privateClean + privateDirty;

  std::ifstream status(procPath(pid, "status"));
  for (std::string line; std::getline(status, line);)
    readKib(line, "Threads", sample.threads);
  return sample;
}

Result<long> cpuTimeMs(pid_t pid) {
  std::ifstream in(procPath(pid, "stat"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may contain spaces and parentheses: fields resume after the
  // last ')'. utime and stime are fields 14 and 15, i.e. the 12th and 13th after it.
  size_t close = text.rfind(')');
  if (close == std::string::npos)
    return makeError("not_found", "Cannot read " + procPath(pid, "stat") + ".");
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  long utime = -1, stime = -1;
  for (int i = 1; i <= 13 && fields >> field; ++i) {
    if (i == 12)
      utime = std::stol(field);
    if (i == 13)
      stime = std::stol(field);
  }
  if (utime < 0 || stime < 0)
    return makeError("parse", procPath(pid, "stat") + " is too short.");
  long ticksPerSecond = ::sysconf(_SC_CLK_TCK);
  return (utime + stime) * 1000 / ticksPerSecond;
}

Result<std::vector<MappingUse>> memoryByMapping(pid_t pid) {
  std::ifstream smaps(procPath(pid, "smaps"));
  if (!smaps)
    return makeError("not_found", "Cannot read " + procPath(pid, "smaps") + ".");
  std::map<std::string, MappingUse> byName;
  MappingUse *current = nullptr;
  for (std::string line; std::getline(smaps, line);) {
    if (isMappingHeader(line)) {
      std::string name = mappingName(line);
      current = &byName[name];
      current->name = name;
      continue;
    }
    if (!current)
      continue;
    long value = 0;
    if (readKib(line, "Rss", value))
      current->rssKib += value;
    else if (readKib(line, "Pss", value))
      current->pssKib += value;
    else if (readKib(line, "Private_Clean", value) || readKib(line, "Private_Dirty", value))
      current->privateKib += value;
  }
  std::vector<MappingUse> uses;
  for (auto &[name, use] : byName)
    uses.push_back(use);
  std::sort(uses.begin(), uses.end(),
            [](const MappingUse &a, const MappingUse &b) { return a.rssKib > b.rssKib; });
  return uses;
}

std::vector<Sharer> processesMapping(const std::vector<std::string> &fragments,
                                     const std::set<pid_t> &exclude) {
  std::vector<Sharer> found;
  for (pid_t pid : allProcesses()) {
    if (exclude.count(pid))
      continue;
    std::ifstream maps(procPath(pid, "maps"));
    std::set<std::string> mapped;
    for (std::string line; std::getline(maps, line);)
      for (const auto &fragment : fragments)
        if (line.find(fragment) != std::string::npos)
          mapped.insert(fragment);
    if (mapped.empty())
      continue;
    Sharer sharer{pid, {}, {mapped.begin(), mapped.end()}};
    std::ifstream comm(procPath(pid, "comm"));
    std::getline(comm, sharer.name);
    found.push_back(std::move(sharer));
  }
  return found;
}

Result<Discounted> discountSharers(pid_t pid, const MemorySample &sample,
                                   const std::vector<std::string> &fragments,
                                   const std::vector<Sharer> &sharers) {
  const long pageKib = ::sysconf(_SC_PAGESIZE) / 1024;
  std::unordered_map<uint64_t, int> sharerMaps; // physical page -> mappings held by sharers
  for (const auto &sharer : sharers) {
    auto frames = residentFrames(sharer.pid, fragments);
    if (!frames) // it may have exited meanwhile: then it shares nothing
      continue;
    for (uint64_t frame : *frames)
      ++sharerMaps[frame];
  }
  auto frames = residentFrames(pid, fragments);
  if (!frames)
    return frames.error();
  UniqueFd counts(::open("/proc/kpagecount", O_RDONLY | O_CLOEXEC));
  if (counts.get() < 0)
    return makeError("permission", "Cannot read /proc/kpagecount (root only).");
  double pssAsReported = 0, pssWithout = 0;
  long becomePrivate = 0;
  for (uint64_t frame : *frames) {
    uint64_t count = 0;
    if (::pread(counts.get(), &count, sizeof count, static_cast<off_t>(frame * sizeof count)) !=
            static_cast<ssize_t>(sizeof count) ||
        count == 0)
      return makeError("io", "Cannot read the map count of a page from /proc/kpagecount.");
    auto it = sharerMaps.find(frame);
    uint64_t others = it == sharerMaps.end() ? 0 : static_cast<uint64_t>(it->second);
    uint64_t without = count > others ? count - others : 1;
    pssAsReported += double(pageKib) / double(count);
    pssWithout += double(pageKib) / double(without);
    if (count > 1 && without == 1)
      becomePrivate += pageKib;
  }
  Discounted result;
  result.pssKib = sample.pssKib + std::lround(pssWithout - pssAsReported);
  result.ussKib = sample.ussKib + becomePrivate;
  return result;
}

pid_t findProcess(const std::vector<std::string> &argv) {
  std::string wanted;
  for (const auto &arg : argv)
    wanted += arg + '\0';
  for (pid_t pid : allProcesses()) {
    std::ifstream in(procPath(pid, "cmdline"), std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline == wanted)
      return pid;
  }
  return -1;
}

} // namespace wisp::bench
