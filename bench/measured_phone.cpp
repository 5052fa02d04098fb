#include "measured_phone.h"

#include "proc_stats.h"

#include "config/profile.h"
#include "control/executor.h"
#include "ipc/control_client.h"
#include "support/baresip_peer.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <optional>
#include <thread>

namespace wisp::bench {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::waitUntil;

constexpr auto kSetupTimeout = 10s;
constexpr auto kHangupTimeout = 5s;
// Status polls while a call is set up. The control socket costs the phone far less than a
// `wisp status` process would, and resolves the set-up time to a few milliseconds.
constexpr auto kSetupPoll = 2ms;

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

// Talks to the phone over its control socket directly (as `wisp --profile DIR ...` would).
class WispMeasured : public MeasuredPhone {
public:
  WispMeasured(std::string audioIn, std::string audioOut)
      : audioIn_(std::move(audioIn)), audioOut_(std::move(audioOut)) {}

  Status start(const std::filesystem::path &dir) override {
    auto profile = resolveProfile(dir, {}, ProfileEnv::fromEnvironment());
    if (!profile)
      return profile.error();
    socketPath_ = profile->socketPath;
    test::WispPhone::Options options;
    options.audioIn = inDir(audioIn_, dir);
    options.audioOut = inDir(audioOut_, dir);
    return phone_.start(options, dir);
  }

  pid_t pid() const override { return phone_.running() ? phone_.process().pid() : -1; }

  Result<std::chrono::microseconds> dialUntilEstablished(const std::string &uri) override {
    auto start = Clock::now();
    if (auto reply = request({"dial", uri}); !reply)
      return reply.error();
    std::optional<std::chrono::microseconds> setup;
    waitUntil(
        [&] {
          auto call = firstCall();
          if (call && test::jsonString(*call, "state") == "established")
            setup = since(start);
          return setup.has_value();
        },
        kSetupTimeout, kSetupPoll);
    if (!setup)
      return makeError("timeout", "Wisp did not establish the call to " + uri + ".");
    return *setup;
  }

  Status checkStillInCall() override {
    auto call = firstCall();
    if (!call || test::jsonString(*call, "state") != "established")
      return makeError("call_lost", "Wisp's call ended before the measurement did.");
    return Ok{};
  }

  Status hangUp() override {
    if (auto reply = request({"hangup", "--all"}); !reply)
      return reply.error();
    if (!waitUntil([&] { return !firstCall(); }, kHangupTimeout))
      return makeError("timeout", "Wisp still has a call after hanging up.");
    return Ok{};
  }

  void stop() override { phone_.stop(); }
  std::string logText() const override { return phone_.logText(); }

private:
  // "file:out.wav" -> "file:DIR/out.wav"; "null" and absolute paths stay as they are.
  static std::string inDir(const std::string &spec, const std::filesystem::path &dir) {
    const std::string prefix = "file:";
    if (spec.rfind(prefix, 0) != 0 || spec[prefix.size()] == '/')
      return spec;
    return prefix + (dir / spec.substr(prefix.size())).string();
  }

  // The reply's "result", or the phone's error.
  Result<Json> request(const std::vector<std::string> &argv) const {
    auto reply = requestPhone(socketPath_, makeRequest(argv), 5s);
    if (!reply)
      return reply.error();
    const Json *ok = reply->find("ok");
    const Json *result = reply->find("result");
    if (!ok || !ok->isBool() || !ok->asBool() || !result)
      return makeError("command_failed", "wisp " + argv.front() + ": " + reply->dump());
    return *result;
  }

  std::optional<Json> firstCall() const {
    auto result = request({"status", "--json"});
    if (!result)
      return std::nullopt;
    const Json *data = result->find("data");
    const Json *calls = data ? data->find("calls") : nullptr;
    if (!calls || !calls->isArray() || calls->asArray().empty())
      return std::nullopt;
    return calls->asArray().front();
  }

  std::string audioIn_, audioOut_;
  mutable test::WispPhone phone_; // its running() and process() reap, hence not const
  std::filesystem::path socketPath_;
};

class BaresipMeasured : public MeasuredPhone {
public:
  BaresipMeasured(std::filesystem::path sourceWav, std::filesystem::path moduleDir)
      : sourceWav_(std::move(sourceWav)), moduleDir_(std::move(moduleDir)) {}

  Status start(const std::filesystem::path &dir) override {
    if (Status linked = linkModules(); !linked)
      return linked;
    test::BaresipPeer::Options options;
    options.sourceWav = sourceWav_;
    options.codecs = "PCMU/8000/1,PCMA/8000/1";
    // baresip takes the first module_path: this one, above the template's.
    options.extraConfig = {"module_path\t\t" + moduleDir_.string()};
    if (Status started = peer_.start(options, dir); !started)
      return started;
    // BaresipPeer keeps its process to itself: find it by its command line.
    pid_ = findProcess({"baresip", "-f", dir.string()});
    if (pid_ < 0)
      return makeError("not_found", "baresip started, but its process was not found.");
    return Ok{};
  }

  pid_t pid() const override { return pid_; }

  Result<std::chrono::microseconds> dialUntilEstablished(const std::string &uri) override {
    auto start = Clock::now();
    if (Status dialled = peer_.dial(uri); !dialled)
      return dialled.error();
    auto established = peer_.waitForEvent("CALL_ESTABLISHED", kSetupTimeout);
    if (!established)
      return makeError("timeout", "baresip did not establish the call to " + uri + ". Events:\n" +
                                      peer_.describeEvents());
    auto setup = since(start);
    establishedIndex_ = established->index;
    return setup;
  }

  Status checkStillInCall() override {
    if (peer_.waitForEventFrom("CALL_CLOSED", establishedIndex_, 0ms))
      return makeError("call_lost", "baresip's call ended before the measurement did.\n" +
                                        peer_.describeEvents());
    return Ok{};
  }

  Status hangUp() override {
    if (Status hung = peer_.hangup(); !hung)
      return hung;
    if (!peer_.waitForEvent("CALL_CLOSED", kHangupTimeout))
      return makeError("timeout", "baresip did not close the call.\n" + peer_.describeEvents());
    return Ok{};
  }

  void stop() override {
    peer_.stop();
    pid_ = -1;
  }
  std::string logText() const override { return peer_.logText(); }
  std::vector<std::string> ownFiles() const override { return {kBaresipModuleSource}; }

private:
  Status linkModules() const {
    std::error_code ec;
    std::filesystem::create_directories(moduleDir_, ec);
    for (std::string_view module : kBaresipModules) {
      auto link = moduleDir_ / module;
      if (std::filesystem::is_symlink(link, ec))
        continue;
      std::filesystem::create_symlink(std::filesystem::path(kBaresipModuleSource) / module, link,
                                      ec);
      if (ec)
        return makeError("io", "Cannot link " + link.string() + ": " + ec.message());
    }
    return Ok{};
  }

  std::filesystem::path sourceWav_, moduleDir_;
  test::BaresipPeer peer_;
  pid_t pid_ = -1;
  size_t establishedIndex_ = 0;
};

} // namespace

std::unique_ptr<MeasuredPhone> makeWispPhone(std::string audioIn, std::string audioOut) {
  return std::make_unique<WispMeasured>(std::move(audioIn), std::move(audioOut));
}

std::unique_ptr<MeasuredPhone> makeBaresipPhone(std::filesystem::path sourceWav,
                                                std::filesystem::path moduleDir) {
  return std::make_unique<BaresipMeasured>(std::move(sourceWav), std::move(moduleDir));
}

} // namespace wisp::bench
