// The public address:port a NAT gives one UDP socket, learned with STUN (RFC 5389 Binding
// requests from that very socket, libre's stun_keepalive) and kept alive: the request is
// repeated every `keepAlive` seconds, so the mapping does not expire while it is needed, and
// a changed mapping is reported again.
//
// Servers are taken in the order StunServers gives; one that does not answer within
// kStunServerWaitMs (or stops answering later) makes us move on to the next.
#pragma once

#include "sip/stun_servers.h"
#include "util/re_ptr.h"

#include <re.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wisp {

inline constexpr uint64_t kStunServerWaitMs = 700;

class StunMapping {
public:
  // Called with every new mapping (the first one, then changes). Never called from inside
  // libre's STUN code, so the handler may destroy this object.
  using Handler = std::function<void(const sa &mapped)>;

  // udpSock: a libre udp_sock; who: for logs ("call 3 RTP", "alice@example.org").
  StunMapping(std::shared_ptr<StunServers> servers, void *udpSock, uint32_t keepAliveSeconds,
              std::string who, Handler onMapped);
  ~StunMapping();
  StunMapping(const StunMapping &) = delete;
  StunMapping &operator=(const StunMapping &) = delete;

  // False if there is no server to ask (none configured or resolved yet).
  bool start();
  const std::optional<sa> &mapped() const { return mapped_; }

private:
  bool useServer(size_t index);
  void nextServer(const char *why);
  static void onStunAnswer(int err, const sa *mapped, void *arg);

  std::shared_ptr<StunServers> servers_;
  void *sock_;
  uint32_t keepAlive_;
  std::string who_;
  Handler onMapped_;
  std::vector<sa> candidates_;
  size_t index_ = 0;
  size_t silentInARow_ = 0; // servers that did not answer since the last answer
  RePtr<stun_keepalive> ska_;
  std::optional<sa> mapped_;
  std::optional<sa> reported_;
  tmr waitTimer_{};   // the current server's time to answer
  tmr switchTimer_{}; // out of libre's callback before replacing its keep-alive
  tmr reportTimer_{}; // out of libre's callback before calling the handler
};

} // namespace wisp
