// The STUN servers of [Settings] STUN, resolved to addresses: IP literals at once, host names
// with the phone's DNS client (A records). Whoever asks a server (the registration's SIP
// socket, each call's RTP/RTCP sockets: stun_mapping.h) takes them in list order, starting with
// the one that answered last, and moves on to the next when one stays silent.
#pragma once

#include "util/re_ptr.h"

#include <re.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wisp {

class StunServers {
public:
  // servers: "host", "host:port", "IP", "IP:port", "[IPv6]:port" (port 3478 if none).
  // Names are looked up at once with `dns` (which may be null: names are then skipped).
  StunServers(dnsc *dns, std::vector<std::string> servers);
  ~StunServers();
  StunServers(const StunServers &) = delete;
  StunServers &operator=(const StunServers &) = delete;

  const std::vector<std::string> &configured() const { return names_; }
  // True while a name is still being looked up.
  bool resolving() const;
  // The addresses known so far, in list order, the one that answered last first.
  std::vector<sa> candidates() const;
  // `server` answered: later askers start with it.
  void answered(const sa &server);
  // "host:port (IP:port)" for logs, or the address alone when it is not from a name.
  std::string describe(const sa &server) const;

private:
  struct Entry {
    std::string text; // as configured
    std::string host;
    uint16_t port = 3478;
    std::optional<sa> addr;
    struct dns_query *query = nullptr; // while the name is looked up
  };
  static void onResolved(int err, const struct dnshdr *hdr, struct list *ansl, struct list *authl,
                         struct list *addl, void *arg);

  RePtr<dnsc> dns_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::optional<sa> preferred_;
};

} // namespace wisp
