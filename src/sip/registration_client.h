// One registration binding kept up with the registrar (RFC 3261 10), our replacement for
// libre's sipreg, which cannot choose the Contact address, ignores the expiry the registrar
// grants when it echoes our Contact differently, and knows only MD5 digests.
//
// What it does on its own: answers a 401/407 challenge once (a second challenge means a wrong
// password: reported, never retried in a burst), follows 423 Min-Expires, refreshes at half
// the granted expiry, and behind a NAT (UDP) adopts the address the registrar saw us at
// (top Via received/rport) as its Contact, removing the stale binding in the same REGISTER.
// On TCP/TLS it sends RFC 5626 double-CRLF keep-alives on the registration's connection (pong
// checked only when the registrar said `Require: outbound`) and registers again at once when
// that connection dies. Everything else (state, back-off) is the owner's business: every
// final outcome is reported to it.
#pragma once

#include "sip/digest_auth.h"
#include "sip/stun_mapping.h"
#include "util/re_ptr.h"

#include <re.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wisp {

struct RegistrationTarget {
  std::string registrar; // request URI: sip:host[:port][;transport=tcp]
  std::string aor;       // To and From
  std::string displayName;
  std::vector<std::string> routes; // outbound proxies as SIP URIs (no ;lr needed)
  std::string contactUser;
  std::string transportParam; // ";transport=tcp", ";transport=tls" or "" (UDP)
  uint32_t expires = 300;     // asked for; the registrar decides
  DigestCredentials credentials;
  std::string software;    // User-Agent
  std::string publicHost;  // publicAddr: host for the Contact instead of ours ("" = none)
  uint16_t publicPort = 0; // with publicHost: the port (0 = our local port)
  uint32_t keepAlive = 0;  // TCP/TLS: seconds between CRLF keep-alives (0 = none)
  // UDP: the STUN servers that tell our public address; null = none. They replace the Via
  // received/rport detection.
  std::shared_ptr<StunServers> stun;
  // TLS: told the address each REGISTER goes to (as libre resolved it) just before libre
  // connects there; a non-zero errno (EPROTO) stops the REGISTER. See TlsServerNames.
  std::function<int(const sa &dst)> checkTlsDestination;
};

struct RegistrationOutcome {
  int err = 0; // transport error; 0: a final response came (scode)
  uint16_t scode = 0;
  std::string reason;        // reason phrase, or why we could not authenticate
  bool authRejected = false; // credentials refused (challenged again) or not usable
  uint32_t expires = 0;      // 2xx: the expiry the registrar granted (seconds)
};

class RegistrationClient {
public:
  using OutcomeHandler = std::function<void(const RegistrationOutcome &)>;

  RegistrationClient(sip *stack, RegistrationTarget target, OutcomeHandler onOutcome);
  // Stops refreshing; a binding we hold is removed (expires=0) in the background, answering
  // one challenge, even after this object is gone.
  ~RegistrationClient();
  RegistrationClient(const RegistrationClient &) = delete;
  RegistrationClient &operator=(const RegistrationClient &) = delete;

  int start(); // sends the first REGISTER; errno-style error if it cannot go out
  // The Contact URI we register (with the address chosen for it), "" before the first send.
  const std::string &contactUri() const { return contact_; }
  // The address the registrar sees us at, once a UDP registration revealed a NAT.
  const std::optional<sa> &natAddress() const { return nat_; }
  bool bound() const { return bound_; }

private:
  int send();
  static int onSend(enum sip_transp tp, const sa *src, const sa *dst, mbuf *mb, void *arg);
  static void onResponse(int err, const sip_msg *msg, void *arg);
  void handleResponse(int err, const sip_msg *msg);
  void handleSuccess(const sip_msg &msg);
  bool adoptNatAddress(const sip_msg &msg);
  uint32_t grantedExpires(const sip_msg &msg) const;
  void report(RegistrationOutcome outcome);
  void startKeepalive(const sip_msg &msg);
  void schedulePing();
  void stopPings();
  void ping();
  static void onConnectionLost(int err, void *arg);
  void handleConnectionLost(int err);
  void startStun(const sip_msg &msg);
  void tryStun();
  void handleStunMapped(const sa &mapped);
  void adoptAddress(const sa &seen, const char *how);

  sip *stack_;
  RegistrationTarget target_;
  OutcomeHandler onOutcome_;
  RePtr<sip_dialog> dialog_;
  uint32_t cseq_ = 0;
  struct sip_request *request_ = nullptr; // libre clears it when the request completes
  std::string authHeader_;        // answer to the last challenge, sent with the next REGISTER
  unsigned challengeAnswers_ = 0; // in this cycle: 1 normally, 2 if the nonce went stale
  bool minExpiresFollowed_ = false;
  std::string contact_;      // the Contact of the REGISTER in flight / registered
  std::string staleContact_; // to remove (expires=0) with the next REGISTER
  std::optional<sa> nat_;
  bool rewritePending_ = false; // an address change to register once the request in flight ends
  unsigned natRewrites_ = 0;    // a registrar that keeps seeing another address must not loop us
  bool bound_ = false;
  tmr refreshTimer_{};
  tmr reconnectTimer_{};
  tmr reconnectDeadline_{}; // a REGISTER over a new connection that gets no answer
  // libre's keep-alive on the connection: pong-checked pings for an outbound registrar, else
  // only a watch for the connection's end. libre clears it when it ends.
  struct sip_keepalive *keepalive_ = nullptr;
  bool keepaliveOutbound_ = false;
  const void *keepaliveConn_ = nullptr; // its connection, only compared while keepalive_ lives
  // Any other registrar: our own pings, which expect no answer, on the connection (libre's
  // sip_conn, msg.sock) of the last 2xx.
  RePtr<void> pingConn_;
  enum sip_transp pingTransport_ = SIP_TRANSP_NONE;
  tmr pingTimer_{};
  std::unique_ptr<StunMapping> stun_; // Binding requests from the SIP socket to STUN servers
  RePtr<void> stunSock_;              // the registration's UDP socket, for STUN
  tmr stunRetryTimer_{};              // the servers' names were still being looked up
};

} // namespace wisp
