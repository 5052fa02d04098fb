// A minimal STUN server (RFC 5389 Binding only) for the tests: answers every Binding request
// with the source address it came from (XOR-MAPPED-ADDRESS). Runs in its own thread,
// optionally inside a network namespace the test created (/run/netns/NAME).
#pragma once

#include "util/result.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wisp::test {

class StunServer {
public:
  StunServer() = default;
  ~StunServer(); // stop()
  StunServer(const StunServer &) = delete;
  StunServer &operator=(const StunServer &) = delete;

  // Listens on ip:port (IPv4) in namespace `netns` ("" = the test's own).
  Status start(const std::string &ip, uint16_t port, const std::string &netns = "");
  void stop();

  int requests() const { return requests_; }
  // "IP:PORT" of every request answered, oldest first.
  std::vector<std::string> sources() const;

private:
  void serve(int fd);

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> sources_;
  int wakeFd_ = -1; // eventfd that ends the thread's poll
};

} // namespace wisp::test
