#include "footprint_report.h"

#include "binary_facts.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef WISP_FOOTPRINT_BUILD_TYPE
#define WISP_FOOTPRINT_BUILD_TYPE "unknown"
#endif

namespace wisp::bench {

namespace {

struct Metric {
  const char *key;
  const char *label; // empty: machine-readable line only
  int decimals;
};

// In the order of the table.
constexpr Metric kMetrics[] = {
    {"idle_rss_kib", "idle: RSS", 0},
    {"idle_pss_kib", "idle: PSS", 0},
    {"idle_pss_alone_kib", "idle: PSS alone (*)", 0},
    {"idle_uss_alone_kib", "idle: USS alone (*)", 0},
    {"idle_uss_kib", "", 0},
    {"call_rss_kib", "in a call: RSS", 0},
    {"call_pss_kib", "in a call: PSS", 0},
    {"call_pss_alone_kib", "in a call: PSS alone (*)", 0},
    {"call_uss_alone_kib", "in a call: USS alone (*)", 0},
    {"call_uss_kib", "", 0},
    {"after_rss_kib", "1 s after the call: RSS", 0},
    {"after_pss_alone_kib", "1 s after the call: PSS alone (*)", 0},
    {"after_pss_kib", "", 0},
    {"threads_idle", "threads, idle", 0},
    {"threads_call", "threads, in a call", 0},
    {"setup_ms", "call set-up, dial to established, ms", 1},
    {"call_cpu_ms", "CPU time (user+sys), ms, over", 0},
};

double median(std::vector<double> values) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string format(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

} // namespace

void printHeader(const ReportContext &context) {
  utsname host{};
  ::uname(&host);
  std::printf("Wisp footprint: Wisp %s (%s build) vs baresip 1.0.0, one phone at a time\n",
              WISP_VERSION, WISP_FOOTPRINT_BUILD_TYPE);
  std::printf("host: %s %s, %ld CPUs; each phone calls SIPp (uas_wait_bye.xml, PCMU) on "
              "127.0.0.1\n",
              host.sysname, host.release, ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("medians of %d runs; idle = %d s after start-up; in a call = %d s after "
              "established; memory in KiB\n\n",
              context.runs, context.settleSeconds, context.sampleAtSecond);
}

void printTable(const std::vector<PhoneResults> &phones, const ReportContext &context) {
  std::printf("%-40s", "");
  for (const auto &p : phones)
    std::printf("%16s", p.title.c_str());
  std::printf("\n");
  for (const Metric &m : kMetrics) {
    std::string label = m.label;
    if (label.empty())
      continue;
    if (std::string_view(m.key) == "call_cpu_ms")
      label += " " + std::to_string(context.callSeconds) + " s of call";
    std::printf("%-40s", label.c_str());
    for (const auto &p : phones) {
      auto it = p.samples.find(m.key);
      std::printf("%16s",
                  it == p.samples.end() ? "-" : format(median(it->second), m.decimals).c_str());
    }
    std::printf("\n");
  }
  bool alone = std::any_of(phones.begin(), phones.end(), [](const PhoneResults &p) {
    return p.samples.count("idle_pss_alone_kib") > 0;
  });
  if (!alone) {
    std::printf("(*) not available: it reads /proc/kpagecount and page frames, which needs root\n");
    return;
  }
  std::printf(
      "(*) as if the phone ran alone: without the share of other processes (listed at\n"
      "    the end; SIPp included) in the pages of the phone's executable, modules, libre,\n"
      "    OpenSSL, libstdc++, PulseAudio or ALSA. libc's share stays as reported.\n");
}

void printMachineLines(const std::vector<PhoneResults> &phones) {
  std::printf("\n");
  for (const auto &p : phones) {
    for (const Metric &m : kMetrics) {
      auto it = p.samples.find(m.key);
      if (it == p.samples.end())
        continue;
      std::string all;
      for (double v : it->second)
        all += (all.empty() ? "" : ",") + format(v, m.decimals);
      std::printf("FOOTPRINT phone=%s metric=%s value=%s samples=%s\n", p.key.c_str(), m.key,
                  format(median(it->second), m.decimals).c_str(), all.c_str());
    }
  }
}

Status printDisk(const std::vector<PhoneResults> &phones, const std::filesystem::path &wispBinary,
                 const std::filesystem::path &scratch) {
  auto wisp = inspectBinary(wispBinary, scratch);
  if (!wisp)
    return wisp.error();
  auto baresip = inspectBinary(findInPath("baresip"), scratch);
  if (!baresip)
    return baresip.error();
  std::optional<ModuleFiles> modules;
  for (const auto &p : phones)
    if (p.key == "baresip" && !p.lastRunDir.empty())
      if (auto found = baresipConfigModules(p.lastRunDir / "config"))
        modules = *found;

  std::printf("\n%-40s%16s%16s\n", "on disk, bytes", "wisp", "baresip 1.0.0");
  auto row = [](const std::string &label, const std::string &a, const std::string &b) {
    std::printf("%-40s%16s%16s\n", label.c_str(), a.c_str(), b.c_str());
  };
  auto n = [](std::uintmax_t v) { return std::to_string(v); };
  row("executable, as built / installed", n(wisp->bytes), n(baresip->bytes));
  row("executable, stripped", n(wisp->strippedBytes), n(baresip->strippedBytes));
  row("modules its config loads (" + (modules ? n(modules->files.size()) : "?") + ")", "-",
      modules ? n(modules->totalBytes) : "-");
  row("stripped executable + modules", n(wisp->strippedBytes),
      modules ? n(baresip->strippedBytes + modules->totalBytes) : "-");
  row("libraries it links (NEEDED)", n(wisp->neededLibraries), n(baresip->neededLibraries));
  row("libraries loaded in all (ldd)", n(wisp->loadedLibraries), n(baresip->loadedLibraries));
  if (modules) {
    std::string names;
    for (const auto &f : modules->files)
      names += (names.empty() ? "" : " ") + f.filename().string();
    std::printf("baresip's modules: %s\n", names.c_str());
  }

  std::printf("\n");
  auto line = [](const char *phone, const char *metric, std::uintmax_t value) {
    std::printf("FOOTPRINT phone=%s metric=%s value=%ju\n", phone, metric, value);
  };
  line("wisp", "binary_bytes", wisp->bytes);
  line("wisp", "stripped_bytes", wisp->strippedBytes);
  line("wisp", "needed_libraries", wisp->neededLibraries);
  line("wisp", "ldd_libraries", wisp->loadedLibraries);
  line("baresip", "binary_bytes", baresip->bytes);
  line("baresip", "stripped_bytes", baresip->strippedBytes);
  line("baresip", "needed_libraries", baresip->neededLibraries);
  line("baresip", "ldd_libraries", baresip->loadedLibraries);
  if (modules) {
    line("baresip", "modules_count", modules->files.size());
    line("baresip", "modules_bytes", modules->totalBytes);
  }
  return Ok{};
}

void printBreakdown(const PhoneResults &phone, int rows) {
  if (phone.callBreakdown.empty() || rows <= 0)
    return;
  struct Row {
    std::string name;
    MappingUse idle, call;
  };
  std::map<std::string, Row> byName;
  for (const auto &m : phone.idleBreakdown)
    byName[m.name].idle = m;
  for (const auto &m : phone.callBreakdown)
    byName[m.name].call = m;
  std::vector<Row> ordered;
  for (auto &[name, row] : byName) {
    row.name = name;
    ordered.push_back(row);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Row &a, const Row &b) { return a.call.rssKib > b.call.rssKib; });

  std::printf("\n%s: memory per mapping, KiB, last run (PSS as reported)\n", phone.title.c_str());
  std::printf("  %-28s%9s%9s%9s  |%9s%9s%9s\n", "", "idle RSS", "PSS", "private", "call RSS", "PSS",
              "private");
  auto print = [](const Row &row) {
    std::printf("  %-28s%9ld%9ld%9ld  |%9ld%9ld%9ld\n", row.name.c_str(), row.idle.rssKib,
                row.idle.pssKib, row.idle.privateKib, row.call.rssKib, row.call.pssKib,
                row.call.privateKib);
  };
  Row rest;
  for (size_t i = 0; i < ordered.size(); ++i) {
    if (i < static_cast<size_t>(rows)) {
      print(ordered[i]);
      continue;
    }
    for (auto [sum, use] :
         {std::pair{&rest.idle, &ordered[i].idle}, {&rest.call, &ordered[i].call}}) {
      sum->rssKib += use->rssKib;
      sum->pssKib += use->pssKib;
      sum->privateKib += use->privateKib;
    }
  }
  if (ordered.size() > static_cast<size_t>(rows)) {
    rest.name = "(" + std::to_string(ordered.size() - rows) + " more)";
    print(rest);
  }
  for (const Row &row : ordered)
    std::printf("FOOTPRINT_MAPPING phone=%s mapping=%s idle_rss_kib=%ld idle_pss_kib=%ld "
                "idle_private_kib=%ld call_rss_kib=%ld call_pss_kib=%ld call_private_kib=%ld\n",
                phone.key.c_str(), row.name.c_str(), row.idle.rssKib, row.idle.pssKib,
                row.idle.privateKib, row.call.rssKib, row.call.pssKib, row.call.privateKib);
}

void printSharers(const std::vector<PhoneResults> &phones) {
  bool any = std::any_of(phones.begin(), phones.end(),
                         [](const PhoneResults &p) { return !p.sharers.empty(); });
  if (!any)
    return;
  std::printf("\nOther processes that mapped the phones' files while they were sampled "
              "(discounted in the (*) rows):\n");
  for (const auto &p : phones) {
    if (p.sharers.empty())
      continue;
    std::string names;
    for (const auto &name : p.sharers)
      names += (names.empty() ? "" : ", ") + name;
    std::printf("  %s: %s\n", p.key.c_str(), names.c_str());
  }
}

} // namespace wisp::bench
