// Tells when a local address appears or disappears (rtnetlink RTM_NEWADDR / RTM_DELADDR):
// after a network change (Wi-Fi to cable, a new DHCP lease, a VPN) the registrar may no
// longer reach us where it thinks, so every account registers again. Bursts of changes
// (an interface coming up brings several addresses) are merged into one report, and reports
// come at most every kMinIntervalMs.
#pragma once

#include "util/result.h"

#include <re.h>

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>

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
  // Whether the message adds or removes an address we did not know / knew. The kernel also
  // sends RTM_NEWADDR when only an address's lifetime changes (an IPv6 router advertisement,
  // a DHCP renewal): that is no network change.
  bool noteAddress(const nlmsghdr &message);
  void schedule();

  int fd_ = -1;
  bool dumping_ = false;            // the start-up list of addresses is still arriving
  std::set<std::string> addresses_; // interface index, family and address bytes
  ChangeHandler onChange_;
  tmr timer_{};
  uint64_t lastReport_ = 0; // tmr_jiffies() of the last report, 0 = never
};

} // namespace wisp
