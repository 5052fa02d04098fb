#include "control/hook_runner.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <re.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace wisp {
namespace {

constexpr int kMaxOutputLines = 20; // per hook: a chatty one must not flood the log
constexpr size_t kMaxLineLength = 500;
constexpr int kReadsPerWakeUp = 16; // 64 KiB: a hook that writes without end can't hold the loop
constexpr uint64_t kPollMs = 200;   // only without pidfds (kernels before 5.3)

int openPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return int(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

std::string describeExit(int status) {
  if (WIFEXITED(status))
    return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("ended by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "ended";
}

// The phone's environment with the hook's variables set (replacing any of the same name).
std::vector<std::string> environmentFor(const HookJob &job) {
  std::vector<std::string> env;
  for (char **e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    const bool replaced = std::any_of(job.env.begin(), job.env.end(),
                                      [&](const auto &kv) { return kv.first == name; });
    if (!replaced)
      env.emplace_back(entry);
  }
  for (const auto &[name, value] : job.env)
    env.push_back(name + "=" + value);
  return env;
}

std::vector<char *> pointersTo(std::vector<std::string> &strings) {
  std::vector<char *> out;
  for (std::string &s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn's C objects, destroyed on every path out.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup &) = delete;
  SpawnSetup &operator=(const SpawnSetup &) = delete;
};

} // namespace

struct HookRunner::Child {
  HookRunner *owner = nullptr;
  std::string name;
  std::string program;
  pid_t pid = -1;
  int pidfd = -1;
  int outFd = -1; // read end of the pipe that holds the hook's stdout and stderr
  tmr timeoutTimer{};
  tmr killTimer{};
  tmr pollTimer{};
  bool stopping = false;
  std::string line;
  int linesLogged = 0;

  ~Child() {
    tmr_cancel(&timeoutTimer);
    tmr_cancel(&killTimer);
    tmr_cancel(&pollTimer);
    closeOutput();
    if (pidfd >= 0) {
      fd_close(pidfd);
      ::close(pidfd);
    }
  }

  std::string label() const {
    return "hook " + name + " (" + program + ", pid " + std::to_string(pid) + ")";
  }

  void closeOutput() {
    if (outFd < 0)
      return;
    fd_close(outFd);
    ::close(outFd);
    outFd = -1;
  }

  void logLine() {
    if (linesLogged < kMaxOutputLines) {
      if (line.size() > kMaxLineLength)
        line.resize(kMaxLineLength);
      log::info("hook", "hook %s: %s", name.c_str(), line.c_str());
    } else if (linesLogged == kMaxOutputLines) {
      log::info("hook", "hook %s: (more output not logged)", name.c_str());
    }
    ++linesLogged;
    line.clear();
  }

  // Reads what is there (up to a limit: the loop will call again); at the end of the output,
  // or at the hook's exit, logs the last line and closes the pipe.
  void readOutput(bool final) {
    char buf[4096];
    for (int reads = 0; outFd >= 0; ++reads) {
      if (reads == kReadsPerWakeUp) {
        if (!final)
          return;
        if (!line.empty())
          logLine();
        closeOutput(); // the hook is gone; what its leftovers write is not ours to read
        break;
      }
      const ssize_t n = ::read(outFd, buf, sizeof buf);
      if (n > 0) {
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] == '\n')
            logLine();
          else if (line.size() <= kMaxLineLength)
            line += buf[i];
        }
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !final)
        return;
      // EOF, an error, or the hook is gone: a grandchild that keeps the pipe open does not
      // keep us reading.
      if (!line.empty())
        logLine();
      closeOutput();
    }
  }

  // The hook has ended? Then it is reaped, logged and forgotten (this object is destroyed).
  void checkExit() {
    siginfo_t info{};
    const int w = ::waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if ((w != 0 && errno == EINTR) || (w == 0 && info.si_pid == 0))
      return; // still running
    // A hook we stopped takes what it left in its group along (the group lives until the
    // leader is reaped, so the number cannot name anyone else yet).
    if (stopping)
      ::kill(-pid, SIGKILL);
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, 0); // it has ended: this does not wait
    readOutput(true);
    if (r < 0)
      log::warn("hook", "%s: cannot be reaped: %s", label().c_str(), strerror(errno));
    else if (stopping)
      log::info("hook", "%s: stopped (%s)", label().c_str(), describeExit(status).c_str());
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      log::debug("hook", "%s: done", label().c_str());
    else
      log::warn("hook", "%s: %s", label().c_str(), describeExit(status).c_str());
    owner->finish(*this);
  }

  static void onExit(int, void *arg) {
    guardCallback("hook exit", [&] { static_cast<Child *>(arg)->checkExit(); });
  }
  static void onOutput(int, void *arg) {
    guardCallback("hook output", [&] { static_cast<Child *>(arg)->readOutput(false); });
  }
  static void onPoll(void *arg) {
    guardCallback("hook poll", [&] {
      auto *child = static_cast<Child *>(arg);
      tmr_start(&child->pollTimer, kPollMs, &Child::onPoll, child);
      child->checkExit(); // may destroy child: nothing after this
    });
  }
  static void onTimeout(void *arg) {
    guardCallback("hook timeout", [&] {
      auto *child = static_cast<Child *>(arg);
      const auto &limits = child->owner->limits_;
      const long long ms = limits.timeout.count();
      const std::string after =
          ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
      log::warn("hook", "%s: still running after %s: stopping it (SIGTERM)", child->label().c_str(),
                after.c_str());
      child->stopping = true;
      ::kill(-child->pid, SIGTERM);
      tmr_start(&child->killTimer, uint64_t(limits.killGrace.count()), &Child::onKill, child);
    });
  }
  static void onKill(void *arg) {
    guardCallback("hook kill", [&] {
      auto *child = static_cast<Child *>(arg);
      log::warn("hook", "%s: did not stop after SIGTERM: killed (SIGKILL)", child->label().c_str());
      ::kill(-child->pid, SIGKILL);
    });
  }
};

HookRunner::HookRunner() = default;

HookRunner::~HookRunner() {
  // The children keep running without us: stop listening for them first. Their output pipes
  // stay open (the process is ending anyway), so a hook that writes is not killed by
  // SIGPIPE while the phone is still there.
  for (auto &child : children_)
    if (child->outFd >= 0) {
      fd_close(child->outFd);
      child->outFd = -1;
    }
  children_.clear();
  exiting_ = true; // hooks started from here on write to /dev/null: nobody reads a pipe
  if (!queue_.empty())
    log::info("hook", "starting %zu waiting hooks before exiting", queue_.size());
  limits_.maxRunning = queue_.size();
  while (!queue_.empty()) {
    HookJob job = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(job));
  }
  children_.clear();
}

void HookRunner::setLimits(const HookLimits &limits) {
  limits_ = limits;
  startQueued();
}

void HookRunner::submit(HookJob job) {
  if (job.argv.empty())
    return;
  if (children_.size() < limits_.maxRunning && queue_.empty()) {
    start(std::move(job));
    return;
  }
  if (queue_.size() >= limits_.maxQueued) {
    log::warn("hook", "hook %s not run: %zu hooks are running and %zu waiting already",
              job.name.c_str(), children_.size(), queue_.size());
    return;
  }
  queue_.push_back(std::move(job));
}

void HookRunner::startQueued() {
  while (!queue_.empty() && children_.size() < limits_.maxRunning) {
    HookJob job = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(job));
  }
}

void HookRunner::start(HookJob job) {
  auto child = std::make_unique<Child>();
  child->owner = this;
  child->name = job.name;
  child->program = job.argv.front();

  int out[2];
  if (exiting_) {
    out[0] = -1;
    out[1] = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (out[1] < 0) {
      log::warn("hook", "hook %s not run: /dev/null: %s", job.name.c_str(), strerror(errno));
      return;
    }
  } else if (::pipe2(out, O_CLOEXEC) != 0) {
    log::warn("hook", "hook %s not run: no pipe: %s", job.name.c_str(), strerror(errno));
    return;
  }
  child->outFd = out[0];
  if (out[0] >= 0)
    fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&setup.actions, out[1], 2);
  // libre's sockets are not close-on-exec: a hook must not hold our SIP and RTP ports.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all); // we ignore SIGPIPE; the hook must not
  posix_spawnattr_setpgroup(&setup.attr, 0);        // its own group, to stop it whole
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv = job.argv;
  std::vector<std::string> env = environmentFor(job);
  std::vector<char *> argvp = pointersTo(argv);
  std::vector<char *> envp = pointersTo(env);
  pid_t pid = -1;
  const int err =
      posix_spawnp(&pid, argvp[0], &setup.actions, &setup.attr, argvp.data(), envp.data());
  ::close(out[1]);
  if (err != 0) {
    log::warn("hook", "hook %s: cannot run %s: %s", job.name.c_str(), child->program.c_str(),
              strerror(err));
    return; // child's destructor closes the pipe
  }
  child->pid = pid;
  log::info("hook", "%s: started", child->label().c_str());

  Child *raw = child.get();
  children_.push_back(std::move(child));
  if (raw->outFd < 0) {
    // exiting: its output goes to /dev/null
  } else if (int e = fd_listen(raw->outFd, FD_READ, &Child::onOutput, raw); e != 0) {
    log::warn("hook", "%s: its output is not logged: %s", raw->label().c_str(), strerror(e));
    raw->closeOutput();
  }
  raw->pidfd = openPidfd(pid);
  if (raw->pidfd >= 0 && fd_listen(raw->pidfd, FD_READ, &Child::onExit, raw) != 0) {
    ::close(raw->pidfd);
    raw->pidfd = -1;
  }
  if (raw->pidfd < 0)
    tmr_start(&raw->pollTimer, kPollMs, &Child::onPoll, raw);
  tmr_start(&raw->timeoutTimer, uint64_t(limits_.timeout.count()), &Child::onTimeout, raw);
}

void HookRunner::finish(Child &child) {
  auto it = std::find_if(children_.begin(), children_.end(),
                         [&](const auto &c) { return c.get() == &child; });
  if (it != children_.end())
    children_.erase(it);
  startQueued();
}

} // namespace wisp
