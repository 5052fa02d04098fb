#include "sip/network_monitor.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wisp {

NetworkMonitor::~NetworkMonitor() {
  stop();
}

void NetworkMonitor::stop() {
  tmr_cancel(&timer_);
  if (fd_ >= 0) {
    fd_close(fd_);
    close(fd_);
  }
  fd_ = -1;
}

Status NetworkMonitor::start(ChangeHandler onChange) {
  onChange_ = std::move(onChange);
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd_ < 0)
    return makeError("netlink", std::string("cannot watch the network: ") + strerror(errno));
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
      fd_listen(fd_, FD_READ, &NetworkMonitor::onReadable, this) != 0) {
    const int err = errno;
    close(fd_);
    fd_ = -1;
    return makeError("netlink", std::string("cannot watch the network: ") + strerror(err));
  }
  return Ok{};
}

void NetworkMonitor::onReadable(int, void *arg) {
  guardCallback("network monitor", [&] { static_cast<NetworkMonitor *>(arg)->drain(); });
}

void NetworkMonitor::drain() {
  bool changed = false;
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      break; // EAGAIN: all read (ENOBUFS: we missed some, which is a change too)
    int left = int(n);
    for (auto *h = reinterpret_cast<nlmsghdr *>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
      if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
        changed = true;
  }
  if (changed || errno == ENOBUFS)
    schedule();
}

void NetworkMonitor::schedule() {
  if (tmr_isrunning(&timer_))
    return; // this burst is already reported at the end of the wait
  const uint64_t now = tmr_jiffies();
  uint64_t delay = kSettleMs;
  if (lastReport_ && now < lastReport_ + kMinIntervalMs)
    delay = std::max(delay, lastReport_ + kMinIntervalMs - now);
  tmr_start(
      &timer_, delay,
      [](void *arg) {
        guardCallback("network change", [&] {
          auto *m = static_cast<NetworkMonitor *>(arg);
          m->lastReport_ = tmr_jiffies();
          log::info("network", "local addresses changed: registering again");
          if (m->onChange_)
            m->onChange_();
        });
      },
      this);
}

} // namespace wisp
