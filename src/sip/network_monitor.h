// Tells when a local address appears or disappears (rtnetlink RTM_NEWADDR / RTM_DELADDR):
// after a network change (Wi-Fi to cable, a new DHCP lease, a VPN) the registrar may no
// longer reach us where it thinks, so every account registers again. Bursts of changes
// (an interface coming up brings several addresses) are merged into one report, and reports
// come at most every kMinIntervalMs.
#pragma once

#include "util/result.h"

#include <re.h>

#include <cstdint>
#include <functional>

namespace wisp {

class NetworkMonitor {
public:
  using ChangeHandler = std::function<void()>;
  static constexpr uint64_t kSettleMs = 1000;      // wait for the burst to end
  static constexpr uint64_t kMinIntervalMs = 5000; // between two reports

  NetworkMonitor() { tmr_init(&timer_); }
  ~NetworkMonitor();
  NetworkMonitor(const NetworkMonitor &) = delete;
  NetworkMonitor &operator=(const NetworkMonitor &) = delete;

  Status start(ChangeHandler onChange);
  void stop(); // also done by the destructor

private:
  static void onReadable(int flags, void *arg);
  void drain();
  void schedule();

  int fd_ = -1;
  ChangeHandler onChange_;
  tmr timer_{};
  uint64_t lastReport_ = 0; // tmr_jiffies() of the last report, 0 = never
};

} // namespace wisp
