#include "support/process.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace wisp::test {

namespace {

using Clock = std::chrono::steady_clock;

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildFailure {
  int step; // index into kChildSteps
  int error;
};
constexpr const char *kChildSteps[] = {"open /dev/null", "open the log file",
                                       "open the stderr file", "change directory", "exec"};

bool isExecutable(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Resolved in the parent: after fork() the child must stick to async-signal-safe calls.
std::string resolveProgram(const std::string &name) {
  if (name.find('/') != std::string::npos) // relative to our directory, not the child's
    return std::filesystem::absolute(name).string();
  const char *path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (isExecutable(candidate))
      return candidate;
  }
  return {};
}

std::vector<std::string> buildEnvironment(const EnvVars &extra) {
  std::vector<std::string> env;
  for (char **e = environ; e && *e; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    bool overridden =
        std::any_of(extra.begin(), extra.end(), [&](const auto &kv) { return kv.first == key; });
    if (!overridden)
      env.push_back(std::move(entry));
  }
  for (const auto &[key, value] : extra)
    env.push_back(key + "=" + value);
  return env;
}

std::vector<char *> pointersTo(std::vector<std::string> &strings) {
  std::vector<char *> out;
  for (auto &s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void childFail(int pipeFd, int step) {
  ChildFailure failure{step, errno};
  [[maybe_unused]] ssize_t n = ::write(pipeFd, &failure, sizeof failure);
  ::_exit(127);
}

int openForAppend(const char *path) {
  return ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

// Runs in the child between fork() and exec: async-signal-safe calls only.
[[noreturn]] void execChild(pid_t parent, int pipeFd, const char *program, char *const argv[],
                            char *const envp[], const char *workDir, const char *logFile,
                            const char *stderrFile) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) // the parent died before prctl took effect
    ::_exit(127);

  // Signal mask and ignored signals survive exec; the peers expect the defaults.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD})
    ::sigaction(sig, &dfl, nullptr);

  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0)
    childFail(pipeFd, 0);
  int out = *logFile ? openForAppend(logFile) : ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (out < 0)
    childFail(pipeFd, 1);
  int err = out;
  if (*stderrFile && (err = openForAppend(stderrFile)) < 0)
    childFail(pipeFd, 2);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  if (*workDir && ::chdir(workDir) != 0)
    childFail(pipeFd, 3);
  ::execve(program, argv, envp);
  childFail(pipeFd, 4);
}

} // namespace

int exitStatusFromWait(int waitStatus) {
  if (WIFEXITED(waitStatus))
    return WEXITSTATUS(waitStatus);
  if (WIFSIGNALED(waitStatus))
    return 128 + WTERMSIG(waitStatus);
  return -1;
}

Result<Process> Process::start(const ProcessOptions &options) {
  if (options.argv.empty())
    return makeError("bad_argument", "Process::start: no program given.");
  std::string program = resolveProgram(options.argv[0]);
  if (program.empty())
    return makeError("not_found", "Cannot run " + options.argv[0] + ": not found in PATH.");

  // Everything the child needs is prepared before fork().
  std::vector<std::string> argvStrings = options.argv;
  std::vector<char *> argv = pointersTo(argvStrings);
  std::vector<std::string> envStrings = buildEnvironment(options.env);
  std::vector<char *> envp = pointersTo(envStrings);
  std::string workDir = options.workDir.string();
  std::string logFile = options.logFile.string();
  std::string stderrFile = options.stderrFile.string();

  int failurePipe[2];
  if (::pipe2(failurePipe, O_CLOEXEC) != 0)
    return makeError("io", std::string("pipe2: ") + std::strerror(errno));

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(failurePipe[0]);
    ::close(failurePipe[1]);
    return makeError("io", std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0)
    execChild(parent, failurePipe[1], program.c_str(), argv.data(), envp.data(), workDir.c_str(),
              logFile.c_str(), stderrFile.c_str());

  // Also here, so the group exists before anyone signals it (fails harmlessly after exec).
  ::setpgid(pid, pid);
  ::close(failurePipe[1]);
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(failurePipe[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(failurePipe[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) { // exec never happened
    int status = 0;
    ::waitpid(pid, &status, 0);
    return makeError("exec", "Cannot run " + program + ": " + kChildSteps[failure.step] +
                                 " failed: " + std::strerror(failure.error) + ".");
  }
  return Process(pid, options.logFile);
}

Process::Process(Process &&other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)),
      logFile_(std::move(other.logFile_)) {}

Process &Process::operator=(Process &&other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    logFile_ = std::move(other.logFile_);
  }
  return *this;
}

Process::~Process() {
  release();
}

void Process::release() noexcept {
  if (pid_ > 0 && !status_) {
    signalGroup(SIGTERM);
    if (!waitFor(std::chrono::milliseconds(500)))
      kill();
  }
  pid_ = -1;
}

bool Process::reapIfExited() {
  if (status_)
    return true;
  if (pid_ <= 0)
    return false;
  // Look without reaping first: while the leader is an unreaped zombie its pid (= the group id)
  // cannot be reused, so killing what is left of the group cannot hit a stranger.
  siginfo_t info{};
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) { // ECHILD: someone else reaped it; nothing more to learn
    status_ = -1;
    return true;
  }
  if (info.si_pid == 0)
    return false;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = exitStatusFromWait(status);
  return true;
}

bool Process::running() {
  return pid_ > 0 && !reapIfExited();
}

std::optional<int> Process::waitFor(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!reapIfExited()) {
    if (pid_ <= 0 || Clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return status_;
}

void Process::signalGroup(int signal) {
  if (pid_ > 0 && !status_)
    ::kill(-pid_, signal);
}

int Process::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0)
    return status_.value_or(-1);
  signalGroup(SIGTERM);
  if (auto status = waitFor(grace))
    return *status;
  return kill();
}

int Process::kill() {
  if (pid_ <= 0)
    return status_.value_or(-1);
  signalGroup(SIGKILL);
  // SIGKILL cannot be ignored; the wait only covers the kernel tearing the process down.
  return waitFor(std::chrono::seconds(30)).value_or(-1);
}

std::string Process::logText(size_t maxBytes) const {
  return readFileTail(logFile_, maxBytes);
}

std::string readFileTail(const std::filesystem::path &path, size_t maxBytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff start = std::max<std::streamoff>(0, size - static_cast<std::streamoff>(maxBytes));
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return start > 0 ? "[...]" + text : text;
}

std::string CommandResult::describe() const {
  std::string text = timedOut ? "timed out" : "exit " + std::to_string(exitCode);
  text += "; stdout: " + (out.empty() ? std::string("(empty)") : out);
  text += "; stderr: " + (err.empty() ? std::string("(empty)") : err);
  return text;
}

namespace {

// An empty file from mkstemp; its path, or "" on failure.
std::filesystem::path makeTempFile(const char *stem) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec)
    dir = "/tmp";
  std::string pattern = (dir / (std::string(stem) + "-XXXXXX")).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0)
    return {};
  ::close(fd);
  return pattern;
}

} // namespace

CommandResult runCommand(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                         const EnvVars &env) {
  CommandResult result;
  std::filesystem::path outFile = makeTempFile("wisp-cmd-out");
  std::filesystem::path errFile = makeTempFile("wisp-cmd-err");
  if (outFile.empty() || errFile.empty()) {
    result.err = std::string("cannot create a temporary file: ") + std::strerror(errno);
  } else {
    ProcessOptions options{argv, env, {}, outFile, errFile};
    auto process = Process::start(options);
    if (!process) {
      result.err = process.error().message;
    } else if (auto status = process->waitFor(timeout)) {
      result.exitCode = *status;
    } else {
      result.timedOut = true;
      result.exitCode = process->kill();
    }
    result.out = readFileTail(outFile, 16 * 1024 * 1024);
    result.err += readFileTail(errFile, 16 * 1024 * 1024);
  }
  std::error_code ec;
  if (!outFile.empty())
    std::filesystem::remove(outFile, ec);
  if (!errFile.empty())
    std::filesystem::remove(errFile, ec);
  return result;
}

} // namespace wisp::test
