#include "sip/request_checks.h"

#include "util/re_ptr.h"

namespace wisp {
namespace {

bool isSipScheme(const pl &scheme) {
  return !pl_strcasecmp(&scheme, "sip") || !pl_strcasecmp(&scheme, "sips") ||
         !pl_strcasecmp(&scheme, "sip:") || !pl_strcasecmp(&scheme, "sips:");
}

// We support no SIP extensions, so every option tag a request requires is unsupported.
std::string unsupportedTags(const sip_msg *msg) {
  std::string tags;
  sip_msg_hdr_apply(
      msg, true, SIP_HDR_REQUIRE,
      [](const sip_hdr *hdr, const sip_msg *, void *arg) {
        auto *out = static_cast<std::string *>(arg);
        if (!out->empty())
          *out += ", ";
        *out += fromPl(hdr->val);
        return false; // keep going
      },
      &tags);
  return tags;
}

} // namespace

std::optional<RequestRejection> checkRequest(const sip_msg *msg, bool sdpBodiesOnly) {
  const bool isAck = !pl_strcmp(&msg->met, "ACK");
  const bool isCancel = !pl_strcmp(&msg->met, "CANCEL");
  if (!isSipScheme(msg->uri.scheme))
    return RequestRejection{416, "Unsupported URI Scheme", {}};
  if (pl_cmp(&msg->cseq.met, &msg->met) != 0)
    return RequestRejection{400, "CSeq Method Does Not Match", {}};
  if (sip_msg_hdr_count(msg, SIP_HDR_CONTENT_LENGTH) > 1)
    return RequestRejection{400, "Conflicting Content-Length", {}};
  if (!isAck && !isCancel && sip_msg_hdr(msg, SIP_HDR_REQUIRE))
    return RequestRejection{420, "Bad Extension", "Unsupported: " + unsupportedTags(msg) + "\r\n"};
  if (sdpBodiesOnly && mbuf_get_left(msg->mb) > 0 &&
      !msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
    return RequestRejection{415, "Unsupported Media Type", "Accept: application/sdp\r\n"};
  return std::nullopt;
}

void sendRejection(sip *stack, const sip_msg *msg, const RequestRejection &rejection) {
  if (!pl_strcmp(&msg->met, "ACK"))
    return; // never answered
  sip_treplyf(nullptr, nullptr, stack, msg, false, rejection.code, rejection.reason.c_str(),
              "%sContent-Length: 0\r\n\r\n", rejection.headers.c_str());
}

} // namespace wisp
