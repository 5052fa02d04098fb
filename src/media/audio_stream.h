// One call's audio on the wire: an RTP/RTCP socket pair, the agreed codec, RFC 4733
// DTMF in both directions, and a jitter buffer. Lives in the loop thread; the audio hub
// hands it one captured frame per 20 ms and asks it for one frame to play.
#pragma once

#include "media/audio_frame.h"
#include "media/codec.h"
#include "media/jitter_buffer.h"
#include "sip/sdp_negotiator.h"
#include "util/re_ptr.h"
#include "util/result.h"

#include <re.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace wisp {

class AudioStream {
public:
  using DtmfHandler = std::function<void(char digit)>;

  AudioStream() = default;
  ~AudioStream();
  AudioStream(const AudioStream &) = delete;
  AudioStream &operator=(const AudioStream &) = delete;

  // Binds RTP on an even port in [portMin, portMax) and RTCP on the next one.
  Status open(const sa &localIp, uint16_t portMin, uint16_t portMax, std::string cname);
  uint16_t localPort() const;
  // The libre udp_socks of RTP and RTCP (null before open()), for STUN behind a NAT.
  void *rtpSocket() const { return rtp_ ? rtp_sock(rtp_.get()) : nullptr; }
  void *rtcpSocket() const { return rtp_ ? rtcp_sock(rtp_.get()) : nullptr; }

  // Applies (or re-applies, after a re-INVITE) the outcome of offer/answer.
  void configure(const NegotiatedMedia &media, const SdpNegotiator *negotiator);
  const NegotiatedMedia &media() const { return media_; }

  void onDtmf(DtmfHandler handler) { onDtmf_ = std::move(handler); }
  // Queues digits to send as RFC 4733 events (0-9 * # A-D). False if the peer takes none.
  bool sendDtmf(std::string_view digits);

  // Called once per 20 ms frame of the local clock.
  void sendFrame(const AudioFrame &frame);
  bool receiveFrame(AudioFrame &frame); // false: nothing to play (silence)

  // Behind a NAT: one empty UDP datagram from our RTP and RTCP sockets to the peer's
  // (RFC 6263 4.1), so the NAT maps them before the peer's media arrives; otherwise media
  // that comes first finds no mapping, and the NAT may then map ours to another port.
  void openPinholes(const NegotiatedMedia &media);

  uint64_t packetsSent() const { return packetsSent_; }
  uint64_t packetsReceived() const { return packetsReceived_; }

private:
  static void onRtp(const sa *src, const rtp_header *hdr, mbuf *mb, void *arg);
  void handleRtp(const rtp_header &hdr, mbuf *mb);
  void handleTelephoneEvent(mbuf *mb);
  void pumpDtmfQueue();

  RePtr<struct rtp_sock> rtp_;
  RePtr<telev> televTx_;
  RePtr<telev> televRx_;
  std::string cname_;
  NegotiatedMedia media_;
  const SdpNegotiator *negotiator_ = nullptr;
  JitterBuffer jitter_;
  DtmfHandler onDtmf_;
  std::deque<char> dtmfQueue_;
  int dtmfTicks_ = 0; // frames left in the current digit (tone, then pause)
  uint32_t timestamp_ = 0;
  uint32_t lastSsrc_ = 0;
  uint32_t eventTimestamp_ = 0;
  bool rtcpStarted_ = false;
  bool marker_ = true;
  std::vector<uint8_t> encoded_;
  std::vector<int16_t> decoded_;
  uint64_t packetsSent_ = 0;
  uint64_t packetsReceived_ = 0;
};

} // namespace wisp
