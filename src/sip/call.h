// One phone call, incoming or outgoing: its SIP session (libre's sipsess), the SDP
// offer/answer and the RTP audio stream. Lives in the loop thread; the call manager owns
// it and is told of every change through CallObserver.
#pragma once

#include "media/audio_hub.h"
#include "media/audio_stream.h"
#include "sip/call_identity.h"
#include "sip/credentials.h"
#include "sip/sdp_negotiator.h"
#include "sip/stun_mapping.h"
#include "util/re_ptr.h"
#include "util/result.h"

#include <re.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wisp {

enum class CallDirection { Incoming, Outgoing };
enum class CallState {
  Calling,     // outgoing: INVITE sent, no ringing yet
  Ringing,     // incoming: not answered yet; outgoing: the far end rings (180/183)
  Established, // answered and acknowledged
  Ended,
};
std::string_view toString(CallDirection d);
std::string_view toString(CallState s);

// What the user agent lends each call.
struct CallContext {
  sip *stack = nullptr;
  sipsess_sock *sessions = nullptr;
  sa mediaIp{};
  uint16_t rtpPortMin = 10000;
  uint16_t rtpPortMax = 20000;
  std::vector<const Codec *> codecs;
  AudioHub *audio = nullptr;
  std::string localHost; // our address as text, the domain of the local account
};

class Call;

enum class CallEvent { Created, StateChanged, MediaChanged, DtmfReceived, Ended };

class CallObserver {
public:
  virtual ~CallObserver() = default;
  virtual void onCallEvent(Call &call, CallEvent event) = 0;
};

// How a call ended, for status, events and the user.
struct CallEnd {
  int sipCode = 0;    // the final response or 0 (BYE, CANCEL, local hang-up, error)
  std::string reason; // e.g. "Busy Here", "remote hung up", "no answer"
};

class Call {
public:
  Call(int id, CallDirection direction, const CallContext &ctx, CallIdentity identity,
       CallObserver &observer);
  ~Call();
  Call(const Call &) = delete;
  Call &operator=(const Call &) = delete;

  // Sends the INVITE with our SDP offer to a SIP URI.
  Status dial(const std::string &targetUri);
  // Takes an incoming INVITE (called from the session listener's connect handler):
  // answers 180 Ringing, or rejects it with the right code if it cannot be taken.
  Status accept(const sip_msg *invite);

  Status answer();
  // Answers by itself after a delay (autoAnswer); cancelled if the call ends first.
  void answerAfter(std::chrono::milliseconds delay);
  // Ends the call the right way for its state: CANCEL, decline (603), or BYE.
  void hangup(int code = 0, std::string reason = {});
  // Rejects a ringing incoming call with a given code (486 busy, 603 decline).
  void reject(int code, const char *reason);
  Status sendDtmf(std::string_view digits);

  int id() const { return id_; }
  CallDirection direction() const { return direction_; }
  CallState state() const { return state_; }
  const std::string &remoteUri() const { return remoteUri_; }
  const std::string &remoteDisplayName() const { return remoteName_; }
  const std::string &dtmfReceived() const { return dtmfReceived_; }
  // From the INVITE of an incoming call: who the network vouches for, and the caller's phone.
  const std::string &assertedIdentity() const { return assertedIdentity_; }
  const std::string &remoteUserAgent() const { return remoteUserAgent_; }
  // Call-ID, From tag and CSeq of an incoming INVITE: a second INVITE with the same three
  // that is not a retransmission came by another path (a forking proxy) and is merged.
  const std::string &mergeKey() const { return mergeKey_; }
  static std::string mergeKeyOf(const sip_msg &invite);
  char lastDtmf() const { return dtmfReceived_.empty() ? '\0' : dtmfReceived_.back(); }
  std::string codecName() const;
  std::string mediaDirection() const; // sendrecv, sendonly, recvonly, inactive
  double durationSeconds() const;     // since answer, 0 before
  const CallEnd &end() const { return end_; }
  const AudioStream &stream() const { return stream_; }
  const CallIdentity &identity() const { return identity_; }

private:
  // libre callbacks (trampolines to the members below).
  static int onOffer(mbuf **descp, const sip_msg *msg, void *arg);
  static int onAnswer(const sip_msg *msg, void *arg);
  static void onProgress(const sip_msg *msg, void *arg);
  static void onEstablished(const sip_msg *msg, void *arg);
  static void onClose(int err, const sip_msg *msg, void *arg);

  int handleOffer(mbuf **descp, const sip_msg *msg);
  int handleAnswer(const sip_msg *msg);
  void handleProgress(const sip_msg *msg);
  void handleEstablished();
  void handleClose(int err, const sip_msg *msg);

  Status prepareMedia();
  Status connect(); // sends the INVITE (dial, or once STUN answered)
  // enableSTUN: the public address:port of our RTP and RTCP sockets, asked before our SDP
  // goes out; the INVITE or the 200 waits for it (at most kStunDeadlineMs).
  void startMediaMapping();
  void mediaMapped();
  void finishMediaMapping(bool timedOut);
  bool behindNat() const { return !identity_.mediaAddress.empty() || identity_.stun != nullptr; }
  void startRingTimer();
  void applyMedia();
  void setState(CallState s);
  void finish(int code, std::string reason);

  const int id_;
  const CallDirection direction_;
  const CallContext &ctx_;
  CallIdentity identity_;
  CallObserver &observer_;

  CallState state_;
  std::string remoteUri_;
  std::string remoteName_;
  std::string dtmfReceived_;
  std::string assertedIdentity_;
  std::string remoteUserAgent_;
  std::string mergeKey_;
  CallEnd end_;
  std::optional<std::chrono::steady_clock::time_point> answeredAt_;
  std::optional<std::chrono::steady_clock::time_point> endedAt_;

  RePtr<SipCredentials> credentials_; // shared with libre, which may outlive this call
  RePtr<sipsess> session_;
  std::optional<SdpNegotiator> sdp_;
  RePtr<mbuf> pendingAnswer_; // our SDP answer to an incoming INVITE, sent with the 200
  AudioStream stream_;
  bool audioAttached_ = false;
  bool pinholesOpened_ = false; // behind a NAT: see AudioStream::openPinholes
  enum class AfterMapping { Nothing, Connect, Answer };
  std::unique_ptr<StunMapping> rtpMapping_;
  std::unique_ptr<StunMapping> rtcpMapping_;
  bool mappingPending_ = false; // our SDP waits for STUN
  AfterMapping afterMapping_ = AfterMapping::Nothing;
  bool publicMedia_ = false; // the SDP carries the STUN-mapped address and port
  sa publicRtp_{};           // that address and port
  tmr mappingDeadline_{};
  tmr ringTimer_{};
  tmr answerTimer_{};
};

} // namespace wisp
