// What wisp_footprint prints: a table for people (medians), one machine-readable line per
// metric ("FOOTPRINT phone=KEY metric=NAME value=MEDIAN samples=A,B,C"), sizes on disk, and
// where each phone's memory goes, per mapped object.
#pragma once

#include "proc_stats.h"
#include "util/result.h"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace wisp::bench {

// Everything measured of one phone over all runs.
struct PhoneResults {
  std::string key;                                      // machine name: "wisp_null"
  std::string title;                                    // column heading: "wisp null"
  std::map<std::string, std::vector<double>> samples;   // metric key -> one value per run
  std::vector<MappingUse> idleBreakdown, callBreakdown; // the last run's
  std::set<std::string> sharers;    // names of unrelated processes that shared its libraries
  std::filesystem::path lastRunDir; // the last run's profile / config directory
};

struct ReportContext {
  int runs = 0;
  int callSeconds = 0;
  int sampleAtSecond = 0;
  int settleSeconds = 0;
  int afterCallSeconds = 0;
};

void printHeader(const ReportContext &context);
void printTable(const std::vector<PhoneResults> &phones, const ReportContext &context);
void printMachineLines(const std::vector<PhoneResults> &phones);
// Sizes of Wisp's and baresip's binaries (stripped copies go to `scratch`), and of the
// modules the config in baresip's last run directory loads.
Status printDisk(const std::vector<PhoneResults> &phones, const std::filesystem::path &wispBinary,
                 const std::filesystem::path &scratch);
void printBreakdown(const PhoneResults &phone, int rows);
void printSharers(const std::vector<PhoneResults> &phones);

} // namespace wisp::bench
