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
  // Learn the addresses there are now, so that later messages can be told apart into real
  // changes and refreshes.
  struct {
    nlmsghdr header;
    ifaddrmsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETADDR;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifa_family = AF_UNSPEC;
  dumping_ = send(fd_, &request, sizeof request, 0) == ssize_t(sizeof request);
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
    for (auto *h = reinterpret_cast<nlmsghdr *>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        dumping_ = false;
        continue;
      }
      if (noteAddress(*h) && !dumping_)
        changed = true;
    }
  }
  if (changed || errno == ENOBUFS)
    schedule();
}

bool NetworkMonitor::noteAddress(const nlmsghdr &message) {
  if (message.nlmsg_type != RTM_NEWADDR && message.nlmsg_type != RTM_DELADDR)
    return false;
  const auto *ifa = static_cast<const ifaddrmsg *>(NLMSG_DATA(&message));
  std::string key(reinterpret_cast<const char *>(&ifa->ifa_index), sizeof ifa->ifa_index);
  key += char(ifa->ifa_family);
  int left = int(IFA_PAYLOAD(&message));
  for (auto *a = IFA_RTA(ifa); RTA_OK(a, left); a = RTA_NEXT(a, left))
    if (a->rta_type == IFA_ADDRESS || a->rta_type == IFA_LOCAL)
      key += std::string(static_cast<const char *>(RTA_DATA(a)), RTA_PAYLOAD(a)) + '|';
  if (message.nlmsg_type == RTM_NEWADDR)
    return addresses_.insert(key).second;
  return addresses_.erase(key) > 0;
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
