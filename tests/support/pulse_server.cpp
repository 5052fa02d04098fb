#include "support/pulse_server.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

std::optional<std::string> findInPath(const std::string &program) {
  const char *path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

bool acceptsConnections(const std::string &socketPath) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socketPath.size() >= sizeof(addr.sun_path))
    return false;
  std::memcpy(addr.sun_path, socketPath.c_str(), socketPath.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  bool ok = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// The server's environment: ours, minus anything that would point it at another server, with
// HOME and XDG_RUNTIME_DIR inside its private directory so it touches nothing of the user's.
std::vector<std::string> serverEnvironment(const std::string &dir) {
  std::vector<std::string> env;
  for (char **e = environ; *e; ++e) {
    std::string_view entry(*e);
    if (entry.starts_with("PULSE_") || entry.starts_with("XDG_RUNTIME_DIR=") ||
        entry.starts_with("HOME=") || entry.starts_with("DBUS_SESSION_BUS_ADDRESS="))
      continue;
    env.emplace_back(entry);
  }
  env.push_back("XDG_RUNTIME_DIR=" + dir);
  env.push_back("HOME=" + dir);
  return env;
}

std::vector<char *> pointers(std::vector<std::string> &strings) {
  std::vector<char *> result;
  for (auto &s : strings)
    result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

// Starts `args` with `env`, stdin from /dev/null and stdout/stderr into `outputPath`.
// The child gets PR_SET_PDEATHSIG so it dies with the thread that started it.
Result<pid_t> spawn(std::vector<std::string> args, std::vector<std::string> env,
                    const std::string &outputPath) {
  auto argv = pointers(args);
  auto envp = pointers(env);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    return makeError("io", std::string("fork failed: ") + strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
      _exit(127);
    int in = open("/dev/null", O_RDONLY);
    int out = open(outputPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0)
      dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

void stopProcess(pid_t pid) {
  kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (waitpid(pid, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
}

} // namespace

Result<std::unique_ptr<PulseServer>> PulseServer::start() {
  const char *missing = "is not installed; the audio tests need a real sound server: "
                        "apt-get install --no-install-recommends pulseaudio pulseaudio-utils "
                        "(`make test-deps` installs them).";
  auto program = findInPath("pulseaudio");
  if (!program)
    return makeError("not_found", std::string("pulseaudio ") + missing);
  auto recorder = findInPath("parec");
  if (!recorder)
    return makeError("not_found", std::string("parec ") + missing);

  std::string dirTemplate = "/tmp/wisp-pulse-XXXXXX";
  if (!mkdtemp(dirTemplate.data()))
    return makeError("io", std::string("cannot create a runtime directory: ") + strerror(errno));
  const std::string dir = dirTemplate;

  // Sinks before the protocol module: once the socket accepts, both devices exist.
  // auth-anonymous: the socket lives in a 0700 directory, and cookies would tie clients to HOME.
  auto pid = spawn(
      {
          *program,
          "-n",
          "--daemonize=no",
          "--use-pid-file=no",
          "--exit-idle-time=-1",
          "-L",
          "module-null-sink sink_name=mic rate=8000 channels=1",
          "-L",
          "module-null-sink sink_name=spk rate=8000 channels=1",
          "-L",
          "module-native-protocol-unix auth-anonymous=1",
          "--log-target=file:" + dir + "/pa.log",
      },
      serverEnvironment(dir), dir + "/pa.stderr");
  if (!pid) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return pid.error();
  }

  auto server = std::make_unique<PulseServer>(Key{}, *pid, dir);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!acceptsConnections(server->socketPath())) {
    int status = 0;
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
      server->pid_ = -1;
      return makeError("io", "pulseaudio exited during startup (status " + std::to_string(status) +
                                 "): " + server->logTail());
    }
    if (std::chrono::steady_clock::now() > deadline)
      return makeError("timeout",
                       "pulseaudio did not accept clients within 10 s: " + server->logTail());
    std::this_thread::sleep_for(20ms);
  }

  // A null sink nobody listens to renders in 2 s blocks, so a stream that connects then waits
  // up to 2 s before its audio moves. A low-latency reader on each monitor makes the sink run
  // in 20 ms blocks; once the block in progress when it connected is over (at most 2 s), new
  // streams start at once, as they do on a real sound card.
  auto clientEnv = serverEnvironment(dir);
  clientEnv.push_back("PULSE_SERVER=" + server->serverAddress());
  for (const char *monitor : {"mic.monitor", "spk.monitor"}) {
    auto keeper = spawn({*recorder, "-d", monitor, "--latency-msec=20", "--raw", "/dev/null"},
                        clientEnv, dir + "/keepalive.log");
    if (!keeper)
      return keeper.error();
    server->keepalivePids_.push_back(*keeper);
  }
  while (true) {
    auto outputs = server->pactl("list short source-outputs");
    if (outputs.ok() && std::count(outputs->begin(), outputs->end(), '\n') >= 2)
      break;
    if (std::chrono::steady_clock::now() > deadline)
      return makeError("timeout", "the keep-alive recorders did not connect: " + server->logTail());
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(2100ms);
  return server;
}

PulseServer::~PulseServer() {
  stop();
  if (exported_) {
    if (previousPulseServer_)
      setenv("PULSE_SERVER", previousPulseServer_->c_str(), 1);
    else
      unsetenv("PULSE_SERVER");
  }
  std::error_code ignored;
  std::filesystem::remove_all(runtimeDir_, ignored);
}

void PulseServer::stop() {
  for (pid_t keeper : keepalivePids_)
    stopProcess(keeper);
  keepalivePids_.clear();
  if (pid_ > 0)
    stopProcess(pid_);
  pid_ = -1;
}

std::string PulseServer::logTail() const {
  std::string text;
  for (const char *name : {"/pa.stderr", "/pa.log"}) {
    std::ifstream in(runtimeDir_ + name);
    std::stringstream content;
    content << in.rdbuf();
    text += content.str();
  }
  constexpr size_t kTail = 2000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

void PulseServer::exportToEnvironment() {
  if (!exported_) {
    if (const char *previous = std::getenv("PULSE_SERVER"))
      previousPulseServer_ = previous;
    exported_ = true;
  }
  setenv("PULSE_SERVER", serverAddress().c_str(), 1);
}

Result<std::string> PulseServer::pactl(const std::string &args) const {
  const std::string command = "PULSE_SERVER='" + serverAddress() + "' pactl " + args + " 2>&1";
  FILE *pipe = popen(command.c_str(), "r");
  if (!pipe)
    return makeError("io", "cannot run pactl: " + std::string(strerror(errno)));
  std::string output;
  char buffer[512];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    output.append(buffer, n);
  int status = pclose(pipe);
  if (status != 0)
    return makeError("io", "pactl " + args + " failed: " + output);
  return output;
}

} // namespace wisp::test
