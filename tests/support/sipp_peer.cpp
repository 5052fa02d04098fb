#include "support/sipp_peer.h"

#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"

#include <cmath>
#include <fstream>
#include <numbers>

namespace wisp::test {

namespace {

using namespace std::chrono_literals;

// Everything one run writes into the work directory, named after the scenario and SIP port
// so that several runs can share a directory.
struct SippFiles {
  std::filesystem::path scenario, screen, errors, messages, logs, tone;

  SippFiles(const std::filesystem::path &workdir, const std::filesystem::path &original,
            uint16_t port) {
    std::string stem = original.stem().string() + "-" + std::to_string(port);
    scenario = workdir / (stem + ".xml");
    screen = workdir / (stem + "-screen.log");
    errors = workdir / (stem + "-errors.log");
    messages = workdir / (stem + "-messages.log");
    logs = workdir / (stem + "-logs.log");
    tone = workdir / (stem + "-tone.ul");
  }
};

std::vector<int16_t> defaultTone() {
  constexpr unsigned kSamples = 8000 * 4; // 4 s, a whole number of 440 Hz periods
  std::vector<int16_t> samples(kSamples);
  for (unsigned i = 0; i < kSamples; ++i)
    samples[i] = static_cast<int16_t>(
        std::lround(0.25 * 32767 * std::sin(2 * std::numbers::pi * 440.0 * i / 8000.0)));
  return samples;
}

std::string section(const char *title, const std::filesystem::path &file, size_t maxBytes) {
  std::string text = readFileTail(file, maxBytes);
  if (text.empty())
    return {};
  return std::string("=== SIPp ") + title + " (" + file.filename().string() + ") ===\n" + text +
         (text.back() == '\n' ? "" : "\n");
}

std::string collectLogs(const std::filesystem::path &workdir, const std::filesystem::path &scenario,
                        uint16_t port) {
  SippFiles files(workdir, scenario, port);
  return section("errors", files.errors, 32 * 1024) + section("log actions", files.logs, 8 * 1024) +
         section("messages", files.messages, 64 * 1024) + section("screen", files.screen, 4 * 1024);
}

} // namespace

std::filesystem::path sippScenario(const std::string &name) {
  return fixturePath("sipp/" + name);
}

std::string SippProcess::uri(const std::string &user) const {
  return "sip:" + user + "@127.0.0.1:" + std::to_string(sipPort_);
}

std::string SippProcess::logText() const {
  // The copied scenario carries the original's stem and our port.
  return collectLogs(workdir_, scenarioName_, sipPort_);
}

SippResult SippProcess::wait() {
  return wait(std::chrono::duration_cast<std::chrono::milliseconds>(timeout_) + 10s);
}

SippResult SippProcess::wait(std::chrono::milliseconds timeout) {
  SippResult result;
  if (auto status = process_.waitFor(timeout)) {
    result.exitCode = *status;
  } else {
    result.timedOut = true;
    result.exitCode = process_.kill();
  }
  result.logText = logText();
  return result;
}

Result<SippProcess> launchSipp(const std::filesystem::path &scenario, const std::string &remote,
                               const SippOptions &options) {
  if (options.workdir.empty())
    return makeError("bad_argument", "SIPp: SippOptions::workdir is required.");
  SippProcess sipp;
  sipp.workdir_ = options.workdir;
  sipp.scenarioName_ = scenario.filename();
  sipp.sipPort_ = options.localPort ? options.localPort : freeUdpTcpPort();
  sipp.mediaPort_ = options.mediaPort ? options.mediaPort : freePortRange(4);
  sipp.timeout_ = options.timeout;
  SippFiles files(options.workdir, scenario, sipp.sipPort_);

  auto text = readTextFile(scenario);
  if (!text)
    return text.error();
  std::map<std::string, std::string> vars = options.keys;
  if (!vars.count("rtp_file") && text->find("@rtp_file@") != std::string::npos) {
    if (Status s = writeUlawFile(files.tone, defaultTone()); !s)
      return s.error();
    vars["rtp_file"] = files.tone.string();
  }
  auto rendered = renderTemplate(*text, vars);
  if (!rendered)
    return makeError("template", scenario.string() + ": " + rendered.error().message);
  if (Status s = writeTextFile(files.scenario, *rendered); !s)
    return s.error();

  std::vector<std::string> argv = {"sipp"};
  if (!remote.empty())
    argv.push_back(remote);
  std::vector<std::string> common = {
      "-sf", files.scenario.string(), "-s", options.serviceUser,
      // Signalling and media on loopback only (SIPp's default media IP is the host's address).
      "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", std::to_string(sipp.sipPort_), "-mp",
      std::to_string(sipp.mediaPort_),
      // SIPp's UDP control socket defaults to port 8888: parallel runs would fight over it.
      "-cp", std::to_string(freeUdpTcpPort()), "-m", "1", "-nostdin", "-d",
      std::to_string(options.callDuration.count()), "-timeout",
      std::to_string(options.timeout.count()) + "s", "-timeout_error", "-trace_err", "-error_file",
      files.errors.string(), "-trace_msg", "-message_file", files.messages.string(), "-trace_logs",
      "-log_file", files.logs.string()};
  argv.insert(argv.end(), common.begin(), common.end());
  for (const auto &[key, value] : options.keys) {
    argv.insert(argv.end(), {"-key", key, value});
  }
  argv.insert(argv.end(), options.extraArgs.begin(), options.extraArgs.end());

  auto process = Process::start({argv, {}, options.workdir, files.screen, {}});
  if (!process)
    return process.error();
  sipp.process_ = std::move(*process);

  return sipp;
}

Result<SippProcess> startSipp(const std::filesystem::path &scenario, const std::string &remote,
                              const SippOptions &options) {
  auto sipp = launchSipp(scenario, remote, options);
  if (!sipp)
    return sipp;
  waitUntil([&] { return !sipp->running() || udpPortInUse(sipp->sipPort()); }, 10s, 10ms);
  // A quick scenario may already be over, successfully; anything else is a failed start.
  bool ended = !sipp->running();
  if ((ended && sipp->exitStatus().value_or(-1) != 0) || (!ended && !udpPortInUse(sipp->sipPort())))
    return makeError("start", "SIPp did not start (" +
                                  (ended ? "exit status " + std::to_string(*sipp->exitStatus())
                                         : std::string("not listening after 10 s")) +
                                  ").\n" + sipp->logText());
  return sipp;
}

SippResult runSipp(const std::filesystem::path &scenario, const std::string &remote,
                   const SippOptions &options) {
  auto sipp = launchSipp(scenario, remote, options);
  if (!sipp) {
    SippResult failed;
    failed.logText = sipp.error().message;
    return failed;
  }
  return sipp->wait();
}

uint8_t linearToUlaw(int16_t sample) {
  constexpr int kBias = 0x84;  // shifts each segment's start onto a power of two
  constexpr int kClip = 32635; // keeps magnitude + bias within 15 bits
  int magnitude = sample;
  int sign = 0;
  if (magnitude < 0) {
    magnitude = -magnitude;
    sign = 0x80;
  }
  magnitude = std::min(magnitude, kClip) + kBias;
  int exponent = 7;
  for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1)
    --exponent;
  int mantissa = (magnitude >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t>(~(sign | exponent << 4 | mantissa));
}

Status writeUlawFile(const std::filesystem::path &path, std::span<const int16_t> samples) {
  std::string bytes;
  bytes.reserve(samples.size());
  for (int16_t s : samples)
    bytes.push_back(static_cast<char>(linearToUlaw(s)));
  return writeTextFile(path, bytes);
}

} // namespace wisp::test
