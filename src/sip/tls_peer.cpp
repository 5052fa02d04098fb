#include "sip/tls_peer.h"

#include <cstring>

namespace wisp {
namespace {

// struct tls_conn of libre 1.1.0, src/tls/openssl/tls_tcp.c, as Debian 12 builds it
// (TLS_BIO_OPAQUE, OpenSSL 3): tls_start_tcp allocates 0x38 bytes and stores tcp at 0x28.
// A mirror of a private struct: tlsPeerAddress checks ssl, sbio_out and sbio_in against the
// SSL itself before trusting tcp, so a libre laid out otherwise yields "unknown", never a
// wrong address.
struct LibreTlsConn {
  SSL *ssl;
  BIO_METHOD *biomet;
  BIO *sbio_out;
  BIO *sbio_in;
  void *th;
  tcp_conn *tcp;
  bool active;
  bool up;
};
static_assert(sizeof(LibreTlsConn) == 0x38 && offsetof(LibreTlsConn, tcp) == 0x28);

constexpr const char *kLibreBioName = "tcp_send"; // libre's BIO_meth_new(..., "tcp_send")

} // namespace

std::optional<sa> tlsPeerAddress(const SSL *ssl) {
  if (!ssl)
    return std::nullopt;
  BIO *out = SSL_get_wbio(ssl);
  BIO *in = SSL_get_rbio(ssl);
  if (!out || !in)
    return std::nullopt;
  const char *name = BIO_method_name(out);
  if (!name || std::strcmp(name, kLibreBioName) != 0)
    return std::nullopt;
  const auto *conn = static_cast<const LibreTlsConn *>(BIO_get_data(out));
  if (!conn || conn->ssl != ssl || conn->sbio_out != out || conn->sbio_in != in || !conn->tcp)
    return std::nullopt;
  sa peer{};
  if (tcp_conn_peer_get(conn->tcp, &peer) != 0 || !sa_isset(&peer, SA_ALL))
    return std::nullopt;
  return peer;
}

} // namespace wisp
