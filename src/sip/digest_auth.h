// HTTP digest authentication (RFC 7616, as SIP uses it: RFC 3261 22.4) computed by us, not by
// libre: libre 1.1.0 knows only MD5, and its retry logic would send a burst of requests on a
// wrong password. Supports algorithm MD5 (also when absent) and SHA-256, qop=auth or no qop.
#pragma once

#include "util/result.h"

#include <re.h>

#include <string>
#include <string_view>

namespace wisp {

struct DigestCredentials {
  std::string user;
  std::string password;
};

struct DigestAnswer {
  std::string header; // "Authorization: Digest ...\r\n" or "Proxy-Authorization: ...\r\n"
  bool stale = false; // the server said our previous nonce merely expired (stale=true)
};

// The challenge of a 401/407 response, answered for `method` and `uri`. When the response
// offers several algorithms, the strongest supported one is used. An error if the response
// has no usable challenge.
Result<DigestAnswer> answerDigestChallenge(const sip_msg &response, std::string_view method,
                                           std::string_view uri, const DigestCredentials &creds);

// The response value of RFC 7616 3.4.1 (exposed for the unit test with the RFC's examples).
// algorithm is "MD5" or "SHA-256"; empty qop means the RFC 2069 form.
std::string digestResponse(std::string_view algorithm, std::string_view user,
                           std::string_view realm, std::string_view password,
                           std::string_view method, std::string_view uri, std::string_view nonce,
                           std::string_view qop, std::string_view nc, std::string_view cnonce);

} // namespace wisp
