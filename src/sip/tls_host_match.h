// Is a server certificate valid for the host name (or IP address) we meant to reach? RFC 6125
// as OpenSSL implements it: an IP address must be one of the certificate's IP
// subjectAltNames; a DNS name must match one of its DNS subjectAltNames (a wildcard only as a
// whole left-most label), or its CN when it has none.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

namespace wisp {

bool isIpLiteral(std::string_view host); // "192.0.2.1", "::1" (no brackets)

bool certificateMatchesHost(X509 *cert, std::string_view host);

// The host of a server setting: "pbx.example:5061" -> "pbx.example", "[::1]:5061" -> "::1",
// "192.0.2.1" -> "192.0.2.1".
std::string serverHostName(std::string_view hostPort);

} // namespace wisp
