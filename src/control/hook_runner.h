// Starts event hooks: external programs that the phone never waits for. A hook runs in a
// process group of its own, with stdin from /dev/null and its output copied into the log.
// At most `maxRunning` hooks run at once; more wait in a bounded queue (a full queue drops
// the newest, with a log line). A hook still running after `timeout` gets SIGTERM, its whole
// group SIGKILL after `killGrace`. Children are reaped through pidfds on libre's loop, so
// nothing here blocks it. Loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace wisp {

struct HookJob {
  std::string name;              // for the log: "cmdCallRing", "call.dtmf"
  std::vector<std::string> argv; // argv[0]: a path, or a name looked up in $PATH
  std::vector<std::pair<std::string, std::string>> env; // added to the phone's environment
};

struct HookLimits {
  size_t maxRunning = 4;
  size_t maxQueued = 64;
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds killGrace{2'000};
};

class HookRunner {
public:
  HookRunner();
  // Hooks still waiting are started (the phone is exiting: their events did happen); running
  // ones are left to finish on their own.
  ~HookRunner();
  HookRunner(const HookRunner &) = delete;
  HookRunner &operator=(const HookRunner &) = delete;

  // Applies to hooks started from now on (and lets more start if maxRunning grew).
  void setLimits(const HookLimits &limits);
  void submit(HookJob job);

  size_t running() const { return children_.size(); }
  size_t queued() const { return queue_.size(); }

  struct Child; // one running hook; public for the C callbacks in hook_runner.cpp

private:
  void startQueued();
  void start(HookJob job);
  void finish(Child &child);

  HookLimits limits_;
  std::deque<HookJob> queue_;
  std::list<std::unique_ptr<Child>> children_;
  bool exiting_ = false; // the destructor runs: no more output is read
};

} // namespace wisp
