#include "media/audio_stream.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <cstring>

namespace wisp {
namespace {

// A digit is held for 200 ms (libre's telev sends at least 9 packets, then 3 end
// packets), then 80 ms of pause before the next one: every receiver sees distinct keys.
constexpr int kDigitFrames = 10;
constexpr int kGapFrames = 4;

} // namespace

AudioStream::~AudioStream() = default;

Status AudioStream::open(const sa &localIp, uint16_t portMin, uint16_t portMax, std::string cname) {
  struct rtp_sock *rs = nullptr;
  if (int err = rtp_listen(&rs, IPPROTO_UDP, &localIp, portMin, portMax, true, &AudioStream::onRtp,
                           nullptr, this))
    return makeError("rtp", "no free RTP port in " + std::to_string(portMin) + "-" +
                                std::to_string(portMax) + ": " + strerror(err));
  rtp_.reset(rs);
  rtcp_set_srate(rs, kSampleRate, kSampleRate);
  telev *tx = nullptr;
  telev *rx = nullptr;
  if (int err = telev_alloc(&tx, kFrameMs); err)
    return makeError("rtp", std::string("telev_alloc: ") + strerror(err));
  televTx_.reset(tx);
  if (int err = telev_alloc(&rx, kFrameMs); err)
    return makeError("rtp", std::string("telev_alloc: ") + strerror(err));
  televRx_.reset(rx);
  cname_ = std::move(cname);
  timestamp_ = rand_u32();
  return Ok{};
}

uint16_t AudioStream::localPort() const {
  return rtp_ ? sa_port(rtp_local(rtp_.get())) : 0;
}

void AudioStream::configure(const NegotiatedMedia &media, const SdpNegotiator *negotiator) {
  const bool peerMoved = !sa_cmp(&media.remoteRtp, &media_.remoteRtp, SA_ALL);
  media_ = media;
  negotiator_ = negotiator;
  if (peerMoved)
    jitter_.reset();
  if (!rtcpStarted_ && media.usable() && sa_isset(&media.remoteRtcp, SA_ALL)) {
    rtcp_start(rtp_.get(), cname_.c_str(), &media.remoteRtcp);
    rtcpStarted_ = true;
  }
}

bool AudioStream::sendDtmf(std::string_view digits) {
  if (media_.telephoneEventPt < 0)
    return false;
  for (char d : digits)
    dtmfQueue_.push_back(d);
  return true;
}

// Feeds libre's telev one key-down/key-up pair per digit, spaced by frame ticks.
void AudioStream::pumpDtmfQueue() {
  if (dtmfTicks_ > 0) {
    if (--dtmfTicks_ == kGapFrames)
      telev_send(televTx_.get(), 0, true);
    return;
  }
  if (dtmfQueue_.empty())
    return;
  const char digit = dtmfQueue_.front();
  dtmfQueue_.pop_front();
  const int code = telev_digit2code(digit);
  if (code < 0)
    return;
  telev_send(televTx_.get(), code, false);
  dtmfTicks_ = kDigitFrames + kGapFrames;
}

void AudioStream::sendFrame(const AudioFrame &frame) {
  if (!rtp_)
    return;
  const uint32_t ts = timestamp_;
  timestamp_ += kFrameSamples;
  if (!media_.maySend())
    return; // on hold: digits wait rather than leave as a stale burst on resume
  pumpDtmfQueue();

  RePtr<mbuf> mb(mbuf_alloc(RTP_HEADER_SIZE + 320));
  if (!mb)
    return;
  mb->pos = RTP_HEADER_SIZE;
  mb->end = RTP_HEADER_SIZE;
  bool eventMarker = false;
  if (media_.telephoneEventPt >= 0 && telev_poll(televTx_.get(), &eventMarker, mb.get()) == 0) {
    // Every packet of one event carries the timestamp of its first packet (RFC 4733 2.3.1).
    if (eventMarker)
      eventTimestamp_ = ts;
    mb->pos = RTP_HEADER_SIZE;
    rtp_send(rtp_.get(), &media_.remoteRtp, false, eventMarker, uint8_t(media_.telephoneEventPt),
             eventTimestamp_, mb.get());
    ++packetsSent_;
    return;
  }
  mb->pos = RTP_HEADER_SIZE;
  mb->end = RTP_HEADER_SIZE;
  media_.sendCodec->encode(frame, encoded_);
  if (mbuf_write_mem(mb.get(), encoded_.data(), encoded_.size()))
    return;
  mb->pos = RTP_HEADER_SIZE;
  rtp_send(rtp_.get(), &media_.remoteRtp, false, marker_, uint8_t(media_.sendPayloadType), ts,
           mb.get());
  marker_ = false;
  ++packetsSent_;
}

bool AudioStream::receiveFrame(AudioFrame &frame) {
  return jitter_.get(frame);
}

void AudioStream::onRtp(const sa *, const rtp_header *hdr, mbuf *mb, void *arg) {
  guardCallback("rtp", [&] { static_cast<AudioStream *>(arg)->handleRtp(*hdr, mb); });
}

void AudioStream::handleRtp(const rtp_header &hdr, mbuf *mb) {
  ++packetsReceived_;
  if (!media_.mayReceive())
    return; // on hold or inactive: what arrives is not for the speaker
  // The peer sends events with its own payload type, or with ours (101) when we offered.
  if (int(hdr.pt) == media_.telephoneEventPt || hdr.pt == kTelephoneEventPt) {
    handleTelephoneEvent(mb);
    return;
  }
  const Codec *codec = negotiator_ ? negotiator_->codecForReceivedPayload(hdr.pt) : nullptr;
  if (!codec)
    return;
  if (hdr.ssrc != lastSsrc_) { // a new source (re-INVITE, transfer, an SBC switching)
    jitter_.reset();
    lastSsrc_ = hdr.ssrc;
  }
  decoded_.clear();
  codec->decode({mbuf_buf(mb), mbuf_get_left(mb)}, decoded_);
  jitter_.put(hdr.seq, hdr.ts, decoded_);
}

void AudioStream::handleTelephoneEvent(mbuf *mb) {
  int event = 0;
  bool end = false;
  if (telev_recv(televRx_.get(), mb, &event, &end) != 0 || end)
    return; // repeats and the end of an event carry no new digit
  const int digit = telev_code2digit(event);
  if (digit > 0 && onDtmf_)
    onDtmf_(char(digit));
}

void AudioStream::openPinholes(const NegotiatedMedia &media) {
  if (!rtp_)
    return;
  mbuf *empty = mbuf_alloc(1);
  if (!empty)
    return;
  if (sa_isset(&media.remoteRtp, SA_ALL))
    udp_send(static_cast<udp_sock *>(rtp_sock(rtp_.get())), &media.remoteRtp, empty);
  if (sa_isset(&media.remoteRtcp, SA_ALL) && rtcp_sock(rtp_.get()))
    udp_send(static_cast<udp_sock *>(rtcp_sock(rtp_.get())), &media.remoteRtcp, empty);
  mem_deref(empty);
}

} // namespace wisp
