// What a user agent server must check before acting on any request (RFC 3261 8.2), and the
// answer it owes when a check fails. libre parses messages but leaves these to us.
#pragma once

#include <re.h>

#include <cstdint>
#include <optional>
#include <string>

namespace wisp {

struct RequestRejection {
  uint16_t code;
  std::string reason;
  std::string headers; // extra header lines, each ending in CRLF (e.g. Unsupported:)
};

// nullopt when the request may proceed. `supportsSdpOnly`: refuse non-SDP bodies (415).
std::optional<RequestRejection> checkRequest(const sip_msg *msg, bool sdpBodiesOnly);

// Sends the rejection as a stateful reply.
void sendRejection(sip *stack, const sip_msg *msg, const RequestRejection &rejection);

} // namespace wisp
