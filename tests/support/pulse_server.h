// A private PulseAudio server for tests: its own runtime directory, no system config, and two
// 8 kHz mono null sinks. "mic" is what a test plays into (the phone records "mic.monitor");
// "spk" is where the phone plays (the test records "spk.monitor").
#pragma once

#include "util/result.h"

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace wisp::test {

class PulseServer {
public:
  // Starts `pulseaudio` and waits until it accepts clients and its sinks run with low latency
  // (about 2.5 s). Fails (never skips) with a message
  // naming the missing package when pulseaudio is not installed. The server gets
  // PR_SET_PDEATHSIG, so it dies with the thread that started it if the test crashes.
  static Result<std::unique_ptr<PulseServer>> start();

  ~PulseServer(); // stops the server by its pid and removes the runtime directory
  void stop();    // stops the server now (SIGTERM, then SIGKILL after 5 s); idempotent
  PulseServer(const PulseServer &) = delete;
  PulseServer &operator=(const PulseServer &) = delete;

  pid_t pid() const { return pid_; }
  const std::string &runtimeDir() const { return runtimeDir_; }
  std::string socketPath() const { return runtimeDir_ + "/pulse/native"; }
  std::string serverAddress() const { return "unix:" + socketPath(); } // value for PULSE_SERVER
  std::string logTail() const; // the end of the server's log, for failure messages

  // Points PulseAudio clients in this process (and children started later) at this server by
  // setting PULSE_SERVER; the previous value comes back when the server is destroyed.
  void exportToEnvironment();

  // Runs `pactl ARGS` against this server; returns its stdout, or an error with its output.
  Result<std::string> pactl(const std::string &args) const;

  // Only start() can make the key, so only start() constructs a server.
  class Key {
    friend class PulseServer;
    Key() = default;
  };
  PulseServer(Key, pid_t pid, std::string runtimeDir)
      : pid_(pid), runtimeDir_(std::move(runtimeDir)) {}

private:
  pid_t pid_;
  std::string runtimeDir_;
  std::vector<pid_t> keepalivePids_; // parec processes that keep the sinks running
  bool exported_ = false;
  std::optional<std::string> previousPulseServer_;
};

} // namespace wisp::test
