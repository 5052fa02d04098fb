#include "sip/tls_verifier.h"

#include "sip/tls_host_match.h"
#include "sip/tls_peer.h"
#include "util/callback_guard.h"
#include "util/log.h"

#include <string>
#include <vector>

namespace wisp {
namespace {

// The context's verifier (our callbacks only get the SSL).
int contextIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Its address marks an SSL whose certificate TlsServerNames holds.
char trackedMark;

std::string describe(const sa &addr) {
  char buf[80];
  re_snprintf(buf, sizeof buf, "%J", &addr);
  return buf;
}

std::string joined(const std::vector<std::string> &names) {
  std::string out;
  for (const auto &n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

} // namespace

// The index of the mark, with a free callback: OpenSSL calls it for every SSL it frees.
static int sslIndex(CRYPTO_EX_free *onFree) {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, onFree);
  return index;
}

TlsVerifier::TlsVerifier(struct tls *tls, std::shared_ptr<TlsServerNames> names)
    : tls_(static_cast<struct tls *>(mem_ref(tls))),
      ctx_(static_cast<SSL_CTX *>(tls_openssl_context(tls))), names_(std::move(names)) {
  sslIndex(&TlsVerifier::onSslFree);
  SSL_CTX_set_ex_data(ctx_, contextIndex(), this);
  // No name on the context itself: each connection is checked against its own server.
  X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(ctx_), nullptr, 0);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, &TlsVerifier::onVerify);
  SSL_CTX_set_info_callback(ctx_, &TlsVerifier::onInfo);
}

TlsVerifier::~TlsVerifier() {
  SSL_CTX_set_ex_data(ctx_, contextIndex(), nullptr);
}

TlsVerifier *TlsVerifier::of(const SSL *ssl) {
  SSL_CTX *ctx = ssl ? SSL_get_SSL_CTX(ssl) : nullptr;
  return ctx ? static_cast<TlsVerifier *>(SSL_CTX_get_ex_data(ctx, contextIndex())) : nullptr;
}

int TlsVerifier::onVerify(int preverifyOk, X509_STORE_CTX *store) {
  auto *ssl =
      static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  // The chain (trusted CA, dates, usage) is OpenSSL's verdict; names are only checked for
  // the server's own certificate, and only we as the client check a server.
  if (!preverifyOk || !ssl || SSL_is_server(ssl) || X509_STORE_CTX_get_error_depth(store) != 0)
    return preverifyOk;
  TlsVerifier *v = of(ssl);
  X509 *cert = X509_STORE_CTX_get_current_cert(store);
  const bool ok = v && guardCallback("tls verify", [&] { return v->checkServer(ssl, cert); });
  if (!ok)
    X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
  return ok ? 1 : 0;
}

bool TlsVerifier::checkServer(SSL *ssl, X509 *cert) {
  const auto peer = tlsPeerAddress(ssl);
  if (!peer) {
    log::error("tls", "cannot tell which server a TLS connection goes to (is libre not "
                      "1.1.0?): its certificate is refused");
    return false;
  }
  const std::vector<std::string> names = names_->namesFor(*peer);
  if (names.empty()) {
    log::warn("tls",
              "TLS connection to %s: no account's server is there, so its certificate "
              "cannot be checked against a name: refused",
              describe(*peer).c_str());
    return false;
  }
  std::vector<std::string> unmatched;
  for (const auto &name : names)
    if (!certificateMatchesHost(cert, name))
      unmatched.push_back(name);
  if (!unmatched.empty()) {
    log::warn("tls", "TLS server %s presents a certificate that is not valid for %s: refused",
              describe(*peer).c_str(), joined(unmatched).c_str());
    for (const auto &name : unmatched)
      names_->refuseName(*peer, name);
    return false;
  }
  names_->connectionUp(ssl, *peer, cert);
  SSL_set_ex_data(ssl, sslIndex(&TlsVerifier::onSslFree), &trackedMark);
  log::info("tls", "TLS server %s: certificate valid for %s", describe(*peer).c_str(),
            joined(names).c_str());
  return true;
}

// The handshake starts: the ClientHello is not written yet, so SNI set now goes out.
void TlsVerifier::onInfo(const SSL *ssl, int where, int) {
  if (!(where & SSL_CB_HANDSHAKE_START) || SSL_is_server(ssl))
    return;
  if (TlsVerifier *v = of(ssl))
    guardCallback("tls server name", [&] { v->sendServerName(const_cast<SSL *>(ssl)); });
}

void TlsVerifier::sendServerName(SSL *ssl) {
  const auto peer = tlsPeerAddress(ssl);
  if (!peer)
    return;
  // SNI carries a DNS name only (RFC 6066 3): an IP address goes without.
  for (const auto &name : names_->namesFor(*peer))
    if (!isIpLiteral(name)) {
      SSL_set_tlsext_host_name(ssl, name.c_str());
      return;
    }
}

void TlsVerifier::onSslFree(void *parent, void *ptr, CRYPTO_EX_DATA *, int, long, void *) {
  if (ptr != &trackedMark)
    return;
  if (TlsVerifier *v = of(static_cast<SSL *>(parent)))
    v->names_->connectionGone(parent);
}

} // namespace wisp
