// The phone under test: the real `wisp` binary (WISP_BINARY), headless, with its own profile.
//
// Contract with the binary:
//   wisp --profile DIR --audio-in SPEC --audio-out SPEC --headless   runs the phone
//   wisp --profile DIR COMMAND ARGS...   sends a command to that phone; reply on stdout,
//                                        exit 0 on success, error text on stderr otherwise
// Commands: dial TARGET, answer [CALL], hangup [CALL|--all], dtmf DIGITS [CALL],
// status --json, reload, exit. `status --json` prints one object with "calls": [{"id",
// "state" (calling / ringing / established), "direction", "remote", "codec", "duration",
// "dtmf_received", "media"}]; calls leave the list when they end.
#pragma once

#include "support/process.h"
#include "util/json.h"
#include "util/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::test {

class WispPhone {
public:
  struct Options {
    std::string audioIn = "null";  // "null" or "file:PATH.wav"
    std::string audioOut = "null"; // "null" or "file:PATH.wav"
    // Lines added to [Settings] in wisp.ini, e.g. "autoAnswer=all". The fixture writes
    // listenAddress=127.0.0.1, sourcePort, rtpPortMin and rtpPortMax unless a line here sets
    // the same key (then sipPort() and rtpPortMin() don't tell the truth).
    std::vector<std::string> extraSettings;
    // Lines after [Settings], e.g. {"[Api]", "dbus=off"}.
    std::vector<std::string> extraIni;
    std::string name = "wisp"; // for messages
    EnvVars env;               // extra environment, e.g. PULSE_SERVER
    // Runs the phone as PREFIX... wisp (e.g. {"ip", "netns", "exec", "lan"}); set
    // listenAddress in extraSettings to an address there. Commands still reach it: the
    // control socket is a file in the profile.
    std::vector<std::string> commandPrefix;
  };

  WispPhone() = default;
  ~WispPhone(); // stop()
  WispPhone(const WispPhone &) = delete;
  WispPhone &operator=(const WispPhone &) = delete;

  // Writes DIR/wisp.ini (127.0.0.1, a free SIP port for UDP+TCP, 41 free RTP ports: min to
  // min + 40), starts the phone and waits (<= 10 s) until `status --json` works. Retries on
  // new ports if one was taken. The error message includes the phone's output and log.
  Status start(const Options &options, const std::filesystem::path &dir);
  // `exit`, then SIGTERM, then SIGKILL. Returns the exit status (-1 if it was not running).
  int stop();
  bool running() { return process_.running(); }

  uint16_t sipPort() const { return sipPort_; }
  uint16_t rtpPortMin() const { return rtpPortMin_; }
  std::string uri(std::string_view user = "wisp") const; // sip:USER@127.0.0.1:PORT

  // `wisp --profile DIR ARGS...`.
  CommandResult commandArgs(const std::vector<std::string> &args,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  template <class... Args> CommandResult command(const Args &...args) const {
    return commandArgs({std::string(args)...});
  }

  // `status --json`, parsed.
  Result<Json> status() const;
  // The "calls" array of the status (empty if status fails).
  std::vector<Json> calls() const;
  // Polls until the call (`id`, or the first call if none) is in `state`; returns that call.
  std::optional<Json> waitForCallState(std::string_view state, std::chrono::milliseconds timeout,
                                       std::optional<int64_t> id = std::nullopt) const;
  // Polls until the phone reports no calls.
  bool waitForNoCalls(std::chrono::milliseconds timeout) const;
  // The "ended_calls" array of the status, most recent first (empty if status fails).
  std::vector<Json> endedCalls() const;
  // The most recent ended call, once the phone lists at least `count` of them.
  std::optional<Json>
  waitForEndedCall(size_t count = 1,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  const std::filesystem::path &profileDir() const { return dir_; }
  std::filesystem::path logPath() const { return dir_ / "wisp.log"; }       // the phone's log
  std::filesystem::path outputPath() const { return dir_ / "wisp.stdout"; } // stdout+stderr
  // Both, ends only, for failure messages.
  std::string logText() const;
  Process &process() { return process_; }

private:
  Status startOnce(const Options &options, bool &portTaken);

  Process process_;
  std::filesystem::path dir_;
  std::string name_ = "wisp";
  uint16_t sipPort_ = 0;
  uint16_t rtpPortMin_ = 0;
};

// Helpers for the status JSON: a string / integer member, "" / nullopt if absent.
std::string jsonString(const Json &object, std::string_view key);
std::optional<int64_t> jsonInt(const Json &object, std::string_view key);

// The entry of account `id` in the phone's status, if it has one.
std::optional<Json> accountStatus(const WispPhone &phone, int64_t id);
// That account's "registration" ("registered", "failed", ...); "" if there is no such account.
std::string registrationOf(const WispPhone &phone, int64_t id = 1);

// For failure messages: the phone's state snapshot (or why there is none) and its output and
// log.
std::string dump(const WispPhone &phone);

} // namespace wisp::test
