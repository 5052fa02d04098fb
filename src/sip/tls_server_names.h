// Which server names the TLS connection to an address must prove, for any number of TLS
// accounts sharing libre's one TLS context.
//
// libre opens one connection per remote address:port and resolves server names itself
// (NAPTR/SRV/A, asynchronously). What ties an address to a name is the moment a request
// leaves: the registration's send handler is told the address libre resolved, just before
// libre connects there (expect()). A connection's certificate must then be valid for every
// name expected at its address: accounts whose servers share an address share its one
// connection. Connections already up are remembered with their certificate, so a name
// that joins later is checked too (it is refused, not recorded, if the certificate does not
// cover it).
//
// Used from the loop thread only (libre's callbacks and OpenSSL's, called from them).
#pragma once

#include <re.h>

#include <openssl/x509.h>

#include <map>
#include <string>
#include <vector>

namespace wisp {

class TlsServerNames {
public:
  TlsServerNames() = default;
  ~TlsServerNames(); // releases the certificates of connections still up
  TlsServerNames(const TlsServerNames &) = delete;
  TlsServerNames &operator=(const TlsServerNames &) = delete;

  // `owner` (one account's registration) sends to `dst`, which is its server `host`. 0, or
  // EPROTO when a connection to dst is up with a certificate not valid for host (libre would
  // send over it), or host was refused there lately (refuseName): then nothing is recorded.
  // Replaces what the owner expected before.
  int expect(const void *owner, const sa &dst, const std::string &host);
  void forget(const void *owner);

  // The names a new connection to `peer` must be valid for, all of them, sorted; if no owner
  // sends there, the fallback name alone, or [] without one.
  std::vector<std::string> namesFor(const sa &peer) const;
  // For connections to addresses no registration told about (a call that went elsewhere):
  // the only TLS server the accounts name, or "" (such connections are refused).
  void setFallbackName(std::string host) { fallback_ = std::move(host); }
  // A handshake failed because the certificate does not name `host`: forget who expected it
  // at `peer`, and for a while refuse them there at once (expect() gives EPROTO) unless a
  // connection up at that address proves the name. So the other accounts at that address,
  // retrying at the same time, are not refused again on their behalf.
  void refuseName(const sa &peer, const std::string &host);

  // A connection (any unique key, e.g. its SSL) passed the checks: remember its certificate
  // (a reference is taken) until connectionGone.
  void connectionUp(const void *conn, const sa &peer, X509 *cert);
  void connectionGone(const void *conn);
  size_t connectionsUp() const { return up_.size(); }

private:
  struct Expectation {
    sa dst{};
    std::string host;
  };
  struct Connection {
    sa peer{};
    X509 *cert = nullptr;
  };
  struct Refusal {
    sa peer{};
    std::string host;
    uint64_t until = 0; // tmr_jiffies()
  };

  std::map<const void *, Expectation> owners_;
  std::map<const void *, Connection> up_;
  std::vector<Refusal> refused_;
  std::string fallback_;
};

} // namespace wisp
