// Server certificate checks for the TLS connections of libre 1.1.0's SIP stack, which checks
// nothing itself and shares one OpenSSL context among all connections.
//
// Installed on that context: OpenSSL verifies the chain against the trusted CAs
// (SSL_VERIFY_PEER), and our verify callback then checks the server's certificate against
// the names expected at the address this connection goes to (TlsServerNames, address from
// tlsPeerAddress). The info callback sends that name as SNI (RFC 6066) at the start of the
// handshake, so a server with several certificates can pick the right one. A connection
// whose address no account expects, or whose address cannot be told, is refused: a
// rejected certificate fails the request ("TLS certificate rejected"), never a downgrade.
#pragma once

#include "sip/tls_server_names.h"
#include "util/re_ptr.h"

#include <re.h>

#include <openssl/ssl.h>

#include <memory>

namespace wisp {

class TlsVerifier {
public:
  // `tls`: libre's TLS context (a reference is kept). Replaces its verify mode and callbacks.
  TlsVerifier(struct tls *tls, std::shared_ptr<TlsServerNames> names);
  // Connections made after this are refused (the callbacks find no verifier).
  ~TlsVerifier();
  TlsVerifier(const TlsVerifier &) = delete;
  TlsVerifier &operator=(const TlsVerifier &) = delete;

private:
  static int onVerify(int preverifyOk, X509_STORE_CTX *store);
  static void onInfo(const SSL *ssl, int where, int ret);
  static void onSslFree(void *parent, void *ptr, CRYPTO_EX_DATA *data, int index, long argl,
                        void *argp);
  static TlsVerifier *of(const SSL *ssl);
  bool checkServer(SSL *ssl, X509 *cert);
  void sendServerName(SSL *ssl);

  RePtr<struct tls> tls_;
  SSL_CTX *ctx_;
  std::shared_ptr<TlsServerNames> names_;
};

} // namespace wisp
