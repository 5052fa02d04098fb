#include "support/wisp_phone.h"

#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"

#include <algorithm>

#ifndef WISP_BINARY
#error "WISP_BINARY (the path of the wisp executable) must be defined"
#endif

namespace wisp::test {

namespace {

using namespace std::chrono_literals;

constexpr unsigned kRtpPorts = 40;

// "key = value" -> "key"
std::string keyOf(const std::string &line) {
  std::string key = line.substr(0, line.find('='));
  key.erase(key.find_last_not_of(" \t") + 1);
  key.erase(0, key.find_first_not_of(" \t"));
  return key;
}

} // namespace

std::string jsonString(const Json &object, std::string_view key) {
  const Json *value = object.find(key);
  return value && value->isString() ? value->asString() : std::string();
}

std::optional<int64_t> jsonInt(const Json &object, std::string_view key) {
  const Json *value = object.find(key);
  return value ? value->asInt() : std::nullopt;
}

WispPhone::~WispPhone() {
  stop();
}

Status WispPhone::start(const Options &options, const std::filesystem::path &dir) {
  stop();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError("io", "Cannot create " + dir.string() + ": " + ec.message());
  dir_ = dir;
  name_ = options.name;
  for (int attempt = 1;; ++attempt) {
    bool portTaken = false;
    Status started = startOnce(options, portTaken);
    if (started || !portTaken || attempt == 3)
      return started;
  }
}

Status WispPhone::startOnce(const Options &options, bool &portTaken) {
  sipPort_ = freeUdpTcpPort();
  rtpPortMin_ = freePortRange(kRtpPorts + 1);
  // Loopback only: left to itself the phone binds to the host's main address.
  std::vector<std::pair<std::string, std::string>> defaults = {
      {"listenAddress", "127.0.0.1"},
      {"sourcePort", std::to_string(sipPort_)},
      {"rtpPortMin", std::to_string(rtpPortMin_)},
      {"rtpPortMax", std::to_string(rtpPortMin_ + kRtpPorts)}};
  std::string ini = "[Settings]\n";
  for (const auto &[key, value] : defaults) {
    bool overridden = std::any_of(options.extraSettings.begin(), options.extraSettings.end(),
                                  [&](const std::string &line) { return keyOf(line) == key; });
    if (!overridden)
      ini += key + "=" + value + "\n";
  }
  for (const auto &line : options.extraSettings)
    ini += line + "\n";
  for (const auto &line : options.extraIni)
    ini += line + "\n";
  if (Status s = writeTextFile(dir_ / "wisp.ini", ini); !s)
    return s;

  std::vector<std::string> argv = options.commandPrefix;
  argv.insert(argv.end(), {WISP_BINARY, "--profile", dir_.string(), "--audio-in", options.audioIn,
                           "--audio-out", options.audioOut, "--headless"});
  // The log shows the last attempt only.
  std::error_code ignored;
  std::filesystem::remove(outputPath(), ignored);
  auto process = Process::start({argv, options.env, dir_, outputPath(), {}});
  if (!process)
    return process.error();
  process_ = std::move(*process);

  Result<Json> lastStatus = makeError("start", "no status yet");
  bool up = waitUntil(
      [&] {
        if (!process_.running())
          return true;
        lastStatus = status();
        return lastStatus.ok();
      },
      10s, 100ms);
  if (up && lastStatus.ok())
    return Ok{};
  std::string log = logText();
  portTaken = log.find("already in use") != std::string::npos;
  std::string why =
      process_.running()
          ? "`status --json` kept failing for 10 s (" + lastStatus.error().message + ")"
          : "it exited with status " + std::to_string(process_.exitStatus().value_or(-1));
  process_.terminate(2s);
  return makeError("start", name_ + " did not start: " + why + ".\n" + log);
}

int WispPhone::stop() {
  if (!process_.valid())
    return -1;
  if (process_.running()) {
    commandArgs({"exit"}, 5s);
    if (auto status = process_.waitFor(5s))
      return *status;
  }
  return process_.terminate(3s);
}

std::string WispPhone::uri(std::string_view user) const {
  return "sip:" + std::string(user) + "@127.0.0.1:" + std::to_string(sipPort_);
}

CommandResult WispPhone::commandArgs(const std::vector<std::string> &args,
                                     std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {WISP_BINARY, "--profile", dir_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, timeout);
}

Result<Json> WispPhone::status() const {
  CommandResult result = command("status", "--json");
  if (!result.ok())
    return makeError("status", "`status --json` failed: " + result.describe());
  auto json = Json::parse(result.out);
  if (!json)
    return makeError("status", "`status --json` printed invalid JSON (" + json.error().message +
                                   "): " + result.out);
  if (!json->isObject())
    return makeError("status", "`status --json` printed no JSON object: " + result.out);
  return json;
}

std::vector<Json> WispPhone::calls() const {
  auto json = status();
  if (!json)
    return {};
  const Json *calls = json->find("calls");
  return calls ? calls->asArray() : std::vector<Json>{};
}

std::optional<Json> WispPhone::waitForCallState(std::string_view state,
                                                std::chrono::milliseconds timeout,
                                                std::optional<int64_t> id) const {
  std::optional<Json> found;
  waitUntil(
      [&] {
        for (const Json &call : calls()) {
          if (id && jsonInt(call, "id") != id)
            continue;
          if (jsonString(call, "state") == state) {
            found = call;
            return true;
          }
          if (!id)
            return false; // only the first call counts
        }
        return false;
      },
      timeout, 100ms);
  return found;
}

std::vector<Json> WispPhone::endedCalls() const {
  auto s = status();
  const Json *ended = s.ok() ? s->find("ended_calls") : nullptr;
  return ended && ended->isArray() ? ended->asArray() : std::vector<Json>{};
}

std::optional<Json> WispPhone::waitForEndedCall(size_t count,
                                                std::chrono::milliseconds timeout) const {
  std::optional<Json> found;
  waitUntil(
      [&] {
        auto ended = endedCalls();
        if (ended.size() < count)
          return false;
        found = ended.front();
        return true;
      },
      timeout);
  return found;
}

bool WispPhone::waitForNoCalls(std::chrono::milliseconds timeout) const {
  return waitUntil(
      [&] {
        auto json = status();
        const Json *calls = json ? json->find("calls") : nullptr;
        return calls && calls->asArray().empty();
      },
      timeout, 100ms);
}

std::string WispPhone::logText() const {
  std::string text = "=== " + name_ + " stdout/stderr (" + outputPath().string() + ") ===\n" +
                     readFileTail(outputPath(), 16 * 1024);
  std::string log = readFileTail(logPath(), 32 * 1024);
  if (!log.empty())
    text += "\n=== " + name_ + " log (" + logPath().string() + ") ===\n" + log;
  return text;
}

std::optional<Json> accountStatus(const WispPhone &phone, int64_t id) {
  auto s = phone.status();
  const Json *accounts = s.ok() ? s->find("accounts") : nullptr;
  if (!accounts || !accounts->isArray())
    return std::nullopt;
  for (const Json &a : accounts->asArray())
    if (jsonInt(a, "id") == id)
      return a;
  return std::nullopt;
}

std::string registrationOf(const WispPhone &phone, int64_t id) {
  auto a = accountStatus(phone, id);
  return a ? jsonString(*a, "registration") : "";
}

std::string dump(const WispPhone &phone) {
  auto s = phone.status();
  return (s.ok() ? s->dump() : "status failed: " + s.error().message) + "\n" + phone.logText();
}

} // namespace wisp::test
