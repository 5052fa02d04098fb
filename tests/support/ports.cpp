#include "support/ports.h"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace wisp::test {

namespace {

constexpr const char *kLockDir = "/tmp/wisp-test-ports";
constexpr int kUdp = 1;
constexpr int kTcp = 2;

struct PortWindow {
  unsigned low;
  unsigned high; // inclusive
};

// Below the ephemeral range if there is room, else above it, else a fixed guess.
PortWindow candidateWindow() {
  unsigned ephemeralLow = 32768, ephemeralHigh = 60999;
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  in >> ephemeralLow >> ephemeralHigh;
  if (ephemeralLow >= 24000)
    return {20000, ephemeralLow - 1};
  if (ephemeralHigh <= 61535)
    return {ephemeralHigh + 1, 65535};
  return {20000, 60000};
}

bool canBind(uint16_t port, int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Another test process holding the lock owns the port. Returns the lock's fd, or -1.
int lockPort(uint16_t port) {
  if (::mkdir(kLockDir, 01777) == 0)
    ::chmod(kLockDir, 01777); // shared by every user's tests; mkdir is subject to umask
  std::string path = std::string(kLockDir) + "/" + std::to_string(port);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class PortRegistry {
public:
  // protocols[i] says what port base + i must be free for.
  uint16_t reserve(const std::vector<int> &protocols, bool evenBase) {
    std::lock_guard lock(mutex_);
    const auto count = static_cast<unsigned>(protocols.size());
    for (int attempt = 0; attempt < 1000; ++attempt) {
      std::uniform_int_distribution<unsigned> pick(window_.low, window_.high - count + 1);
      unsigned base = pick(random_);
      if (evenBase)
        base &= ~1u;
      if (tryReserve(static_cast<uint16_t>(base), protocols))
        return static_cast<uint16_t>(base);
    }
    throw std::runtime_error("no free port range of " + std::to_string(count) +
                             " on 127.0.0.1 between " + std::to_string(window_.low) + " and " +
                             std::to_string(window_.high));
  }

private:
  bool tryReserve(uint16_t base, const std::vector<int> &protocols) {
    std::vector<int> locks;
    auto giveUp = [&] {
      for (int fd : locks)
        ::close(fd);
      return false;
    };
    for (size_t i = 0; i < protocols.size(); ++i) {
      auto port = static_cast<uint16_t>(base + i);
      if (handedOut_.count(port))
        return giveUp();
      int fd = lockPort(port);
      if (fd < 0)
        return giveUp();
      locks.push_back(fd);
      if (((protocols[i] & kUdp) && !canBind(port, SOCK_DGRAM)) ||
          ((protocols[i] & kTcp) && !canBind(port, SOCK_STREAM)))
        return giveUp();
    }
    for (size_t i = 0; i < protocols.size(); ++i)
      handedOut_.insert(static_cast<uint16_t>(base + i));
    // The lock fds stay open (and locked) until the process exits.
    lockFds_.insert(lockFds_.end(), locks.begin(), locks.end());
    return true;
  }

  std::mutex mutex_;
  PortWindow window_ = candidateWindow();
  std::mt19937 random_{std::random_device{}() ^ static_cast<unsigned>(::getpid())};
  std::set<uint16_t> handedOut_;
  std::vector<int> lockFds_;
};

PortRegistry &registry() {
  static PortRegistry instance;
  return instance;
}

} // namespace

uint16_t freeUdpTcpPort() {
  return registry().reserve({kUdp | kTcp}, false);
}

uint16_t freePortRange(unsigned count) {
  if (count == 0)
    throw std::invalid_argument("freePortRange: count must be at least 1");
  return registry().reserve(std::vector<int>(count, kUdp), true);
}

uint16_t freeSipPortPair() {
  return registry().reserve({kUdp | kTcp, kTcp}, false);
}

bool udpPortInUse(uint16_t port) {
  return !canBind(port, SOCK_DGRAM);
}
bool tcpPortInUse(uint16_t port) {
  return !canBind(port, SOCK_STREAM);
}

} // namespace wisp::test
