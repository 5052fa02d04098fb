#include "support/stun_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <memory>

namespace wisp::test {
namespace {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr uint16_t kBindingRequest = 0x0001;
constexpr uint16_t kBindingResponse = 0x0101;
constexpr uint16_t kXorMappedAddress = 0x0020;

uint16_t get16(const uint8_t *p) {
  return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
void put16(uint8_t *p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void put32(uint8_t *p, uint32_t v) {
  put16(p, uint16_t(v >> 16));
  put16(p + 2, uint16_t(v));
}

} // namespace

StunServer::~StunServer() {
  stop();
}

Status StunServer::start(const std::string &ip, uint16_t port, const std::string &netns) {
  stop();
  stopping_ = false;
  wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0)
    return makeError("stun", std::string("eventfd: ") + strerror(errno));
  // "" or why the socket could not be set up. Shared: the thread may still be inside
  // set_value when start() returns.
  auto ready = std::make_shared<std::promise<std::string>>();
  auto readyFuture = ready->get_future();
  thread_ = std::thread([this, ip, port, netns, ready] {
    if (!netns.empty()) {
      int nsFd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
      if (nsFd < 0 || setns(nsFd, CLONE_NEWNET) != 0) {
        ready->set_value("cannot enter network namespace " + netns + ": " + strerror(errno));
        if (nsFd >= 0)
          close(nsFd);
        return;
      }
      close(nsFd);
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (fd < 0 || inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
      ready->set_value("cannot listen on " + ip + ":" + std::to_string(port) + ": " +
                       strerror(errno));
      if (fd >= 0)
        close(fd);
      return;
    }
    ready->set_value("");
    serve(fd);
    close(fd);
  });
  std::string why = readyFuture.get();
  if (!why.empty()) {
    stop();
    return makeError("stun", why);
  }
  return Ok{};
}

void StunServer::stop() {
  stopping_ = true;
  if (wakeFd_ >= 0) {
    uint64_t one = 1;
    (void)!write(wakeFd_, &one, sizeof one);
  }
  if (thread_.joinable())
    thread_.join();
  if (wakeFd_ >= 0)
    close(wakeFd_);
  wakeFd_ = -1;
}

std::vector<std::string> StunServer::sources() const {
  std::lock_guard lock(mutex_);
  return sources_;
}

void StunServer::serve(int fd) {
  while (!stopping_) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    if (poll(fds, 2, 1000) <= 0 || !(fds[0].revents & POLLIN))
      continue;
    uint8_t in[1500];
    sockaddr_in src{};
    socklen_t srcLen = sizeof src;
    ssize_t n = recvfrom(fd, in, sizeof in, 0, reinterpret_cast<sockaddr *>(&src), &srcLen);
    if (n < 20 || get16(in) != kBindingRequest || get32(in + 4) != kMagicCookie ||
        src.sin_family != AF_INET)
      continue;
    uint8_t out[32] = {};
    put16(out, kBindingResponse);
    put16(out + 2, 12);
    memcpy(out + 4, in + 4, 16); // cookie and transaction id
    put16(out + 20, kXorMappedAddress);
    put16(out + 22, 8);
    out[25] = 0x01; // IPv4
    put16(out + 26, uint16_t(ntohs(src.sin_port) ^ (kMagicCookie >> 16)));
    put32(out + 28, ntohl(src.sin_addr.s_addr) ^ kMagicCookie);
    sendto(fd, out, sizeof out, 0, reinterpret_cast<sockaddr *>(&src), srcLen);
    char ip[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &src.sin_addr, ip, sizeof ip);
    {
      std::lock_guard lock(mutex_);
      sources_.push_back(std::string(ip) + ":" + std::to_string(ntohs(src.sin_port)));
    }
    ++requests_;
  }
}

} // namespace wisp::test
