// Child processes for the end-to-end tests: the phone under test and the peers it talks to.
//
// Every child runs in its own process group (peers may fork helpers) and gets
// PR_SET_PDEATHSIG = SIGKILL, so a crashed test leaves no orphans behind. Note that the kernel
// sends that signal when the *thread* that started the child exits: start long-lived children
// from the test's own thread, not from a short-lived helper thread.
//
// Output goes to files, never to pipes: a chatty child can't block on a full pipe while the test
// waits for something else.
#pragma once

#include "util/result.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace wisp::test {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

struct ProcessOptions {
  // argv[0] is the program: a path, or a name looked up in $PATH.
  std::vector<std::string> argv;
  // Added to (or replacing entries of) this process's environment.
  EnvVars env;
  // Empty: the test's current directory.
  std::filesystem::path workDir;
  // stdout (and stderr, unless stderrFile is set) are appended to this file; empty: /dev/null.
  // stdin is always /dev/null.
  std::filesystem::path logFile;
  std::filesystem::path stderrFile;
};

// The convention of shells: the exit code, or 128 + the signal number if a signal ended it.
int exitStatusFromWait(int waitStatus);

class Process {
public:
  // Fails if the program can't be executed (not found, not executable, bad working dir...).
  static Result<Process> start(const ProcessOptions &options);

  Process() = default; // holds no process
  Process(Process &&other) noexcept;
  Process &operator=(Process &&other) noexcept;
  Process(const Process &) = delete;
  Process &operator=(const Process &) = delete;
  // Still running: SIGTERM to the group, SIGKILL after a short grace, then reaped.
  ~Process();

  pid_t pid() const { return pid_; }
  bool valid() const { return pid_ > 0; }
  // Reaps the child if it has ended (and kills whatever it left in its process group).
  bool running();
  // The exit status once the child has been reaped (see exitStatusFromWait).
  std::optional<int> exitStatus() const { return status_; }
  // Waits up to `timeout` for the child to end; its exit status, or nullopt if still running.
  std::optional<int> waitFor(std::chrono::milliseconds timeout);
  // SIGTERM to the process group, SIGKILL after `grace`; returns the exit status.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(3));
  // SIGKILL to the process group; returns the exit status.
  int kill();
  // Sends `signal` to the whole process group (no-op once reaped).
  void signalGroup(int signal);

  const std::filesystem::path &logFile() const { return logFile_; }
  // The log file's content (at most the last maxBytes).
  std::string logText(size_t maxBytes = 64 * 1024) const;

private:
  Process(pid_t pid, std::filesystem::path logFile) : pid_(pid), logFile_(std::move(logFile)) {}
  bool reapIfExited(); // true once reaped
  void release() noexcept;

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path logFile_;
};

struct CommandResult {
  int exitCode = -1; // exitStatusFromWait convention; -1 if it could not be started
  std::string out;
  std::string err;
  bool timedOut = false; // killed after the timeout
  bool ok() const { return exitCode == 0; }
  std::string describe() const; // "exit 1; stdout: ...; stderr: ..." for failure messages
};

// Runs a short command to completion and captures stdout and stderr (through temporary files).
// Killed (the whole group) when it takes longer than `timeout`.
CommandResult runCommand(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                         const EnvVars &env = {});

// The last maxBytes of a text file ("" if it can't be read).
std::string readFileTail(const std::filesystem::path &path, size_t maxBytes = 64 * 1024);

} // namespace wisp::test
