// What the kernel says about a running process: memory from /proc/PID/smaps_rollup and
// /proc/PID/smaps, CPU time from /proc/PID/stat, and who else maps the same files.
//
// PSS (proportional set size) divides every shared page among the processes that map it, so it
// depends on what else runs: measure one phone at a time and check for co-mappers
// (processesMapping) before trusting a PSS figure.
#pragma once

#include "util/result.h"

#include <set>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace wisp::bench {

struct MemorySample {
  long rssKib = 0; // resident pages
  long pssKib = 0; // resident pages, shared ones divided by their number of mappers
  long ussKib = 0; // pages no other process maps (Private_Clean + Private_Dirty)
  long threads = 0;
};

Result<MemorySample> sampleMemory(pid_t pid);

// utime + stime, in milliseconds (resolution: one clock tick, usually 10 ms).
Result<long> cpuTimeMs(pid_t pid);

// Memory per mapped object: a file (by its base name), "[heap]", "[stack]", or "[anon]" for
// anonymous mappings (malloc arenas, thread stacks). Largest RSS first.
struct MappingUse {
  std::string name;
  long rssKib = 0;
  long pssKib = 0;
  long privateKib = 0; // Private_Clean + Private_Dirty
};
Result<std::vector<MappingUse>> memoryByMapping(pid_t pid);

// A process (not one of `exclude`) that maps a file whose path contains one of the
// `fragments`. Processes we may not read are skipped.
struct Sharer {
  pid_t pid = 0;
  std::string name;                   // from /proc/PID/comm
  std::vector<std::string> fragments; // the ones it maps
};
std::vector<Sharer> processesMapping(const std::vector<std::string> &fragments,
                                     const std::set<pid_t> &exclude);

// PSS and USS of `pid` as they would be without `sharers`: for the pages of its mappings of
// files matching `fragments`, takes each physical page's map count from /proc/kpagecount and
// removes the mappings the sharers hold of the same page. The rest of `sample` stays as the
// kernel reported it. Needs root (page frame numbers in /proc/PID/pagemap).
struct Discounted {
  long pssKib = 0;
  long ussKib = 0;
};
Result<Discounted> discountSharers(pid_t pid, const MemorySample &sample,
                                   const std::vector<std::string> &fragments,
                                   const std::vector<Sharer> &sharers);

// The pid of a process whose command line is exactly `argv`, or -1.
pid_t findProcess(const std::vector<std::string> &argv);

} // namespace wisp::bench
