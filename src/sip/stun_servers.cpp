#include "sip/stun_servers.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace wisp {
namespace {

constexpr uint16_t kStunPort = 3478; // RFC 5389 9

// "host[:port]" or "[IPv6][:port]" split; the port stays the default when none is given.
void splitHostPort(const std::string &s, std::string &host, uint16_t &port) {
  host = s;
  size_t colon = s.rfind(':');
  if (s.starts_with('[') && s.find(']') != std::string::npos) {
    const size_t close = s.find(']');
    host = s.substr(1, close - 1);
    colon = close + 1 < s.size() && s[close + 1] == ':' ? close + 1 : std::string::npos;
  } else if (colon != std::string::npos && s.find(':') != colon) {
    colon = std::string::npos; // a bare IPv6 address
  } else if (colon != std::string::npos) {
    host = s.substr(0, colon);
  }
  if (colon != std::string::npos) {
    const unsigned long p = std::strtoul(s.c_str() + colon + 1, nullptr, 10);
    if (p > 0 && p <= 65535)
      port = uint16_t(p);
  }
}

} // namespace

StunServers::StunServers(dnsc *dns, std::vector<std::string> servers)
    : dns_(dns ? static_cast<dnsc *>(mem_ref(dns)) : nullptr), names_(std::move(servers)) {
  for (const auto &text : names_) {
    auto e = std::make_unique<Entry>();
    e->text = text;
    sa a{};
    if (sa_decode(&a, text.c_str(), text.size()) == 0 ||
        sa_set_str(&a, text.c_str(), kStunPort) == 0) {
      e->addr = a;
    } else {
      splitHostPort(text, e->host, e->port);
      if (sa_set_str(&a, e->host.c_str(), e->port) == 0) {
        e->addr = a;
      } else if (!dns_) {
        log::warn("stun", "STUN server %s: no DNS client to look the name up", text.c_str());
      } else if (int err = dnsc_query(&e->query, dns_.get(), e->host.c_str(), DNS_TYPE_A,
                                      DNS_CLASS_IN, true, &StunServers::onResolved, e.get())) {
        log::warn("stun", "STUN server %s: cannot look the name up: %s", text.c_str(),
                  strerror(err));
      }
    }
    entries_.push_back(std::move(e));
  }
}

StunServers::~StunServers() {
  for (auto &e : entries_) // no answer may reach a freed entry
    e->query = static_cast<struct dns_query *>(mem_deref(e->query));
}

void StunServers::onResolved(int err, const struct dnshdr *, struct list *ansl, struct list *,
                             struct list *, void *arg) {
  guardCallback("stun dns", [&] {
    auto *e = static_cast<Entry *>(arg);
    e->query = static_cast<struct dns_query *>(mem_deref(e->query));
    const dnsrr *rr =
        err ? nullptr : dns_rrlist_find(ansl, e->host.c_str(), DNS_TYPE_A, DNS_CLASS_IN, true);
    if (!rr) {
      log::warn("stun", "STUN server %s: the name has no IPv4 address (%s)", e->text.c_str(),
                err ? strerror(err) : "no A record");
      return;
    }
    sa a{};
    sa_set_in(&a, rr->rdata.a.addr, e->port);
    e->addr = a;
    char buf[64];
    re_snprintf(buf, sizeof buf, "%J", &a);
    log::info("stun", "STUN server %s is %s", e->text.c_str(), buf);
  });
}

bool StunServers::resolving() const {
  for (const auto &e : entries_)
    if (e->query)
      return true;
  return false;
}

std::vector<sa> StunServers::candidates() const {
  std::vector<sa> out;
  for (const auto &e : entries_)
    if (e->addr)
      out.push_back(*e->addr);
  if (preferred_) {
    for (size_t i = 0; i < out.size(); ++i) {
      if (sa_cmp(&out[i], &*preferred_, SA_ALL)) {
        std::rotate(out.begin(), out.begin() + long(i), out.end());
        break;
      }
    }
  }
  return out;
}

void StunServers::answered(const sa &server) {
  preferred_ = server;
}

std::string StunServers::describe(const sa &server) const {
  char buf[80];
  re_snprintf(buf, sizeof buf, "%J", &server);
  for (const auto &e : entries_)
    if (e->addr && sa_cmp(&*e->addr, &server, SA_ALL) && !e->host.empty())
      return e->text + " (" + buf + ")";
  return buf;
}

} // namespace wisp
