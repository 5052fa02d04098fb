#include "ipc/control_client.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace wisp {
namespace {

// Closes the socket on every return path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

int connectTo(const std::filesystem::path &socketPath) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socketPath.native().size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, socketPath.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

} // namespace

bool phoneIsRunning(const std::filesystem::path &socketPath) {
  Fd s{connectTo(socketPath)};
  return s.fd >= 0;
}

Result<Json> requestPhone(const std::filesystem::path &socketPath, const Json &request,
                          std::chrono::milliseconds timeout) {
  Fd s{connectTo(socketPath)};
  if (s.fd < 0)
    return makeError("not_running", "no Wisp phone is running (cannot connect to " +
                                        socketPath.string() + ": " + strerror(errno) + ")");
  std::string line = request.dump() + "\n";
  for (size_t off = 0; off < line.size();) {
    ssize_t n = ::send(s.fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return makeError("io", std::string("cannot send to the phone: ") + strerror(errno));
    off += size_t(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string in;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return makeError("timeout", "the phone did not answer within " +
                                      std::to_string(timeout.count() / 1000) + " s");
    pollfd p{s.fd, POLLIN, 0};
    int r = poll(&p, 1, int(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      continue;
    char buf[4096];
    ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return makeError("io", "the phone closed the connection without answering");
    in.append(buf, size_t(n));
    if (auto nl = in.find('\n'); nl != std::string::npos)
      return Json::parse(std::string_view(in).substr(0, nl),
                         ParseLimits{.maxDepth = 64, .maxSize = 16 << 20});
  }
}

Status streamEvents(const std::filesystem::path &socketPath,
                    const std::function<bool(const std::string &line)> &onEvent) {
  Fd s{connectTo(socketPath)};
  if (s.fd < 0)
    return makeError("not_running", "no Wisp phone is running (cannot connect to " +
                                        socketPath.string() + ": " + strerror(errno) + ")");
  const std::string request = "{\"id\":1,\"method\":\"subscribe\"}\n";
  if (::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size()))
    return makeError("io", std::string("cannot send to the phone: ") + strerror(errno));
  std::string in;
  bool acknowledged = false;
  for (;;) {
    char buf[4096];
    ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return Ok{}; // the phone exited
    in.append(buf, size_t(n));
    for (size_t nl; (nl = in.find('\n')) != std::string::npos; in.erase(0, nl + 1)) {
      std::string line = in.substr(0, nl);
      if (!acknowledged) { // the reply to the subscription itself
        acknowledged = true;
        continue;
      }
      if (!onEvent(line))
        return Ok{};
    }
  }
}

} // namespace wisp
