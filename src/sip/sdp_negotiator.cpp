#include "sip/sdp_negotiator.h"

#include <cstring>

namespace wisp {
namespace {

// A format of either side mapped to our codec, by name when given, else by static PT.
const Codec *codecOf(const sdp_format *fmt) {
  if (fmt->name && *fmt->name) {
    if (strcasecmp(fmt->name, telev_rtpfmt) == 0)
      return nullptr;
    const Codec *c = findCodec(fmt->name);
    return c && c->clockRate() == fmt->srate ? c : nullptr;
  }
  return findCodecByPayloadType(fmt->pt);
}

Error sdpError(const char *what, int err) {
  return makeError("sdp", std::string(what) + ": " + strerror(err));
}

} // namespace

Result<SdpNegotiator> SdpNegotiator::create(const sa &localAddr, uint16_t rtpPort,
                                            const std::vector<const Codec *> &codecs) {
  SdpNegotiator n;
  n.codecs_ = codecs;
  sdp_session *sess = nullptr;
  if (int err = sdp_session_alloc(&sess, &localAddr))
    return sdpError("sdp_session_alloc", err);
  n.session_.reset(sess);
  if (int err = sdp_media_add(&n.audio_, sess, sdp_media_audio, rtpPort, sdp_proto_rtpavp))
    return sdpError("sdp_media_add", err);
  for (const Codec *c : codecs) {
    const std::string pt = std::to_string(c->staticPayloadType());
    if (int err =
            sdp_format_add(nullptr, n.audio_, false, pt.c_str(), std::string(c->name()).c_str(),
                           c->clockRate(), 1, nullptr, nullptr, nullptr, false, nullptr))
      return sdpError("sdp_format_add", err);
  }
  const std::string tePt = std::to_string(kTelephoneEventPt);
  if (int err = sdp_format_add(nullptr, n.audio_, false, tePt.c_str(), telev_rtpfmt, 8000, 1,
                               nullptr, nullptr, nullptr, false, "0-15"))
    return sdpError("sdp_format_add", err);
  (void)sdp_media_set_lattr(n.audio_, true, sdp_attr_ptime, "%u", unsigned(kFrameMs));
  return n;
}

Result<RePtr<mbuf>> SdpNegotiator::makeOffer() {
  mbuf *mb = nullptr;
  if (int err = sdp_encode(&mb, session_.get(), true))
    return sdpError("sdp_encode", err);
  return RePtr<mbuf>(mb);
}

Status SdpNegotiator::takeAnswer(mbuf *answer) {
  if (int err = sdp_decode(session_.get(), answer, false))
    return makeError("bad_sdp", std::string("the SDP answer is malformed: ") + strerror(err));
  if (!negotiated().usable())
    return makeError("not_acceptable", "the answer names none of our codecs");
  return Ok{};
}

Result<RePtr<mbuf>> SdpNegotiator::answerOffer(mbuf *offer) {
  if (int err = sdp_decode(session_.get(), offer, true))
    return makeError("bad_sdp", std::string("the SDP offer is malformed: ") + strerror(err));
  if (!negotiated().usable())
    return makeError("not_acceptable", "no audio codec in common with the caller");
  mbuf *mb = nullptr;
  if (int err = sdp_encode(&mb, session_.get(), false))
    return sdpError("sdp_encode", err);
  return RePtr<mbuf>(mb);
}

void SdpNegotiator::setPublicAddress(const sa &rtp, const sa *rtcp) {
  sdp_session_set_laddr(session_.get(), &rtp);
  sdp_media_set_lport(audio_, sa_port(&rtp));
  if (rtcp && sa_isset(rtcp, SA_ALL) &&
      !(sa_cmp(rtcp, &rtp, SA_ADDR) && sa_port(rtcp) == sa_port(&rtp) + 1))
    sdp_media_set_laddr_rtcp(audio_, rtcp); // RFC 3605 a=rtcp:PORT IN IP4 ADDR
}

Result<RePtr<mbuf>> SdpNegotiator::encodeAnswer() {
  mbuf *mb = nullptr;
  if (int err = sdp_encode(&mb, session_.get(), false))
    return sdpError("sdp_encode", err);
  return RePtr<mbuf>(mb);
}

NegotiatedMedia SdpNegotiator::negotiated() const {
  NegotiatedMedia m;
  if (sdp_media_rport(audio_) == 0)
    return m; // the peer refused or removed the audio stream
  const list *remote = sdp_media_format_lst(audio_, false);
  for (le *e = list_head(remote); e; e = e->next) {
    const auto *fmt = static_cast<const sdp_format *>(e->data);
    if (fmt->name && strcasecmp(fmt->name, telev_rtpfmt) == 0) {
      if (m.telephoneEventPt < 0)
        m.telephoneEventPt = fmt->pt;
      continue;
    }
    const Codec *c = codecOf(fmt);
    if (!m.sendCodec && c && codecForReceivedPayload(c->staticPayloadType())) {
      m.sendCodec = c;
      m.sendPayloadType = fmt->pt;
    }
  }
  m.remoteRtp = *sdp_media_raddr(audio_);
  sdp_media_raddr_rtcp(audio_, &m.remoteRtcp);
  m.direction = sdp_media_dir(audio_);
  return m;
}

const Codec *SdpNegotiator::codecForReceivedPayload(int pt) const {
  for (const Codec *c : codecs_)
    if (c->staticPayloadType() == pt)
      return c;
  return nullptr;
}

void SdpNegotiator::setLocalDirection(sdp_dir dir) {
  sdp_media_set_ldir(audio_, dir);
}

} // namespace wisp
