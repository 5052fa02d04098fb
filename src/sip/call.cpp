#include "sip/call.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <cstring>

namespace wisp {
namespace {

// libre never gives up on an INVITE that got a 1xx; a phone should.
constexpr uint64_t kRingTimeoutMs = 180 * 1000;

constexpr const char *kAllowHeader = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n";
// How long our SDP waits for the STUN answers about the RTP/RTCP sockets; then it goes out
// with the local port (and the address the registration learned), as without STUN.
constexpr uint64_t kStunDeadlineMs = 1500;

constexpr const char *kAnonymousUri = "sip:anonymous@anonymous.invalid"; // RFC 3323

std::string formatAddress(const sa &a) {
  char buf[80];
  re_snprintf(buf, sizeof buf, "%J", &a);
  return buf;
}

std::string describeError(int err) {
  switch (err) {
  case ETIMEDOUT:
    return "no response (timeout)";
  case ECONNREFUSED:
    return "connection refused";
  case ECONNRESET:
    return "remote hung up";
  case EDESTADDRREQ:
    return "cannot resolve the address";
  case EPROTO:
    return "protocol error";
  default:
    return strerror(err);
  }
}

} // namespace

std::string_view toString(CallDirection d) {
  return d == CallDirection::Incoming ? "incoming" : "outgoing";
}

std::string_view toString(CallState s) {
  switch (s) {
  case CallState::Calling:
    return "calling";
  case CallState::Ringing:
    return "ringing";
  case CallState::Established:
    return "established";
  case CallState::Ended:
    return "ended";
  }
  return "?";
}

Call::Call(int id, CallDirection direction, const CallContext &ctx, CallIdentity identity,
           CallObserver &observer)
    : id_(id), direction_(direction), ctx_(ctx), identity_(std::move(identity)),
      observer_(observer),
      state_(direction == CallDirection::Outgoing ? CallState::Calling : CallState::Ringing) {
  if (identity_.domain.empty())
    identity_.domain = ctx_.localHost;
  if (identity_.contactUser.empty())
    identity_.contactUser = identity_.user;
  credentials_ = makeCredentials(identity_.authUser, identity_.password, false);
  tmr_init(&ringTimer_);
  tmr_init(&answerTimer_);
  tmr_init(&mappingDeadline_);
  stream_.onDtmf([this](char digit) {
    dtmfReceived_ += digit;
    log::info("call", "call %d: DTMF %c received", id_, digit);
    observer_.onCallEvent(*this, CallEvent::DtmfReceived);
  });
}

Call::~Call() {
  tmr_cancel(&ringTimer_);
  tmr_cancel(&answerTimer_);
  tmr_cancel(&mappingDeadline_);
  if (audioAttached_)
    ctx_.audio->detach(&stream_);
}

Status Call::prepareMedia() {
  // RTCP's CNAME would give a hidden caller away.
  const std::string cname = identity_.hideIdentity ? kAnonymousUri : identity_.aor();
  if (Status s = stream_.open(ctx_.mediaIp, ctx_.rtpPortMin, ctx_.rtpPortMax, cname); !s)
    return s;
  sa sdpAddr = ctx_.mediaIp;
  if (!identity_.mediaAddress.empty() &&
      sa_set_str(&sdpAddr, identity_.mediaAddress.c_str(), 0) != 0)
    sdpAddr = ctx_.mediaIp;
  auto sdp = SdpNegotiator::create(sdpAddr, stream_.localPort(), ctx_.codecs);
  if (!sdp)
    return sdp.error();
  sdp_.emplace(std::move(sdp.value()));
  if (identity_.stun)
    startMediaMapping();
  return Ok{};
}

void Call::startMediaMapping() {
  const std::string who = "call " + std::to_string(id_);
  auto mapped = [this](const sa &) { mediaMapped(); };
  rtpMapping_ = std::make_unique<StunMapping>(identity_.stun, stream_.rtpSocket(),
                                              identity_.stunKeepAlive, who + " RTP", mapped);
  if (!rtpMapping_->start()) {
    rtpMapping_.reset();
    log::warn("call", "call %d: no STUN server to ask; the SDP carries the local RTP port", id_);
    return;
  }
  if (void *rtcp = stream_.rtcpSocket()) {
    rtcpMapping_ = std::make_unique<StunMapping>(identity_.stun, rtcp, identity_.stunKeepAlive,
                                                 who + " RTCP", mapped);
    if (!rtcpMapping_->start())
      rtcpMapping_.reset();
  }
  mappingPending_ = true;
  tmr_start(
      &mappingDeadline_, kStunDeadlineMs,
      [](void *arg) {
        guardCallback("call stun deadline",
                      [&] { static_cast<Call *>(arg)->finishMediaMapping(true); });
      },
      this);
}

// Called from a timer of the mapping (never inside libre's STUN code).
void Call::mediaMapped() {
  if (!mappingPending_) {
    // A NAT that changed its mind during the call: the peer keeps the address it was given.
    if (rtpMapping_ && rtpMapping_->mapped() && publicMedia_ &&
        !sa_cmp(&*rtpMapping_->mapped(), &publicRtp_, SA_ALL))
      log::info("call", "call %d: the NAT now maps RTP to %s (the SDP said otherwise)", id_,
                formatAddress(*rtpMapping_->mapped()).c_str());
    return;
  }
  if (rtpMapping_ && rtpMapping_->mapped() && (!rtcpMapping_ || rtcpMapping_->mapped()))
    finishMediaMapping(false);
}

void Call::finishMediaMapping(bool timedOut) {
  tmr_cancel(&mappingDeadline_);
  if (!mappingPending_)
    return;
  mappingPending_ = false;
  if (rtpMapping_ && rtpMapping_->mapped()) {
    const sa rtp = *rtpMapping_->mapped();
    const sa *rtcp = rtcpMapping_ && rtcpMapping_->mapped() ? &*rtcpMapping_->mapped() : nullptr;
    sdp_->setPublicAddress(rtp, rtcp);
    publicMedia_ = true;
    publicRtp_ = rtp;
    log::info("call", "call %d: the SDP carries the public RTP address %s (RTCP %s), from STUN",
              id_, formatAddress(rtp).c_str(), rtcp ? formatAddress(*rtcp).c_str() : "port + 1");
  } else if (timedOut) {
    log::warn("call",
              "call %d: no STUN answer for the RTP socket within %llu ms; the SDP carries "
              "the local RTP port %u",
              id_, static_cast<unsigned long long>(kStunDeadlineMs), stream_.localPort());
  }
  const AfterMapping next = afterMapping_;
  afterMapping_ = AfterMapping::Nothing;
  if (next == AfterMapping::Connect) {
    if (Status s = connect(); !s) {
      log::warn("call", "call %d: %s", id_, s.error().message.c_str());
      finish(0, s.error().message);
    }
  } else if (next == AfterMapping::Answer) {
    if (Status s = answer(); !s)
      log::warn("call", "call %d: %s", id_, s.error().message.c_str());
  }
}

Status Call::dial(const std::string &targetUri) {
  remoteUri_ = targetUri;
  if (Status s = prepareMedia(); !s)
    return s;
  if (mappingPending_) {
    afterMapping_ = AfterMapping::Connect;
    startRingTimer();
    log::info("call", "call %d: calling %s once STUN told the public RTP address", id_,
              targetUri.c_str());
    return Ok{};
  }
  return connect();
}

Status Call::connect() {
  const std::string &targetUri = remoteUri_;
  auto offer = sdp_->makeOffer();
  if (!offer)
    return offer.error();

  const CallIdentity &me = identity_;
  // hideCID: the callee sees "Anonymous" (RFC 3323 section 4.1.1.3); the provider learns who
  // we are from P-Preferred-Identity and still authenticates us with our credentials.
  const std::string from = me.hideIdentity ? kAnonymousUri : me.aor();
  const std::string displayName = me.hideIdentity ? "Anonymous" : me.displayName;
  std::string headers = kAllowHeader;
  if (me.hideIdentity)
    headers += "Privacy: id\r\nP-Preferred-Identity: <" + me.aor() + ">\r\n";
  // The Contact must not name us either; behind a NAT it is a whole URI whose host stays.
  std::string contact = me.contactUser;
  if (me.hideIdentity) {
    const size_t at = contact.find('@');
    contact = contact.starts_with("sip:") && at != std::string::npos
                  ? "sip:anonymous" + contact.substr(at)
                  : "anonymous";
  }
  std::vector<const char *> routes;
  for (const auto &r : me.routes)
    routes.push_back(r.c_str());
  sipsess *sess = nullptr;
  int err = sipsess_connect(
      &sess, ctx_.sessions, targetUri.c_str(), displayName.empty() ? nullptr : displayName.c_str(),
      from.c_str(), contact.c_str(), routes.data(), uint32_t(routes.size()), "application/sdp",
      offer->get(), &answerChallenge, credentials_.get(), true, &Call::onOffer, &Call::onAnswer,
      &Call::onProgress, &Call::onEstablished, nullptr, nullptr, &Call::onClose, this, "%s",
      headers.c_str());
  if (err)
    return makeError("dial_failed", "cannot call " + targetUri + ": " + describeError(err));
  session_.reset(sess);
  if (!tmr_isrunning(&ringTimer_))
    startRingTimer();
  log::info("call", "call %d: calling %s", id_, targetUri.c_str());
  return Ok{};
}

// Nobody answers for ever: an unanswered outgoing call is cancelled, an unanswered incoming
// call (whose caller may have vanished without a CANCEL) is refused with 480.
void Call::startRingTimer() {
  tmr_start(
      &ringTimer_, kRingTimeoutMs,
      [](void *arg) {
        guardCallback("ring timeout", [&] {
          auto *call = static_cast<Call *>(arg);
          log::info("call", "call %d: no answer after %llu s", call->id_,
                    static_cast<unsigned long long>(kRingTimeoutMs / 1000));
          if (call->direction_ == CallDirection::Incoming)
            call->reject(480, "Temporarily Unavailable");
          else
            call->hangup(408, "no answer");
        });
      },
      this);
}

std::string Call::mergeKeyOf(const sip_msg &invite) {
  return fromPl(invite.callid) + "|" + fromPl(invite.from.tag) + "|" +
         std::to_string(invite.cseq.num);
}

Status Call::accept(const sip_msg *invite) {
  mergeKey_ = mergeKeyOf(*invite);
  remoteUri_ = fromPl(invite->from.auri);
  remoteName_ = fromPl(invite->from.dname);
  if (const sip_hdr *h = sip_msg_hdr(invite, SIP_HDR_P_ASSERTED_IDENTITY))
    assertedIdentity_ = fromPl(h->val);
  if (const sip_hdr *h = sip_msg_hdr(invite, SIP_HDR_USER_AGENT))
    remoteUserAgent_ = fromPl(h->val);
  if (Status s = prepareMedia(); !s) {
    sip_treply(nullptr, ctx_.stack, invite, 500, "Server Internal Error");
    return s;
  }
  if (mbuf_get_left(invite->mb) > 0) {
    auto answer = sdp_->answerOffer(invite->mb);
    if (!answer) {
      const bool noCodec = answer.error().code == "not_acceptable";
      sip_treply(nullptr, ctx_.stack, invite, noCodec ? 488 : 400,
                 noCodec ? "Not Acceptable Here" : "Bad Request");
      return answer.error();
    }
    pendingAnswer_ = std::move(answer.value());
    if (behindNat())
      stream_.openPinholes(sdp_->negotiated());
  }
  sipsess *sess = nullptr;
  int err =
      sipsess_accept(&sess, ctx_.sessions, invite, 180, "Ringing", identity_.contactUser.c_str(),
                     "application/sdp", nullptr, &answerChallenge, credentials_.get(), true,
                     &Call::onOffer, &Call::onAnswer, &Call::onEstablished, nullptr, nullptr,
                     &Call::onClose, this, "%s", kAllowHeader);
  if (err) {
    sip_treply(nullptr, ctx_.stack, invite, 500, "Server Internal Error");
    return makeError("accept_failed", std::string("cannot take the call: ") + strerror(err));
  }
  session_.reset(sess);
  startRingTimer();
  if (remoteName_.empty())
    log::info("call", "call %d: incoming call from %s", id_, remoteUri_.c_str());
  else
    log::info("call", "call %d: incoming call from \"%s\" %s", id_, remoteName_.c_str(),
              remoteUri_.c_str());
  return Ok{};
}

Status Call::answer() {
  if (direction_ != CallDirection::Incoming || state_ != CallState::Ringing)
    return makeError("bad_state", "call " + std::to_string(id_) + " is not ringing");
  if (mappingPending_) {
    // The 200 carries our SDP: it waits for STUN (or its deadline) to answer.
    afterMapping_ = AfterMapping::Answer;
    log::info("call", "call %d: answering once STUN told the public RTP address", id_);
    return Ok{};
  }
  RePtr<mbuf> sdp;
  if (pendingAnswer_ && publicMedia_) {
    auto again = sdp_->encodeAnswer(); // now with the public address and port
    if (!again)
      return again.error();
    sdp = std::move(again.value());
    pendingAnswer_.reset();
  } else if (pendingAnswer_) {
    sdp = std::move(pendingAnswer_);
  } else {
    // The INVITE had no SDP (late offer): we offer in the 200, the ACK carries the answer.
    auto offer = sdp_->makeOffer();
    if (!offer)
      return offer.error();
    sdp = std::move(offer.value());
  }
  if (int err = sipsess_answer(session_.get(), 200, "OK", sdp.get(), "%s", kAllowHeader))
    return makeError("answer_failed", std::string("cannot answer: ") + strerror(err));
  answeredAt_ = std::chrono::steady_clock::now();
  tmr_cancel(&ringTimer_);
  log::info("call", "call %d: answered", id_);
  // Media can flow as soon as we answered with a complete offer/answer.
  if (sdp_->negotiated().usable())
    applyMedia();
  return Ok{};
}

void Call::answerAfter(std::chrono::milliseconds delay) {
  tmr_start(
      &answerTimer_, uint64_t(delay.count()),
      [](void *arg) {
        guardCallback("auto-answer", [&] {
          auto *call = static_cast<Call *>(arg);
          if (call->state_ != CallState::Ringing)
            return;
          log::info("call", "call %d: answering automatically", call->id_);
          if (Status s = call->answer(); !s)
            log::warn("call", "call %d: %s", call->id_, s.error().message.c_str());
        });
      },
      this);
}

void Call::reject(int code, const char *reason) {
  if (session_ && direction_ == CallDirection::Incoming && state_ == CallState::Ringing)
    sipsess_reject(session_.get(), uint16_t(code), reason, nullptr);
  session_.reset();
  finish(code, reason);
}

void Call::hangup(int code, std::string reason) {
  if (state_ == CallState::Ended)
    return;
  if (direction_ == CallDirection::Incoming && state_ == CallState::Ringing) {
    reject(603, "Decline");
    return;
  }
  // Dropping our reference makes libre send CANCEL (before the answer) or BYE (after).
  session_.reset();
  finish(code, reason.empty() ? std::string("local hang-up") : std::move(reason));
}

Status Call::sendDtmf(std::string_view digits) {
  if (state_ != CallState::Established)
    return makeError("bad_state", "call " + std::to_string(id_) + " is not established");
  if (!stream_.sendDtmf(digits))
    return makeError("not_supported",
                     "the other side did not offer RFC 4733 telephone-events for DTMF");
  return Ok{};
}

std::string Call::codecName() const {
  const NegotiatedMedia &m = stream_.media();
  if (!m.sendCodec)
    return {};
  return std::string(m.sendCodec->name()) + "/" + std::to_string(m.sendCodec->clockRate());
}

std::string Call::mediaDirection() const {
  if (!stream_.media().usable())
    return "none";
  return sdp_dir_name(stream_.media().direction);
}

double Call::durationSeconds() const {
  if (!answeredAt_)
    return 0;
  const auto until = endedAt_.value_or(std::chrono::steady_clock::now());
  return std::chrono::duration<double>(until - *answeredAt_).count();
}

// --- libre callbacks -------------------------------------------------------------------

int Call::onOffer(mbuf **descp, const sip_msg *msg, void *arg) {
  return guardCallback(
      "call offer", [&] { return static_cast<Call *>(arg)->handleOffer(descp, msg); }, ENOMEM);
}
int Call::onAnswer(const sip_msg *msg, void *arg) {
  return guardCallback(
      "call answer", [&] { return static_cast<Call *>(arg)->handleAnswer(msg); }, ENOMEM);
}
void Call::onProgress(const sip_msg *msg, void *arg) {
  guardCallback("call progress", [&] { static_cast<Call *>(arg)->handleProgress(msg); });
}
void Call::onEstablished(const sip_msg *, void *arg) {
  guardCallback("call established", [&] { static_cast<Call *>(arg)->handleEstablished(); });
}
void Call::onClose(int err, const sip_msg *msg, void *arg) {
  guardCallback("call closed", [&] { static_cast<Call *>(arg)->handleClose(err, msg); });
}

// A re-INVITE (or the 200 to an INVITE we sent without SDP, which we never do).
int Call::handleOffer(mbuf **descp, const sip_msg *msg) {
  if (mbuf_get_left(msg->mb) == 0) {
    // Re-INVITE without SDP: we must offer; the answer comes in the ACK (handleAnswer).
    auto offer = sdp_->makeOffer();
    if (!offer)
      return ENOMEM;
    *descp = offer->release();
    return 0;
  }
  auto answer = sdp_->answerOffer(msg->mb);
  if (!answer) {
    log::warn("call", "call %d: re-INVITE refused: %s", id_, answer.error().message.c_str());
    return answer.error().code == "not_acceptable" ? EPROTO : EBADMSG;
  }
  *descp = answer->release();
  log::info("call", "call %d: the other side changed the media: %s", id_,
            sdp_dir_name(sdp_->negotiated().direction));
  applyMedia();
  return 0;
}

// The SDP answer to our offer: in the 200 (outgoing call) or the ACK (late offer).
int Call::handleAnswer(const sip_msg *msg) {
  if (Status s = sdp_->takeAnswer(msg->mb); !s) {
    log::warn("call", "call %d: %s", id_, s.error().message.c_str());
    return EPROTO;
  }
  applyMedia();
  return 0;
}

void Call::handleProgress(const sip_msg *msg) {
  if (msg->scode == 180 || msg->scode == 183) {
    if (state_ == CallState::Calling) {
      log::info("call", "call %d: ringing (%u %.*s)", id_, msg->scode, int(msg->reason.l),
                msg->reason.p);
      setState(CallState::Ringing);
    }
  }
}

void Call::handleEstablished() {
  tmr_cancel(&ringTimer_);
  if (!answeredAt_)
    answeredAt_ = std::chrono::steady_clock::now();
  log::info("call", "call %d: established (%s)", id_, codecName().c_str());
  setState(CallState::Established);
  applyMedia();
}

void Call::handleClose(int err, const sip_msg *msg) {
  if (msg && msg->scode >= 300) {
    finish(msg->scode, fromPl(msg->reason));
  } else if (err == ECONNRESET) {
    finish(0, state_ == CallState::Established ? "remote hung up" : "cancelled by caller");
  } else if (err) {
    finish(0, describeError(err));
  } else {
    finish(msg ? msg->scode : 0, msg ? fromPl(msg->reason) : "closed");
  }
}

// ---------------------------------------------------------------------------------------

void Call::applyMedia() {
  stream_.configure(sdp_->negotiated(), &*sdp_);
  if (behindNat() && !pinholesOpened_) {
    stream_.openPinholes(sdp_->negotiated());
    pinholesOpened_ = true;
  }
  if (!audioAttached_ && (state_ == CallState::Established || answeredAt_)) {
    ctx_.audio->attach(&stream_);
    audioAttached_ = true;
  }
  observer_.onCallEvent(*this, CallEvent::MediaChanged);
}

void Call::setState(CallState s) {
  if (state_ == s)
    return;
  state_ = s;
  observer_.onCallEvent(*this, CallEvent::StateChanged);
}

void Call::finish(int code, std::string reason) {
  if (state_ == CallState::Ended)
    return;
  tmr_cancel(&ringTimer_);
  tmr_cancel(&answerTimer_);
  // The mappings themselves go with the call (we may be inside one's handler here).
  tmr_cancel(&mappingDeadline_);
  mappingPending_ = false;
  afterMapping_ = AfterMapping::Nothing;
  if (audioAttached_) {
    ctx_.audio->detach(&stream_);
    audioAttached_ = false;
  }
  end_ = CallEnd{code, std::move(reason)};
  endedAt_ = std::chrono::steady_clock::now();
  state_ = CallState::Ended;
  if (code)
    log::info("call", "call %d: ended: %d %s", id_, code, end_.reason.c_str());
  else
    log::info("call", "call %d: ended: %s", id_, end_.reason.c_str());
  // The session may already be gone (libre closed it) or still be ours to drop.
  session_.reset();
  observer_.onCallEvent(*this, CallEvent::Ended);
}

} // namespace wisp
