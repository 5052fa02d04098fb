// Which server a TLS connection of libre's SIP stack goes to, asked from inside OpenSSL (a
// verify or info callback), where only the SSL object is at hand.
//
// libre 1.1.0 keeps the connection behind the SSL private: its SIP transport makes the TLS
// connection (tls_start_tcp) without telling anybody, and neither sets SNI nor a name to
// check. Its per-connection calls (tls_set_verify_server, tls_set_servername) need the
// tls_conn, which the SIP stack never hands out. What is reachable: the SSL's write BIO is
// libre's own ("tcp_send"), whose data is that tls_conn, which holds the tcp_conn, whose
// peer address libre's public tcp_conn_peer_get reports.
#pragma once

#include <re.h>

#include <openssl/ssl.h>

#include <optional>

namespace wisp {

// The remote address (IP and port) of a libre TLS-over-TCP connection; nullopt if `ssl` is
// not one, or this libre is not laid out like 1.1.0 (every pointer is checked first).
std::optional<sa> tlsPeerAddress(const SSL *ssl);

} // namespace wisp
