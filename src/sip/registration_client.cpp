#include "sip/registration_client.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <strings.h>

namespace wisp {
namespace {

constexpr unsigned kMaxNatRewrites = 3; // per client: beyond that the registrar is confused

std::string formatHostPort(const sa &addr) {
  char buf[80];
  re_snprintf(buf, sizeof buf, "%J", &addr);
  return buf;
}

bool sameHost(const pl &a, const pl &b) {
  return a.l == b.l && (a.l == 0 || strncasecmp(a.p, b.p, a.l) == 0);
}

// Two SIP URIs naming the same binding (user, host, port; RFC 3261 19.1.4 in short).
bool sameContact(const std::string &ours, const pl &theirs) {
  uri a{}, b{};
  pl ourPl = toPl(ours);
  if (uri_decode(&a, &ourPl) || uri_decode(&b, &theirs))
    return false;
  const uint16_t pa = a.port ? a.port : 5060, pb = b.port ? b.port : 5060;
  return pl_cmp(&a.user, &b.user) == 0 && sameHost(a.host, b.host) && pa == pb;
}

// The REGISTER that removes a binding after its client is gone: expires=0, one answer to a
// challenge, then it frees itself. It holds the SIP stack, so an exit waits for it.
struct Unregistration {
  RePtr<sip> stack;
  RePtr<sip_dialog> dialog;
  uint32_t cseq = 0;
  std::string registrar;
  std::vector<std::string> contacts;
  std::string software;
  DigestCredentials credentials;
  bool challengeAnswered = false;
  struct sip_request *request = nullptr;

  static void start(sip *stack, sip_dialog *dialog, uint32_t cseq, std::string registrar,
                    std::vector<std::string> contacts, std::string software,
                    DigestCredentials credentials) {
    void *mem = mem_zalloc(sizeof(Unregistration),
                           [](void *p) { static_cast<Unregistration *>(p)->~Unregistration(); });
    if (!mem)
      return;
    auto *u = new (mem) Unregistration{};
    u->stack.reset(static_cast<sip *>(mem_ref(stack)));
    u->dialog.reset(static_cast<sip_dialog *>(mem_ref(dialog)));
    u->cseq = cseq;
    u->registrar = std::move(registrar);
    u->contacts = std::move(contacts);
    u->software = std::move(software);
    u->credentials = std::move(credentials);
    if (u->send({}) != 0)
      mem_deref(u); // nothing in flight: gone at once
  }

  int send(const std::string &authHeader) {
    std::string contactHeaders;
    for (const auto &c : contacts)
      contactHeaders += "Contact: <" + c + ">;expires=0\r\n";
    return sip_drequestf(&request, stack.get(), true, "REGISTER", dialog.get(), ++cseq, nullptr,
                         nullptr, &Unregistration::onResponse, this,
                         "%s"
                         "%s%s%s"
                         "%s"
                         "Expires: 0\r\n"
                         "Content-Length: 0\r\n\r\n",
                         authHeader.c_str(),
                         software.empty() ? "" : "User-Agent: ", software.c_str(),
                         software.empty() ? "" : "\r\n", contactHeaders.c_str());
  }

  static void onResponse(int err, const sip_msg *msg, void *arg) {
    auto *u = static_cast<Unregistration *>(arg);
    if (!err && msg && msg->scode < 200)
      return;
    bool again = false;
    guardCallback("un-register", [&] {
      if (err || !msg || u->challengeAnswered || (msg->scode != 401 && msg->scode != 407))
        return;
      auto answer = answerDigestChallenge(*msg, "REGISTER", u->registrar, u->credentials);
      if (!answer)
        return;
      u->challengeAnswered = true;
      again = u->send(answer->header) == 0;
    });
    if (!again)
      mem_deref(u);
  }
};

RegistrationOutcome transportFailure(int err) {
  RegistrationOutcome o;
  o.err = err;
  return o;
}

RegistrationOutcome answered(uint16_t scode, std::string reason) {
  RegistrationOutcome o;
  o.scode = scode;
  o.reason = std::move(reason);
  return o;
}

constexpr uint64_t kReconnectAnswerMs = 4000;
// libre computes a keep-alive's wait as interval x 800..1000 ms in 32 bits.
constexpr uint32_t kCloseWatchInterval = 4000000;

} // namespace

RegistrationClient::RegistrationClient(sip *stack, RegistrationTarget target,
                                       OutcomeHandler onOutcome)
    : stack_(stack), target_(std::move(target)), onOutcome_(std::move(onOutcome)) {
  tmr_init(&refreshTimer_);
  tmr_init(&reconnectTimer_);
  tmr_init(&reconnectDeadline_);
  tmr_init(&stunRetryTimer_);
  tmr_init(&pingTimer_);
}

RegistrationClient::~RegistrationClient() {
  tmr_cancel(&refreshTimer_);
  tmr_cancel(&reconnectTimer_);
  tmr_cancel(&reconnectDeadline_);
  tmr_cancel(&stunRetryTimer_);
  keepalive_ = static_cast<struct sip_keepalive *>(mem_deref(keepalive_));
  stopPings();
  stun_.reset();
  // A REGISTER in flight: libre finishes the transaction without calling us.
  request_ = static_cast<struct sip_request *>(mem_deref(request_));
  if (bound_ && dialog_ && !contact_.empty()) {
    // A binding being replaced (NAT rewrite in flight) goes too.
    std::vector<std::string> contacts = {contact_};
    if (!staleContact_.empty() && staleContact_ != contact_)
      contacts.push_back(staleContact_);
    Unregistration::start(stack_, dialog_.get(), cseq_, target_.registrar, std::move(contacts),
                          target_.software, target_.credentials);
  }
}

int RegistrationClient::start() {
  std::vector<const char *> routes;
  for (const auto &r : target_.routes)
    routes.push_back(r.c_str());
  sip_dialog *dlg = nullptr;
  if (int err =
          sip_dialog_alloc(&dlg, target_.registrar.c_str(), target_.aor.c_str(),
                           target_.displayName.empty() ? nullptr : target_.displayName.c_str(),
                           target_.aor.c_str(), routes.data(), uint32_t(routes.size())))
    return err;
  dialog_.reset(dlg);
  return send();
}

int RegistrationClient::send() {
  request_ = static_cast<struct sip_request *>(mem_deref(request_));
  const std::string auth = std::move(authHeader_);
  authHeader_.clear();
  const std::string &sw = target_.software;
  return sip_drequestf(&request_, stack_, true, "REGISTER", dialog_.get(), ++cseq_, nullptr,
                       &RegistrationClient::onSend, &RegistrationClient::onResponse, this,
                       "%s"
                       "%s%s%s"
                       "Expires: %u\r\n"
                       "Content-Length: 0\r\n\r\n",
                       auth.c_str(), sw.empty() ? "" : "User-Agent: ", sw.c_str(),
                       sw.empty() ? "" : "\r\n", target_.expires);
}

// libre calls this with the local address the request leaves from, after the Via: the one
// place where the Contact can be written with the address we choose.
int RegistrationClient::onSend(enum sip_transp tp, const sa *src, const sa *dst, mbuf *mb,
                               void *arg) {
  auto *c = static_cast<RegistrationClient *>(arg);
  int err = 0;
  guardCallback("registration send", [&] {
    if (tp == SIP_TRANSP_TLS && c->target_.checkTlsDestination &&
        (err = c->target_.checkTlsDestination(*dst)))
      return;
    std::string hostPort;
    if (!c->target_.publicHost.empty()) {
      const uint16_t port = c->target_.publicPort ? c->target_.publicPort : sa_port(src);
      hostPort = c->target_.publicHost + ":" + std::to_string(port);
    } else if (c->nat_ && tp == SIP_TRANSP_UDP) {
      hostPort = formatHostPort(*c->nat_);
    } else {
      hostPort = formatHostPort(*src);
    }
    c->contact_ = "sip:" + c->target_.contactUser + "@" + hostPort + c->target_.transportParam;
    err = mbuf_printf(mb, "Contact: <%s>;expires=%u\r\n", c->contact_.c_str(), c->target_.expires);
    if (!c->staleContact_.empty() && c->staleContact_ != c->contact_)
      err |= mbuf_printf(mb, "Contact: <%s>;expires=0\r\n", c->staleContact_.c_str());
  });
  return err;
}

void RegistrationClient::onResponse(int err, const sip_msg *msg, void *arg) {
  guardCallback("registration response",
                [&] { static_cast<RegistrationClient *>(arg)->handleResponse(err, msg); });
}

void RegistrationClient::handleResponse(int err, const sip_msg *msg) {
  if (!err && msg && msg->scode < 200)
    return;
  tmr_cancel(&reconnectDeadline_);
  if (err || !msg) {
    report(transportFailure(err ? err : ECONNABORTED));
    return;
  }
  const std::string reason = fromPl(msg->reason);
  if (msg->scode == 401 || msg->scode == 407) {
    auto answer = answerDigestChallenge(*msg, "REGISTER", target_.registrar, target_.credentials);
    // A second challenge right after our answer means the password was not accepted, unless
    // the server only says our nonce went stale. Either way: never more than one retry.
    const bool refused =
        challengeAnswers_ >= 2 || (challengeAnswers_ == 1 && !(answer && answer->stale));
    if (target_.credentials.user.empty() || !answer || refused) {
      challengeAnswers_ = 0;
      RegistrationOutcome o =
          answered(msg->scode, answer || refused ? reason : answer.error().message);
      o.authRejected = true;
      report(o);
      return;
    }
    ++challengeAnswers_;
    authHeader_ = answer->header;
    if (int e = send())
      report(transportFailure(e));
    return;
  }
  challengeAnswers_ = 0;
  if (msg->scode == 423 && !minExpiresFollowed_) {
    const sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_MIN_EXPIRES);
    const uint32_t min = h ? pl_u32(&h->val) : 0;
    if (min > target_.expires) {
      log::info("registration", "%s: the registrar wants at least %u s", target_.aor.c_str(), min);
      minExpiresFollowed_ = true;
      target_.expires = min;
      if (int e = send())
        report(transportFailure(e));
      return;
    }
  }
  if (msg->scode >= 300) {
    report(answered(msg->scode, reason));
    return;
  }
  handleSuccess(*msg);
}

void RegistrationClient::handleSuccess(const sip_msg &msg) {
  minExpiresFollowed_ = false; // a later 423 (the registrar's policy changed) is followed again
  if (rewritePending_) {       // STUN told a new address while this REGISTER was on its way
    rewritePending_ = false;
    bound_ = true;
    if (int e = send())
      report(transportFailure(e));
    return;
  }
  staleContact_.clear(); // it went out with this REGISTER and is gone now
  if (adoptNatAddress(msg)) {
    bound_ = true; // the old binding exists until the next REGISTER removes it
    if (int e = send())
      report(transportFailure(e));
    return;
  }
  const uint32_t granted = grantedExpires(msg);
  if (granted == 0) {
    bound_ = false;
    report(answered(500, "the registrar kept no binding"));
    return;
  }
  bound_ = true;
  startKeepalive(msg);
  startStun(msg);
  // Refresh at half the granted time: a lost refresh still has time for its retransmissions.
  tmr_start(
      &refreshTimer_, std::max<uint64_t>(1000, uint64_t(granted) * 500),
      [](void *arg) {
        guardCallback("registration refresh", [&] {
          auto *c = static_cast<RegistrationClient *>(arg);
          if (int e = c->send())
            c->report(transportFailure(e));
        });
      },
      this);
  RegistrationOutcome o = answered(msg.scode, fromPl(msg.reason));
  o.expires = granted;
  report(o);
}

// RFC 3581: the top Via of the answer tells where the registrar saw our REGISTER come from.
// If that is not the address in our Contact (UDP through a NAT), the registrar could not
// reach us there: register the seen address instead and drop the unreachable binding.
bool RegistrationClient::adoptNatAddress(const sip_msg &msg) {
  if (msg.tp != SIP_TRANSP_UDP || !target_.publicHost.empty() || target_.stun ||
      natRewrites_ >= kMaxNatRewrites)
    return false;
  pl received{}, rport{};
  const bool hasReceived = msg_param_decode(&msg.via.params, "received", &received) == 0;
  const bool hasRport = msg_param_decode(&msg.via.params, "rport", &rport) == 0 && rport.l > 0;
  if (!hasReceived && !hasRport)
    return false;
  sa seen = msg.via.addr;
  if (hasReceived && sa_set(&seen, &received, sa_port(&msg.via.addr)) != 0)
    return false;
  if (hasRport)
    sa_set_port(&seen, uint16_t(pl_u32(&rport)));
  if (!sa_port(&seen))
    sa_set_port(&seen, 5060);

  uri ours{};
  pl contactPl = toPl(contact_);
  if (uri_decode(&ours, &contactPl) != 0)
    return false;
  sa contactAddr{};
  if (sa_set(&contactAddr, &ours.host, ours.port ? ours.port : 5060) != 0)
    return false;
  if (sa_cmp(&seen, &contactAddr, SA_ALL))
    return false;
  adoptAddress(seen, "as the registrar sees us");
  ++natRewrites_;
  return true;
}

// The expiry of our own binding among the Contacts of the 2xx; else the Expires header; else
// what we asked for.
uint32_t RegistrationClient::grantedExpires(const sip_msg &msg) const {
  struct Search {
    const std::string *contact;
    std::optional<uint32_t> expires;
  } search{&contact_, std::nullopt};
  sip_msg_hdr_apply(
      &msg, true, SIP_HDR_CONTACT,
      [](const sip_hdr *hdr, const sip_msg *, void *arg) {
        auto *s = static_cast<Search *>(arg);
        sip_addr addr{};
        if (sip_addr_decode(&addr, &hdr->val) != 0 || !sameContact(*s->contact, addr.auri))
          return false;
        pl value{};
        if (msg_param_decode(&addr.params, "expires", &value) == 0) {
          s->expires = pl_u32(&value);
          return true;
        }
        return false;
      },
      &search);
  if (search.expires)
    return *search.expires;
  if (const sip_hdr *h = sip_msg_hdr(&msg, SIP_HDR_EXPIRES))
    return pl_u32(&h->val);
  return target_.expires;
}

void RegistrationClient::startKeepalive(const sip_msg &msg) {
  if (target_.keepAlive == 0 || (msg.tp != SIP_TRANSP_TCP && msg.tp != SIP_TRANSP_TLS))
    return;
  // A registrar that supports outbound must answer each "\r\n\r\n" with "\r\n" (RFC 5626
  // 4.4.1): libre's keep-alive pings every 0.8-1.0 x interval (at least 20 s) and closes the
  // connection if no pong comes within 10 s, which tells us a dead path early. Any other
  // registrar owes us no pong, and libre would drop a healthy connection every interval: we
  // send the same double-CRLF ourselves and expect nothing back (it keeps NAT bindings open;
  // a failed send means the connection is gone).
  const bool outbound = sip_msg_hdr_has_value(&msg, SIP_HDR_REQUIRE, "outbound");
  if (outbound) {
    stopPings();
  } else if (pingConn_.get() != msg.sock || !tmr_isrunning(&pingTimer_)) {
    stopPings();
    // We hold libre's sip_conn rather than its tcp_conn: when libre closes a connection
    // (peer closed, error, idle timeout) it drops its tcp_conn, and one we still referenced
    // would stay open with handlers pointing at the freed sip_conn. The sip_conn we hold
    // merely forgets its tcp_conn then.
    pingConn_.reset(mem_ref(msg.sock));
    pingTransport_ = msg.tp;
    schedulePing();
  }
  if (keepalive_ && keepaliveOutbound_ == outbound && keepaliveConn_ == msg.sock)
    return; // already watching this connection (libre ends it when the connection closes)
  keepalive_ = static_cast<struct sip_keepalive *>(mem_deref(keepalive_));
  keepaliveOutbound_ = outbound;
  keepaliveConn_ = msg.sock;
  // Without outbound the keep-alive only watches the connection: libre tells its users when
  // a connection closes, which nothing else of libre 1.1.0 does (the tcp_conn's close handler
  // is libre's own), so a registrar going away is noticed at once, not at our next ping. Its
  // pong-checked pings start only after this interval (~46 days; more would overflow libre's
  // 32-bit milliseconds), and would cost at worst one reconnect then.
  uint32_t interval = kCloseWatchInterval;
  if (outbound) {
    interval = target_.keepAlive;
    if (const sip_hdr *h = sip_msg_hdr(&msg, SIP_HDR_FLOW_TIMER); h && pl_u32(&h->val) > 0)
      interval = pl_u32(&h->val);
  }
  if (int err = sip_keepalive_start(&keepalive_, stack_, &msg, interval,
                                    &RegistrationClient::onConnectionLost, this))
    log::warn("registration", "%s: no keep-alive on the connection: %s", target_.aor.c_str(),
              strerror(err));
}

void RegistrationClient::schedulePing() {
  tmr_start(
      &pingTimer_, uint64_t(target_.keepAlive) * 1000,
      [](void *arg) {
        guardCallback("registration ping", [&] { static_cast<RegistrationClient *>(arg)->ping(); });
      },
      this);
}

void RegistrationClient::stopPings() {
  tmr_cancel(&pingTimer_);
  pingConn_.reset();
  pingTransport_ = SIP_TRANSP_NONE;
}

void RegistrationClient::ping() {
  // sip_msg_tcpconn is libre's public way to reach a sip_conn's current tcp_conn (NULL once
  // the connection closed): ask it with a message that carries only our connection.
  sip_msg probe{};
  probe.tp = pingTransport_;
  probe.sock = pingConn_.get();
  tcp_conn *tc = sip_msg_tcpconn(&probe);
  static uint8_t crlfcrlf[] = {'\r', '\n', '\r', '\n'};
  mbuf mb{};
  mb.buf = crlfcrlf;
  mb.size = mb.end = sizeof crlfcrlf;
  const int err = tc ? tcp_send(tc, &mb) : ENOTCONN;
  if (err) {
    stopPings();
    keepalive_ = static_cast<struct sip_keepalive *>(mem_deref(keepalive_)); // no second report
    handleConnectionLost(err);
    return;
  }
  schedulePing();
}

// The registration's TCP/TLS connection closed (or stopped answering pings): the registrar
// cannot reach us any more, so register again over a new connection right away.
void RegistrationClient::onConnectionLost(int err, void *arg) {
  guardCallback("registration connection",
                [&] { static_cast<RegistrationClient *>(arg)->handleConnectionLost(err); });
}

void RegistrationClient::handleConnectionLost(int err) {
  stopPings();
  log::info("registration", "%s: connection to the registrar lost (%s); registering again",
            target_.aor.c_str(), strerror(err));
  tmr_cancel(&refreshTimer_);
  tmr_start(
      &reconnectTimer_, 0,
      [](void *a) {
        guardCallback("registration reconnect", [&] {
          auto *self = static_cast<RegistrationClient *>(a);
          if (int e = self->send()) {
            self->report(transportFailure(e));
            return;
          }
          // A registrar that is shutting down may still accept the connection and then never
          // answer; libre would wait for its 32 s transaction timeout. A registrar that
          // just dropped us answers at once, or not at all.
          tmr_start(
              &self->reconnectDeadline_, kReconnectAnswerMs,
              [](void *b) {
                guardCallback("registration reconnect deadline", [&] {
                  auto *me = static_cast<RegistrationClient *>(b);
                  me->request_ = static_cast<struct sip_request *>(mem_deref(me->request_));
                  me->report(transportFailure(ECONNRESET));
                });
              },
              self);
        });
      },
      this);
}

// STUN (RFC 5389) from the SIP socket itself: the server sees the same NAT mapping as the
// registrar. The mapping asks again every keepAlive seconds (at least every 60 s) and tells
// us when it changes; we then register the new address.
void RegistrationClient::startStun(const sip_msg &msg) {
  if (stun_ || !target_.stun || msg.tp != SIP_TRANSP_UDP || !msg.sock ||
      !target_.publicHost.empty())
    return;
  stunSock_.reset(mem_ref(msg.sock));
  tryStun();
}

// Once the servers' names are looked up (so that the list order holds): until then, again in
// a moment.
void RegistrationClient::tryStun() {
  if (stun_ || !stunSock_)
    return;
  if (!target_.stun->resolving()) {
    const uint32_t interval = target_.keepAlive ? std::min<uint32_t>(target_.keepAlive, 60) : 60;
    stun_ = std::make_unique<StunMapping>(target_.stun, stunSock_.get(), interval, target_.aor,
                                          [this](const sa &mapped) { handleStunMapped(mapped); });
    if (!stun_->start()) {
      stun_.reset();
      log::warn("registration", "%s: no STUN server to ask (none of the names resolved)",
                target_.aor.c_str());
    }
    return;
  }
  tmr_start(
      &stunRetryTimer_, 200,
      [](void *arg) {
        guardCallback("stun retry", [&] { static_cast<RegistrationClient *>(arg)->tryStun(); });
      },
      this);
}

void RegistrationClient::handleStunMapped(const sa &mapped) {
  uri ours{};
  pl contactPl = toPl(contact_);
  sa contactAddr{};
  if (uri_decode(&ours, &contactPl) == 0 &&
      sa_set(&contactAddr, &ours.host, ours.port ? ours.port : 5060) == 0 &&
      sa_cmp(&mapped, &contactAddr, SA_ALL))
    return;
  adoptAddress(mapped, "STUN");
  if (request_) {
    rewritePending_ = true; // after the answer to the REGISTER on its way
    return;
  }
  if (int e = send())
    report(transportFailure(e));
}

void RegistrationClient::adoptAddress(const sa &seen, const char *how) {
  log::info("registration", "%s: public address %s (%s): registering it as the Contact",
            target_.aor.c_str(), formatHostPort(seen).c_str(), how);
  nat_ = seen;
  staleContact_ = contact_;
}

void RegistrationClient::report(RegistrationOutcome outcome) {
  if (outcome.err || outcome.scode >= 300)
    tmr_cancel(&refreshTimer_);
  if (onOutcome_)
    onOutcome_(outcome);
}

} // namespace wisp
