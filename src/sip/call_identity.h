// Who we are in one call: the identity in From and Contact, the route to use, and the
// credentials for the challenges (401/407) of the account the call belongs to. Each call
// keeps its own copy, so a reload that changes or removes the account never pulls it out
// from under a call in progress.
#pragma once

#include "sip/stun_servers.h"

#include <memory>
#include <string>
#include <vector>

namespace wisp {

struct CallIdentity {
  int accountId = 0;        // 0: the local account (calls by IP)
  std::string accountLabel; // "local" or the account's label
  std::string user = "wisp";
  std::string displayName;
  std::string domain;              // host part of our address of record; empty: our own address
  std::string contactUser;         // user part of our Contact, or a full sip: URI (behind a NAT)
  std::vector<std::string> routes; // outbound proxies, as loose-routing SIP URIs (no ;lr)
  // IP address for our SDP (c=, o=) instead of the local one: publicAddr or the address a NAT
  // gives us (the RTP port stays ours). Empty: the local address.
  std::string mediaAddress;
  // enableSTUN without publicAddr: each call asks these servers for the public address:port of
  // its RTP and RTCP sockets before its SDP goes out, and keeps the mappings alive every
  // stunKeepAlive seconds. Null: no STUN for calls.
  std::shared_ptr<StunServers> stun;
  uint32_t stunKeepAlive = 30;
  std::string authUser; // empty: we cannot answer challenges
  std::string password;
  // MicroSIP's hideCID: outgoing calls show an anonymous From (RFC 3323 "Privacy: id") and
  // carry the real address in P-Preferred-Identity (RFC 3325) for the provider.
  bool hideIdentity = false;

  std::string aor() const { return "sip:" + user + "@" + domain; }
};

} // namespace wisp
