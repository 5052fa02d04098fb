#include "support/http_client.h"

#include "support/wait.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

std::string lower(std::string s) {
  for (char &c : s)
    c = char(tolower(static_cast<unsigned char>(c)));
  return s;
}

int connectTo(uint16_t port, int receiveBuffer = 0) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (receiveBuffer > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool sendAll(int fd, const std::string &data) {
  for (size_t off = 0; off < data.size();) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    off += size_t(n);
  }
  return true;
}

// Appends what arrives within `timeout`; false on EOF or timeout with nothing new.
bool readSome(int fd, std::string &into, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, int(timeout.count())) <= 0)
    return false;
  char buf[8192];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0)
    return false;
  into.append(buf, size_t(n));
  return true;
}

// Status line and headers out of `raw` once they are complete; the rest stays in raw.
bool parseHead(std::string &raw, HttpResult &r) {
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos)
    return false;
  std::string head = raw.substr(0, end);
  raw.erase(0, end + 4);
  r.status = std::atoi(head.substr(head.find(' ') + 1).c_str());
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const size_t value = line.find_first_not_of(' ', colon + 1);
      r.headers[lower(line.substr(0, colon))] =
          value == std::string::npos ? std::string() : line.substr(value);
    }
    pos = next;
  }
  return true;
}

} // namespace

Json HttpResult::json() const {
  auto j = Json::parse(body);
  return j.ok() ? *j : Json();
}

std::string HttpResult::errorCode() const {
  const Json j = json();
  const Json *e = j.find("error");
  const Json *code = e ? e->find("code") : nullptr;
  return code && code->isString() ? code->asString() : std::string();
}

HttpResult httpRequest(uint16_t port, const std::string &method, const std::string &target,
                       const std::vector<std::string> &headers, const std::string &body) {
  HttpResult r;
  int fd = connectTo(port);
  if (fd < 0) {
    r.error = "cannot connect";
    return r;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto &h : headers)
    req += h + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  std::string raw;
  if (!sendAll(fd, req)) {
    r.error = "send failed";
  } else {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    bool head = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!head)
        head = parseHead(raw, r);
      if (head && raw.size() >= size_t(std::atoll(r.headers["content-length"].c_str())))
        break;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 200) == 1 && !readSome(fd, raw, 0ms))
        break; // closed
    }
    if (!head)
      r.error = "no response head: " + raw;
    r.body = raw;
  }
  close(fd);
  return r;
}

std::string bearerHeader(const std::string &token) {
  return "Authorization: Bearer " + token;
}

SseStream::~SseStream() {
  if (fd_ >= 0)
    close(fd_);
}

Status SseStream::open(uint16_t port, const std::string &target,
                       const std::vector<std::string> &headers, int receiveBuffer) {
  fd_ = connectTo(port, receiveBuffer);
  if (fd_ < 0)
    return makeError("sse", "cannot connect");
  std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto &h : headers)
    req += h + "\r\n";
  if (!sendAll(fd_, req + "\r\n"))
    return makeError("sse", "send failed");
  if (!waitUntil(
          [&] {
            readSome(fd_, raw_, 50ms);
            return parseHead(raw_, head_);
          },
          5s))
    return makeError("sse", "no response head: " + raw_);
  return Ok{};
}

std::vector<Json> SseStream::events() {
  while (readSome(fd_, raw_, 10ms)) {
  }
  std::vector<Json> out;
  size_t pos = 0;
  for (size_t end; (end = raw_.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
    // A block is "event: TYPE\ndata: JSON" or just "data: JSON" (and ": comment" lines).
    std::string block = raw_.substr(pos, end - pos);
    size_t line = 0;
    for (size_t nl; line < block.size(); line = nl + 1) {
      nl = block.find('\n', line);
      if (nl == std::string::npos)
        nl = block.size();
      if (block.compare(line, 6, "data: ") == 0)
        if (auto j = Json::parse(std::string_view(block).substr(line + 6, nl - line - 6)); j.ok())
          out.push_back(*j);
    }
  }
  return out;
}

bool SseStream::has(const std::string &type) {
  for (const Json &e : events())
    if (const Json *t = e.find("event"); t && t->isString() && t->asString() == type)
      return true;
  return false;
}

bool SseStream::closedByPeer() {
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 100) != 1)
      return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return true;
  }
}

} // namespace wisp::test
