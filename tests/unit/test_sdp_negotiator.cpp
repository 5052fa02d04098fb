// SDP offer/answer between two negotiators, and against hand-written peer SDP.
#include "sip/sdp_negotiator.h"

#include <gtest/gtest.h>

#include <string>

namespace wisp {
namespace {

sa loopback(uint16_t port = 0) {
  sa a{};
  sa_set_str(&a, "127.0.0.1", port);
  return a;
}

std::string text(mbuf *mb) {
  return std::string(reinterpret_cast<char *>(mb->buf), mb->end);
}

RePtr<mbuf> fromText(const std::string &sdp) {
  RePtr<mbuf> mb(mbuf_alloc(sdp.size()));
  mbuf_write_str(mb.get(), sdp.c_str());
  mb->pos = 0;
  return mb;
}

std::vector<const Codec *> codecs(std::initializer_list<const char *> names) {
  std::vector<const Codec *> out;
  for (const char *n : names)
    out.push_back(findCodec(n));
  return out;
}

std::string peerOffer(const std::string &formats, const std::string &extra) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio 40000 RTP/AVP " +
         formats + "\r\n" + extra;
}

// Behind a NAT that does not keep ports (STUN told us): the public address and port replace
// ours; RTCP gets its own a=rtcp line (RFC 3605) only when it is not at the RTP port + 1.
TEST(SdpNegotiator, PublicAddressGoesIntoOfferAndAnswer) {
  sa rtp{}, rtcp{};
  sa_set_str(&rtp, "198.51.100.9", 40006);
  sa_set_str(&rtcp, "198.51.100.9", 45007);
  auto n = SdpNegotiator::create(loopback(), 30006, codecs({"PCMU/8000/1"}));
  ASSERT_TRUE(n);
  n->setPublicAddress(rtp, &rtcp);
  auto offer = n->makeOffer();
  ASSERT_TRUE(offer);
  std::string sdp = text(offer->get());
  EXPECT_NE(sdp.find("o=- "), std::string::npos);
  EXPECT_NE(sdp.find(" IN IP4 198.51.100.9\r\n"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("c=IN IP4 198.51.100.9\r\n"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("m=audio 40006 RTP/AVP 0 101"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=rtcp:45007 IN IP4 198.51.100.9\r\n"), std::string::npos) << sdp;
  EXPECT_EQ(sdp.find("127.0.0.1"), std::string::npos) << sdp;

  // Answering: the answer made before the address was known is encoded again with it.
  auto m = SdpNegotiator::create(loopback(), 30008, codecs({"PCMU/8000/1"}));
  ASSERT_TRUE(m);
  auto peer = fromText(peerOffer("0", ""));
  ASSERT_TRUE(m->answerOffer(peer.get()));
  sa adjacent{};
  sa_set_str(&adjacent, "198.51.100.9", 40009);
  sa_set_str(&rtp, "198.51.100.9", 40008);
  m->setPublicAddress(rtp, &adjacent);
  auto answer = m->encodeAnswer();
  ASSERT_TRUE(answer);
  sdp = text(answer->get());
  EXPECT_NE(sdp.find("m=audio 40008 RTP/AVP 0"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("c=IN IP4 198.51.100.9\r\n"), std::string::npos) << sdp;
  EXPECT_EQ(sdp.find("a=rtcp"), std::string::npos) << "RTCP at RTP + 1 needs no line\n" << sdp;
}

TEST(SdpNegotiator, OfferListsCodecsInOrderWithTelephoneEvent) {
  auto n = SdpNegotiator::create(loopback(), 30000, codecs({"PCMA/8000/1", "PCMU/8000/1"}));
  ASSERT_TRUE(n);
  auto offer = n->makeOffer();
  ASSERT_TRUE(offer);
  const std::string sdp = text(offer->get());
  EXPECT_NE(sdp.find("m=audio 30000 RTP/AVP 8 0 101"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=rtpmap:101 telephone-event/8000"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=fmtp:101 0-15"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("c=IN IP4 127.0.0.1"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=ptime:20"), std::string::npos) << sdp;
}

TEST(SdpNegotiator, TwoPhonesAgreeOnTheCallersFirstCommonCodec) {
  auto caller = SdpNegotiator::create(loopback(), 30000, codecs({"PCMA/8000/1", "PCMU/8000/1"}));
  auto callee = SdpNegotiator::create(loopback(), 30100, codecs({"PCMU/8000/1", "PCMA/8000/1"}));
  ASSERT_TRUE(caller && callee);
  auto offer = caller->makeOffer();
  ASSERT_TRUE(offer);
  (*offer)->pos = 0;
  auto answer = callee->answerOffer(offer->get());
  ASSERT_TRUE(answer) << answer.error().message;
  (*answer)->pos = 0;
  ASSERT_TRUE(caller->takeAnswer(answer->get()));

  const NegotiatedMedia a = caller->negotiated();
  const NegotiatedMedia b = callee->negotiated();
  ASSERT_TRUE(a.usable() && b.usable());
  EXPECT_EQ(b.sendCodec->name(), "PCMA"); // the callee sends the offerer's preference
  EXPECT_EQ(b.sendPayloadType, 8);
  EXPECT_EQ(a.telephoneEventPt, 101);
  EXPECT_EQ(b.telephoneEventPt, 101);
  EXPECT_EQ(sa_port(&a.remoteRtp), 30100);
  EXPECT_EQ(sa_port(&b.remoteRtp), 30000);
  EXPECT_EQ(sa_port(&b.remoteRtcp), 30001);
  EXPECT_EQ(a.direction, SDP_SENDRECV);
  EXPECT_TRUE(a.maySend() && a.mayReceive());
}

TEST(SdpNegotiator, StaticPayloadWithoutRtpmapIsRecognised) {
  auto n = SdpNegotiator::create(loopback(), 30000, codecs({"PCMU/8000/1", "PCMA/8000/1"}));
  ASSERT_TRUE(n);
  auto offer = fromText(peerOffer("8", ""));
  auto answer = n->answerOffer(offer.get());
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(n->negotiated().sendCodec->name(), "PCMA");
  EXPECT_EQ(n->negotiated().telephoneEventPt, -1);
}

TEST(SdpNegotiator, NoCommonCodecIsNotAcceptable) {
  auto n = SdpNegotiator::create(loopback(), 30000, codecs({"PCMU/8000/1"}));
  ASSERT_TRUE(n);
  auto offer = fromText(peerOffer("8 9", "a=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\n"));
  auto answer = n->answerOffer(offer.get());
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "not_acceptable");
}

TEST(SdpNegotiator, MalformedOfferIsRejected) {
  auto n = SdpNegotiator::create(loopback(), 30000, codecs({"PCMU/8000/1"}));
  ASSERT_TRUE(n);
  auto offer = fromText("this is not SDP\r\n");
  auto answer = n->answerOffer(offer.get());
  EXPECT_FALSE(answer);
}

TEST(SdpNegotiator, RemoteHoldAndResumeChangeDirection) {
  auto n = SdpNegotiator::create(loopback(), 30000, codecs({"PCMU/8000/1"}));
  ASSERT_TRUE(n);
  const std::string fmts = "0 101";
  const std::string maps = "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

  auto first = fromText(peerOffer(fmts, maps + "a=sendrecv\r\n"));
  ASSERT_TRUE(n->answerOffer(first.get()));
  EXPECT_EQ(n->negotiated().direction, SDP_SENDRECV);

  auto hold = fromText(peerOffer(fmts, maps + "a=sendonly\r\n"));
  auto holdAnswer = n->answerOffer(hold.get());
  ASSERT_TRUE(holdAnswer);
  EXPECT_EQ(n->negotiated().direction, SDP_RECVONLY);
  EXPECT_FALSE(n->negotiated().maySend());
  EXPECT_NE(text(holdAnswer->get()).find("a=recvonly"), std::string::npos);

  auto inactive = fromText(peerOffer(fmts, maps + "a=inactive\r\n"));
  auto inactiveAnswer = n->answerOffer(inactive.get());
  ASSERT_TRUE(inactiveAnswer);
  EXPECT_EQ(n->negotiated().direction, SDP_INACTIVE);
  EXPECT_NE(text(inactiveAnswer->get()).find("a=inactive"), std::string::npos);

  auto resume = fromText(peerOffer(fmts, maps + "a=sendrecv\r\n"));
  auto resumeAnswer = n->answerOffer(resume.get());
  ASSERT_TRUE(resumeAnswer);
  EXPECT_EQ(n->negotiated().direction, SDP_SENDRECV);
  EXPECT_TRUE(n->negotiated().maySend());
}

TEST(SdpNegotiator, RefusedAudioStreamIsNotUsable) {
  auto n = SdpNegotiator::create(loopback(), 30000, codecs({"PCMU/8000/1"}));
  ASSERT_TRUE(n);
  auto offer = n->makeOffer();
  ASSERT_TRUE(offer);
  auto answer = fromText("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                         "t=0 0\r\nm=audio 0 RTP/AVP 0\r\n");
  EXPECT_FALSE(n->takeAnswer(answer.get()));
  EXPECT_FALSE(n->negotiated().usable());
}

} // namespace
} // namespace wisp
