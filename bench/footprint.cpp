// wisp_footprint: Wisp's memory, CPU time, call set-up time and size on disk, next to
// baresip 1.0.0's, measured the same way in the same run. Run it through bench/footprint;
// docs/performance.md explains the method and what the numbers say.
//
// One phone runs at a time (PSS splits shared pages among the processes that map them), and
// the far end of each call is SIPp (uas_wait_bye.xml), which maps neither libre nor OpenSSL.
#include "footprint_report.h"
#include "measured_phone.h"
#include "phone_sample.h"

#include "support/audio_analysis.h"
#include "support/sipp_peer.h"
#include "support/temp_dir.h"

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef WISP_BINARY
#error "WISP_BINARY (the path of the wisp executable) must be defined"
#endif

namespace wisp::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kSettleSeconds = 1;    // after start-up, before the idle sample
constexpr int kAfterCallSeconds = 1; // after the hang-up, before the last sample

struct Settings {
  int runs = 3;
  int callSeconds = 10;       // each call lasts this long; CPU time is measured over it
  int sampleAtSecond = 3;     // the in-call memory sample, counted from "established"
  int breakdownRows = 12;     // 0: no per-mapping breakdown
  std::set<std::string> only; // phone keys; empty: all
};

struct Subject {
  PhoneResults results;
  std::unique_ptr<MeasuredPhone> phone;
};

void record(PhoneResults &results, const std::string &moment, const PhoneSample &sample) {
  auto &s = results.samples;
  s[moment + "_rss_kib"].push_back(sample.memory.rssKib);
  s[moment + "_pss_kib"].push_back(sample.memory.pssKib);
  s[moment + "_uss_kib"].push_back(sample.memory.ussKib);
  if (sample.alone) {
    s[moment + "_pss_alone_kib"].push_back(sample.alone->pssKib);
    s[moment + "_uss_alone_kib"].push_back(sample.alone->ussKib);
  }
  s["threads_" + moment].push_back(sample.memory.threads);
  for (const auto &sharer : sample.sharers)
    results.sharers.insert(sharer.name);
}

// One start, idle sample, call, hang-up and stop of one phone.
Status measureOnce(Subject &subject, const Settings &settings, const std::filesystem::path &dir) {
  MeasuredPhone &phone = *subject.phone;
  PhoneResults &results = subject.results;
  if (Status started = phone.start(dir / "phone"); !started)
    return started;
  results.lastRunDir = dir / "phone";
  const pid_t pid = phone.pid();
  auto fail = [&](const Error &error) {
    std::string log = phone.logText();
    phone.stop();
    return makeError(error.code, results.key + ": " + error.message + "\nPhone log:\n" + log);
  };

  std::this_thread::sleep_for(std::chrono::seconds(kSettleSeconds));
  auto idle = samplePhone(pid, phone.ownFiles());
  if (!idle)
    return fail(idle.error());

  test::SippOptions sippOptions;
  sippOptions.workdir = dir;
  sippOptions.timeout = std::chrono::seconds(settings.callSeconds + 30);
  auto sipp = test::startSipp(test::sippScenario("uas_wait_bye.xml"), "", sippOptions);
  if (!sipp)
    return fail(sipp.error());

  auto setup = phone.dialUntilEstablished(sipp->uri("sipp"));
  if (!setup)
    return fail(makeError(setup.error().code, setup.error().message + "\n" + sipp->logText()));
  const auto established = Clock::now();
  auto cpuBefore = cpuTimeMs(pid);

  std::this_thread::sleep_until(established + std::chrono::seconds(settings.sampleAtSecond));
  auto inCall = samplePhone(pid, phone.ownFiles());
  if (!inCall)
    return fail(inCall.error());

  std::this_thread::sleep_until(established + std::chrono::seconds(settings.callSeconds));
  auto cpuAfter = cpuTimeMs(pid);
  if (!cpuBefore || !cpuAfter)
    return fail(makeError("cpu", "Cannot read the phone's CPU time."));
  if (Status up = phone.checkStillInCall(); !up)
    return fail(up.error());

  if (Status hungUp = phone.hangUp(); !hungUp)
    return fail(hungUp.error());
  test::SippResult sippResult = sipp->wait(10s);
  if (!sippResult.ok())
    return fail(makeError("sipp", "SIPp (the far end) failed, exit " +
                                      std::to_string(sippResult.exitCode) + ":\n" +
                                      sippResult.logText));
  std::this_thread::sleep_for(std::chrono::seconds(kAfterCallSeconds));
  auto after = samplePhone(pid, phone.ownFiles());
  if (!after)
    return fail(after.error());
  phone.stop();

  record(results, "idle", *idle);
  record(results, "call", *inCall);
  record(results, "after", *after);
  results.samples["setup_ms"].push_back(setup->count() / 1000.0);
  results.samples["call_cpu_ms"].push_back(*cpuAfter - *cpuBefore);
  results.idleBreakdown = idle->byMapping;
  results.callBreakdown = inCall->byMapping;
  std::fprintf(stderr,
               "  %-10s idle RSS/PSS %ld/%ld KiB, in a call %ld/%ld KiB, set-up %.1f ms, "
               "CPU %ld ms\n",
               results.key.c_str(), idle->memory.rssKib, idle->memory.pssKib, inCall->memory.rssKib,
               inCall->memory.pssKib, setup->count() / 1000.0, *cpuAfter - *cpuBefore);
  return Ok{};
}

const char *kUsage =
    "usage: wisp_footprint [--runs N] [--call-seconds S] [--phones KEY,...] [--breakdown ROWS]\n"
    "  Measures Wisp (null audio, file audio) and baresip 1.0.0, one at a time, each calling\n"
    "  SIPp on 127.0.0.1: RSS/PSS/USS idle and in a call, CPU time over the call, call set-up\n"
    "  time (medians of N runs, default 3), and the binaries' sizes.\n"
    "  --call-seconds S  length of each call and of the CPU measurement (default 10, >= 4)\n"
    "  --phones          any of wisp_null, wisp_file, baresip (default: all)\n"
    "  --breakdown ROWS  mappings listed per phone, largest RSS first (default 12; 0: none)\n";

Result<Settings> parseArgs(int argc, char **argv) {
  Settings settings;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h")
      return makeError("help", "");
    if (i + 1 >= argc)
      return makeError("usage", arg + " needs a value (or is unknown).");
    std::string value = argv[++i];
    try {
      if (arg == "--runs") {
        settings.runs = std::stoi(value);
      } else if (arg == "--call-seconds") {
        settings.callSeconds = std::stoi(value);
      } else if (arg == "--breakdown") {
        settings.breakdownRows = std::stoi(value);
      } else if (arg == "--phones") {
        for (size_t start = 0; start <= value.size();) {
          size_t comma = std::min(value.find(',', start), value.size());
          settings.only.insert(value.substr(start, comma - start));
          start = comma + 1;
        }
      } else {
        return makeError("usage", "Unknown option " + arg + ".");
      }
    } catch (const std::exception &) { // std::stoi
      return makeError("usage", arg + " wants a number, not \"" + value + "\".");
    }
  }
  if (settings.runs < 1 || settings.callSeconds < settings.sampleAtSecond + 1)
    return makeError("usage", "--runs must be >= 1 and --call-seconds >= 4.");
  return settings;
}

// The microphone of the file variants: 60 s of test signal, 8 kHz mono. baresip's aufile
// ends the call when its file ends, so it must outlast the call; Wisp loops it.
Result<std::filesystem::path> writeSourceWav(const test::TempDir &root) {
  std::vector<int16_t> source;
  while (source.size() < 8000u * 60)
    source.insert(source.end(), signalA().begin(), signalA().end());
  auto path = root / "source.wav";
  if (Status written = writeWav(path, source); !written)
    return written.error();
  return path;
}

int run(int argc, char **argv) {
  auto settings = parseArgs(argc, argv);
  if (!settings) {
    bool help = settings.error().code == "help";
    if (!help)
      std::fprintf(stderr, "wisp_footprint: %s\n", settings.error().message.c_str());
    std::fprintf(help ? stdout : stderr, "%s", kUsage);
    return help ? 0 : 2;
  }
  test::TempDir root("wfp");
  auto sourceWav = writeSourceWav(root);
  if (!sourceWav) {
    std::fprintf(stderr, "wisp_footprint: %s\n", sourceWav.error().message.c_str());
    return 1;
  }

  std::vector<Subject> subjects;
  auto add = [&](std::string key, std::string title, std::unique_ptr<MeasuredPhone> phone) {
    if (!settings->only.empty() && !settings->only.count(key))
      return;
    Subject subject;
    subject.results.key = std::move(key);
    subject.results.title = std::move(title);
    subject.phone = std::move(phone);
    subjects.push_back(std::move(subject));
  };
  add("wisp_null", "wisp null", makeWispPhone("null", "null"));
  add("wisp_file", "wisp file", makeWispPhone("file:" + sourceWav->string(), "file:out.wav"));
  add("baresip", "baresip 1.0.0", makeBaresipPhone(*sourceWav, root / "baresip-modules"));
  if (subjects.empty()) {
    std::fprintf(stderr, "wisp_footprint: --phones selects nothing.\n%s", kUsage);
    return 2;
  }

  // Runs interleave the phones, so that a drift of the machine affects all of them alike.
  for (int r = 1; r <= settings->runs; ++r) {
    std::fprintf(stderr, "run %d/%d\n", r, settings->runs);
    for (auto &subject : subjects) {
      auto dir = root.subdir(subject.results.key + "-" + std::to_string(r));
      if (Status measured = measureOnce(subject, *settings, dir); !measured) {
        std::fprintf(stderr, "wisp_footprint: %s\n", measured.error().message.c_str());
        return 1;
      }
    }
  }

  std::vector<PhoneResults> results;
  for (const auto &subject : subjects)
    results.push_back(subject.results);
  ReportContext context{settings->runs, settings->callSeconds, settings->sampleAtSecond,
                        kSettleSeconds, kAfterCallSeconds};
  printHeader(context);
  printTable(results, context);
  if (Status disk = printDisk(results, WISP_BINARY, root.path()); !disk) {
    std::fprintf(stderr, "wisp_footprint: %s\n", disk.error().message.c_str());
    return 1;
  }
  printMachineLines(results);
  for (const auto &phone : results)
    printBreakdown(phone, settings->breakdownRows);
  printSharers(results);
  return 0;
}

} // namespace
} // namespace wisp::bench

int main(int argc, char **argv) {
  try {
    return wisp::bench::run(argc, argv);
  } catch (const std::exception &e) { // the harness throws when the machine is out of ports
    std::fprintf(stderr, "wisp_footprint: %s\n", e.what());
    return 1;
  }
}
