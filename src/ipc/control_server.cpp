#include "ipc/control_server.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <re.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace wisp {
namespace {

constexpr size_t kMaxRequestBytes = 64 * 1024; // one request line
constexpr size_t kMaxPendingOutput = 1 << 20;  // a client that reads nothing is dropped
constexpr size_t kMaxClients = 64;
constexpr size_t kMaxEventBacklog = 256 * 1024; // bytes of events a subscriber may lag

Result<sockaddr_un> socketAddress(const std::filesystem::path &path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string &s = path.native();
  if (s.size() >= sizeof addr.sun_path)
    return makeError("socket", "control socket path is too long (" + std::to_string(s.size()) +
                                   " bytes, the limit is 107): " + s);
  memcpy(addr.sun_path, s.c_str(), s.size() + 1);
  return addr;
}

bool someoneListens(const sockaddr_un &addr) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  bool ok = connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

Json errorReply(const Json *id, std::string code, std::string message) {
  Json reply = Json::object();
  reply.set("id", id ? *id : Json());
  reply.set("ok", false);
  reply.set("error",
            Json::object().set("code", std::move(code)).set("message", std::move(message)));
  return reply;
}

} // namespace

struct ControlServer::Client {
  ControlServer *server = nullptr; // libre's fd handler carries one pointer: this client
  int fd = -1;
  std::string in;
  std::string out;
  bool closeAfterFlush = false;
  bool subscribed = false;
};

ControlServer::ControlServer() = default;
ControlServer::~ControlServer() {
  close();
}

Status ControlServer::listen(const std::filesystem::path &socketPath, RequestHandler handler) {
  auto addr = socketAddress(socketPath);
  if (!addr)
    return addr.error();
  if (someoneListens(*addr))
    return makeError("already_running",
                     "a Wisp phone is already running with this profile (socket " +
                         socketPath.string() + ")");
  ::unlink(socketPath.c_str()); // a stale file left by a phone that crashed

  listenFd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0)
    return makeError("socket", std::string("socket: ") + strerror(errno));
  // Created with 0600 from the start: no window in which another user could connect.
  const mode_t old = umask(0177);
  int rc = bind(listenFd_, reinterpret_cast<const sockaddr *>(&*addr), sizeof *addr);
  umask(old);
  if (rc != 0 || ::listen(listenFd_, 16) != 0) {
    const int e = errno;
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError("socket", "cannot listen on " + socketPath.string() + ": " + strerror(e));
  }
  chmod(socketPath.c_str(), 0600);
  path_ = socketPath;
  handler_ = std::move(handler);
  const int err = fd_listen(
      listenFd_, FD_READ,
      [](int, void *arg) {
        guardCallback("control accept", [&] { static_cast<ControlServer *>(arg)->acceptClient(); });
      },
      this);
  if (err != 0) {
    ::close(listenFd_);
    listenFd_ = -1;
    ::unlink(socketPath.c_str());
    return makeError("socket", std::string("cannot watch the control socket: ") + strerror(err));
  }
  return Ok{};
}

void ControlServer::close() {
  while (!clients_.empty())
    drop(*clients_.front());
  if (listenFd_ >= 0) {
    fd_close(listenFd_);
    ::close(listenFd_);
    listenFd_ = -1;
    ::unlink(path_.c_str());
  }
}

void ControlServer::acceptClient() {
  int fd = accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0)
    return;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != getuid()) {
    log::warn("control", "refused a control connection from uid %d (pid %d)", int(cred.uid),
              int(cred.pid));
    ::close(fd);
    return;
  }
  if (clients_.size() >= kMaxClients) {
    log::warn("control", "refused a control connection: %zu clients already", clients_.size());
    ::close(fd);
    return;
  }
  auto client = std::make_unique<Client>();
  client->server = this;
  client->fd = fd;
  Client *raw = client.get();
  // The loop watches a bounded number of descriptors (libre's fd_setsize): a client it cannot
  // watch is refused rather than left connected and never served.
  if (int err = fd_listen(fd, FD_READ, &ControlServer::onFdEvent, raw); err != 0) {
    log::warn("control", "refused a control connection: %s", strerror(err));
    ::close(fd);
    return;
  }
  clients_.push_back(std::move(client));
}

void ControlServer::onFdEvent(int flags, void *arg) {
  auto *client = static_cast<Client *>(arg);
  guardCallback("control socket", [&] { client->server->onClientEvent(*client, flags); });
}

void ControlServer::onClientEvent(Client &client, int flags) {
  if (flags & FD_WRITE) {
    flush(client);
    if (!isClient(&client))
      return;
  }
  if (!(flags & FD_READ))
    return;
  // One read per wake-up: a client that floods requests takes turns with SIP and timers.
  char buf[4096];
  ssize_t n = ::read(client.fd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    drop(client);
    return;
  }
  if (n < 0)
    return;
  client.in.append(buf, size_t(n));
  size_t start = 0;
  for (size_t nl; (nl = client.in.find('\n', start)) != std::string::npos; start = nl + 1) {
    handleLine(client, std::string_view(client.in).substr(start, nl - start));
    if (!isClient(&client))
      return;
  }
  client.in.erase(0, start);
  if (client.in.size() > kMaxRequestBytes) {
    send(client, errorReply(nullptr, "too_large",
                            "request larger than " + std::to_string(kMaxRequestBytes) + " bytes")
                     .dump());
    client.closeAfterFlush = true;
    client.in.clear();
    flush(client);
    return;
  }
}

void ControlServer::handleLine(Client &client, std::string_view line) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (line.empty())
    return;
  auto request = Json::parse(line, ParseLimits{.maxDepth = 16, .maxSize = kMaxRequestBytes});
  Json reply;
  if (!request)
    reply = errorReply(nullptr, "bad_json", request.error().message);
  else if (!request->isObject())
    reply = errorReply(nullptr, "bad_request", "a request must be a JSON object");
  else if (const Json *method = request->find("method");
           method && method->isString() && method->asString() == "subscribe") {
    client.subscribed = true;
    const Json *id = request->find("id");
    reply = Json::object()
                .set("id", id ? *id : Json())
                .set("ok", true)
                .set("result", Json::object().set("subscribed", true));
  } else
    reply = handler_(*request);
  if (!isClient(&client))
    return; // dropped while the request ran (an event it caused found it lagging)
  send(client, reply.dump());
}

void ControlServer::send(Client &client, const std::string &line) {
  client.out += line;
  client.out += '\n';
  flush(client);
}

void ControlServer::flush(Client &client) {
  while (!client.out.empty()) {
    ssize_t n = ::send(client.fd, client.out.data(), client.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      break;
    if (n <= 0) {
      drop(client);
      return;
    }
    client.out.erase(0, size_t(n));
  }
  if (client.out.size() > kMaxPendingOutput) {
    log::warn("control", "dropped a control client that reads nothing");
    drop(client);
    return;
  }
  if (client.out.empty() && client.closeAfterFlush) {
    drop(client);
    return;
  }
  fd_listen(client.fd, client.out.empty() ? FD_READ : (FD_READ | FD_WRITE),
            &ControlServer::onFdEvent, &client);
}

void ControlServer::broadcast(const Json &event) {
  const std::string line = event.dump();
  std::vector<Client *> targets;
  for (const auto &c : clients_)
    if (c->subscribed)
      targets.push_back(c.get());
  for (Client *c : targets) {
    if (c->out.size() > kMaxEventBacklog) {
      log::warn("control", "dropped an event subscriber that fell behind");
      Json last =
          Json::object()
              .set("event", "error")
              .set("error", Json::object()
                                .set("code", "too_slow")
                                .set("message", "events were not read fast enough; reconnect"));
      std::string bye = last.dump() + "\n";
      (void)::send(c->fd, bye.data(), bye.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      drop(*c);
      continue;
    }
    send(*c, line);
  }
}

bool ControlServer::isClient(const Client *client) const {
  return std::any_of(clients_.begin(), clients_.end(),
                     [&](const auto &c) { return c.get() == client; });
}

void ControlServer::drop(Client &client) {
  fd_close(client.fd);
  ::close(client.fd);
  std::erase_if(clients_, [&](const auto &c) { return c.get() == &client; });
}

} // namespace wisp
