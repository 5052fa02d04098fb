// One look at a phone's memory, made fair on a shared machine.
//
// PSS divides each shared page among the processes that map it. On a busy machine other
// programs (a build's cmake and ninja, another test run, and the far end of the call) map the
// same libstdc++, OpenSSL or libre pages as the phone and make its PSS look smaller than it
// is. A sample therefore names those sharers and also gives PSS and USS with their share
// discounted: what the phone would have if it ran alone. Only the phone-specific files are
// discounted; libc and libm, which every process maps, keep the share the kernel reports.
#pragma once

#include "proc_stats.h"
#include "util/result.h"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace wisp::bench {

struct PhoneSample {
  MemorySample memory; // as the kernel reports it
  // PSS and USS without the sharers' share; nullopt if that could not be worked out (it
  // needs root).
  std::optional<Discounted> alone;
  std::vector<MappingUse> byMapping;
  std::vector<Sharer> sharers; // other processes that mapped the phone's files
};

// Sharers are looked for among the processes that map the phone's executable, one of
// phoneLibraries(), or a file whose path contains one of `ownFiles`; only their mappings of
// those files are discounted.
Result<PhoneSample> samplePhone(pid_t pid, const std::vector<std::string> &ownFiles);

// The libraries whose sharers are looked for: few programs map them, unlike libc, which
// every process maps and whose share is left as the kernel reports it.
const std::vector<std::string> &phoneLibraries();

} // namespace wisp::bench
