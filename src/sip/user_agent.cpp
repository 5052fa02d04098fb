#include "sip/user_agent.h"

#include "sip/request_checks.h"
#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
#include <cstring>

#include <openssl/ssl.h>

namespace wisp {
namespace {

constexpr uint64_t kShutdownGraceMs = 3000; // wait this long for BYE/CANCEL answers

std::string formatAddress(const sa &addr) {
  char buf[64];
  re_snprintf(buf, sizeof buf, "%J", &addr);
  return buf;
}

} // namespace

UserAgent::UserAgent(AudioHub &audio) : audio_(audio) {
  ctx_.audio = &audio_;
  tmr_init(&purgeTimer_);
  tmr_init(&shutdownTimer_);
}

UserAgent::~UserAgent() {
  tmr_cancel(&purgeTimer_);
  tmr_cancel(&shutdownTimer_);
  calls_.clear();
  ended_.clear();
  requests_.reset();
  sessions_.reset();
  tlsVerifier_.reset();
  tls_.reset();
  if (stack_ && !exited_)
    sip_close(stack_.get(), true);
  stack_.reset();
  dns_.reset();
}

Status UserAgent::start(const UserAgentConfig &config) {
  // A resolver for host names (its servers come from setNameServers); IP literals never
  // touch it.
  dnsc *d = nullptr;
  if (dnsc_alloc(&d, nullptr, nullptr, 0) == 0)
    dns_.reset(d);

  sip *s = nullptr;
  int err = sip_alloc(
      &s, dns_.get(), 32, 32, 32, config.software.c_str(),
      [](void *arg) {
        guardCallback("sip exit", [&] {
          auto *ua = static_cast<UserAgent *>(arg);
          ua->exited_ = true;
          tmr_cancel(&ua->shutdownTimer_);
          if (ua->shutdownDone_)
            ua->shutdownDone_();
        });
      },
      this);
  if (err)
    return makeError("sip", std::string("cannot start the SIP stack: ") + strerror(err));
  stack_.reset(s);
  ctx_.stack = s;
  ctx_.mediaIp = config.listenIp;
  ctx_.localHost = localHost();

  // UDP first; with port 0 the kernel picks one, and TCP then takes the same number.
  sa laddr = config.listenIp;
  sa_set_port(&laddr, config.sipPort);
  if ((err = sip_transp_add(s, SIP_TRANSP_UDP, &laddr)))
    return makeError("sip",
                     "cannot listen for SIP on UDP " + formatAddress(laddr) + ": " + strerror(err));
  sa bound{};
  sip_transp_laddr(s, &bound, SIP_TRANSP_UDP, nullptr);
  if ((err = sip_transp_add(s, SIP_TRANSP_TCP, &bound)))
    return makeError("sip",
                     "cannot listen for SIP on TCP " + formatAddress(bound) + ": " + strerror(err));

  sipsess_sock *sock = nullptr;
  if ((err = sipsess_listen(&sock, s, 32, &UserAgent::onIncoming, this)))
    return makeError("sip", std::string("sipsess_listen: ") + strerror(err));
  sessions_.reset(sock);
  ctx_.sessions = sock;

  sip_lsnr *lsnr = nullptr;
  if ((err = sip_listen(&lsnr, s, true, &UserAgent::onRequest, this)))
    return makeError("sip", std::string("sip_listen: ") + strerror(err));
  requests_.reset(lsnr);

  log::info("sip", "listening on %s (udp, tcp)", formatAddress(bound).c_str());
  return Ok{};
}

Status UserAgent::setNameServers(const std::vector<std::string> &servers) {
  std::vector<sa> addrs;
  if (servers.empty()) {
    sa system[8];
    uint32_t count = 8;
    char domain[64] = "";
    if (dns_srv_get(domain, sizeof domain, system, &count) == 0)
      addrs.assign(system, system + count);
  }
  for (const auto &s : servers) {
    sa a{};
    if (sa_decode(&a, s.c_str(), s.size()) != 0 && sa_set_str(&a, s.c_str(), 53) != 0)
      return makeError("config", "\"" + s + "\" is not a name server address");
    addrs.push_back(a);
  }
  if (addrs.empty())
    return Ok{};
  if (!dns_)
    return makeError("dns", "no DNS client");
  if (int err = dnsc_srv_set(dns_.get(), addrs.data(), uint32_t(addrs.size())))
    return makeError("dns", std::string("cannot set the name servers: ") + strerror(err));
  return Ok{};
}

Status UserAgent::enableTls(const std::vector<std::string> &caFiles,
                            const std::string &fallbackHost) {
  if (!tls_) {
    struct tls *t = nullptr;
    if (int err = tls_alloc(&t, TLS_METHOD_SSLV23, nullptr, nullptr))
      return makeError("tls", std::string("cannot set up TLS: ") + strerror(err));
    tls_.reset(t);
    // Verification before the transport exists: no connection ever goes unchecked.
    tlsVerifier_ = std::make_unique<TlsVerifier>(t, tlsNames_);
    SSL_CTX_set_default_verify_paths(static_cast<SSL_CTX *>(tls_openssl_context(t)));
    sa laddr = ctx_.mediaIp;
    sa_set_port(&laddr, 0);
    if (int err = sip_transp_add(stack_.get(), SIP_TRANSP_TLS, &laddr, t))
      return makeError("tls", std::string("cannot add the TLS transport: ") + strerror(err));
  }
  for (const auto &file : caFiles) {
    if (std::find(tlsCaFiles_.begin(), tlsCaFiles_.end(), file) != tlsCaFiles_.end())
      continue;
    if (int err = tls_add_ca(tls_.get(), file.c_str()))
      return makeError("tls", "cannot read the CA file " + file + ": " + strerror(err));
    tlsCaFiles_.push_back(file);
  }
  tlsNames_->setFallbackName(fallbackHost);
  return Ok{};
}

void UserAgent::setCallContext(std::vector<const Codec *> codecs, uint16_t rtpMin,
                               uint16_t rtpMax) {
  ctx_.codecs = std::move(codecs);
  ctx_.rtpPortMin = rtpMin;
  ctx_.rtpPortMax = rtpMax;
}

std::string UserAgent::localHost() const {
  char buf[64];
  re_snprintf(buf, sizeof buf, "%j", &ctx_.mediaIp);
  return sa_af(&ctx_.mediaIp) == AF_INET6 ? "[" + std::string(buf) + "]" : std::string(buf);
}

std::vector<ListenAddress> UserAgent::listenAddresses() const {
  std::vector<ListenAddress> out;
  for (auto [tp, name] : {std::pair{SIP_TRANSP_UDP, "udp"}, std::pair{SIP_TRANSP_TCP, "tcp"},
                          std::pair{SIP_TRANSP_TLS, "tls"}}) {
    if (tp == SIP_TRANSP_TLS && !tls_)
      continue;
    sa addr{};
    if (stack_ && sip_transp_laddr(stack_.get(), &addr, tp, nullptr) == 0)
      out.push_back({name, formatAddress(addr)});
  }
  return out;
}

Result<Call *> UserAgent::dial(const std::string &uri, CallIdentity identity) {
  auto call = std::make_unique<Call>(nextCallId_++, CallDirection::Outgoing, ctx_,
                                     std::move(identity), *this);
  if (Status s = call->dial(uri); !s)
    return s.error();
  Call *raw = call.get();
  calls_.push_back(std::move(call));
  onCallEvent(*raw, CallEvent::Created);
  return raw;
}

Call *UserAgent::findCall(int id) const {
  for (const auto &c : calls_)
    if (c->id() == id)
      return c.get();
  return nullptr;
}

std::vector<Call *> UserAgent::calls() const {
  std::vector<Call *> out;
  for (const auto &c : calls_)
    out.push_back(c.get());
  return out;
}

void UserAgent::onIncoming(const sip_msg *msg, void *arg) {
  guardCallback("incoming call", [&] { static_cast<UserAgent *>(arg)->handleIncoming(msg); });
}

void UserAgent::handleIncoming(const sip_msg *msg) {
  if (auto rejection = checkRequest(msg, true)) {
    log::info("call", "incoming INVITE refused: %u %s", rejection->code, rejection->reason.c_str());
    sendRejection(stack_.get(), msg, *rejection);
    return;
  }
  if (shuttingDown_) {
    sip_treply(nullptr, stack_.get(), msg, 503, "Service Unavailable");
    return;
  }
  // RFC 3261 8.2.2.2: the same request reaching us twice by different paths (e.g. two of our
  // registrations forked to) is answered once; the copy gets 482.
  const std::string key = Call::mergeKeyOf(*msg);
  for (const auto &c : calls_)
    if (c->direction() == CallDirection::Incoming && c->mergeKey() == key) {
      sip_treply(nullptr, stack_.get(), msg, 482, "Loop Detected");
      return;
    }
  if (!policy_.callWaiting && !calls_.empty()) {
    log::info("call", "busy: incoming call from %.*s refused (callWaiting=0)",
              int(msg->from.auri.l), msg->from.auri.p);
    sip_treply(nullptr, stack_.get(), msg, 486, "Busy Here");
    return;
  }
  CallIdentity identity = incomingIdentity_ ? incomingIdentity_(*msg) : CallIdentity{};
  auto call = std::make_unique<Call>(nextCallId_++, CallDirection::Incoming, ctx_,
                                     std::move(identity), *this);
  if (Status s = call->accept(msg); !s) {
    log::warn("call", "incoming call refused: %s", s.error().message.c_str());
    return;
  }
  Call *raw = call.get();
  calls_.push_back(std::move(call));
  onCallEvent(*raw, CallEvent::Created);
  if (policy_.autoAnswer)
    raw->answerAfter(policy_.autoAnswerDelay);
}

// Out-of-dialog requests that are not INVITEs.
bool UserAgent::onRequest(const sip_msg *msg, void *arg) {
  auto *ua = static_cast<UserAgent *>(arg);
  if (pl_strcmp(&msg->met, "ACK") == 0)
    return false;
  if (auto rejection = guardCallback("request checks", [&] { return checkRequest(msg, false); })) {
    guardCallback("request rejection", [&] { sendRejection(ua->stack_.get(), msg, *rejection); });
    return true;
  }
  if (pl_strcmp(&msg->met, "OPTIONS") == 0) {
    sip_treplyf(nullptr, nullptr, ua->stack_.get(), msg, false, 200, "OK",
                "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"
                "Accept: application/sdp\r\n"
                "Content-Length: 0\r\n\r\n");
    return true;
  }
  return false;
}

void UserAgent::onCallEvent(Call &call, CallEvent event) {
  if (handler_)
    handler_(call, event);
  if (event != CallEvent::Ended)
    return;
  // libre may still be inside this call's callback: free it from a fresh stack.
  auto it =
      std::find_if(calls_.begin(), calls_.end(), [&](const auto &c) { return c.get() == &call; });
  if (it != calls_.end()) {
    ended_.push_back(std::move(*it));
    calls_.erase(it);
  }
  tmr_start(
      &purgeTimer_, 0,
      [](void *arg) {
        guardCallback("purge calls", [&] { static_cast<UserAgent *>(arg)->purgeEndedCalls(); });
      },
      this);
}

void UserAgent::purgeEndedCalls() {
  ended_.clear();
}

void UserAgent::shutdown(std::function<void()> done) {
  shutdownDone_ = std::move(done);
  for (Call *c : calls())
    c->hangup(0, "phone shutting down");
  shuttingDown_ = true;
  tmr_start(
      &shutdownTimer_, kShutdownGraceMs,
      [](void *arg) {
        auto *ua = static_cast<UserAgent *>(arg);
        log::warn("sip", "transactions still pending at exit; closing anyway");
        sip_close(ua->stack_.get(), true);
        // Something may still hold the stack (a session awaiting its ACK): finish anyway.
        if (!ua->exited_ && ua->shutdownDone_) {
          ua->exited_ = true;
          ua->shutdownDone_();
        }
      },
      this);
  // The exit handler may run right inside sip_close when nothing is pending.
  sip_close(stack_.get(), false);
}

} // namespace wisp
