// SDP offer/answer for one call's audio (RFC 3264), on libre's sdp_session: what we offer
// (our codecs in the user's order plus RFC 4733 telephone-event), and what was agreed.
#pragma once

#include "media/codec.h"
#include "util/re_ptr.h"
#include "util/result.h"

#include <re.h>

#include <string>
#include <vector>

namespace wisp {

inline constexpr int kTelephoneEventPt = 101;

// The outcome of a completed offer/answer exchange.
struct NegotiatedMedia {
  const Codec *sendCodec = nullptr; // first format of the peer's list that we support
  int sendPayloadType = -1;
  int telephoneEventPt = -1; // the peer's payload type for DTMF events, -1 if none
  sa remoteRtp{};
  sa remoteRtcp{};
  sdp_dir direction = SDP_INACTIVE; // what we may do: send, receive, both, neither

  bool usable() const { return sendCodec != nullptr; }
  bool maySend() const {
    return usable() && (direction & SDP_SENDONLY) && sa_isset(&remoteRtp, SA_ALL);
  }
  bool mayReceive() const { return usable() && (direction & SDP_RECVONLY); }
};

class SdpNegotiator {
public:
  // localAddr: the address put in o= and c=; rtpPort: where our RTP socket listens.
  static Result<SdpNegotiator> create(const sa &localAddr, uint16_t rtpPort,
                                      const std::vector<const Codec *> &codecs);

  // We offer (outgoing INVITE, or the 200 to an INVITE that had no SDP).
  Result<RePtr<mbuf>> makeOffer();
  Status takeAnswer(mbuf *answer);
  // The peer offers (INVITE or re-INVITE with SDP): decode it and build our answer.
  // Fails with code "not_acceptable" when no codec is common (the caller answers 488).
  Result<RePtr<mbuf>> answerOffer(mbuf *offer);

  // Behind a NAT: the public address:port of our RTP socket (and of RTCP, which gets its own
  // a=rtcp line when it is not the RTP port + 1), for o=, c= and m= from now on.
  void setPublicAddress(const sa &rtp, const sa *rtcp);
  // Our answer to the offer taken by answerOffer, encoded again (after setPublicAddress).
  Result<RePtr<mbuf>> encodeAnswer();

  NegotiatedMedia negotiated() const;
  // Which payload types we accept on receipt, mapped to codecs.
  const Codec *codecForReceivedPayload(int pt) const;

  void setLocalDirection(sdp_dir dir);

private:
  SdpNegotiator() = default;
  RePtr<sdp_session> session_;
  sdp_media *audio_ = nullptr; // owned by session_
  std::vector<const Codec *> codecs_;
};

} // namespace wisp
