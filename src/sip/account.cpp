#include "sip/account.h"

#include "sip/tls_host_match.h"
#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace wisp {
namespace {

// Retry after a failure: 5 s, doubling up to 5 min. A rejected password is retried much
// more slowly (a wrong password cannot fix itself, and a registrar bans a storm of them).
constexpr uint64_t kRetryBaseMs = 5000;
constexpr uint64_t kRetryCapMs = 300 * 1000;
constexpr uint64_t kAuthRetryBaseMs = 60 * 1000;
constexpr uint64_t kAuthRetryCapMs = 1800 * 1000;

std::string describeTransportError(int err) {
  switch (err) {
  case ETIMEDOUT:
  case ECONNREFUSED:
  case ECONNRESET:
  case ENETUNREACH:
  case EHOSTUNREACH:
    return "server unreachable";
  case EDESTADDRREQ:
  case ENOENT:
    return "DNS lookup failed";
  case EPROTO:
    return "TLS certificate rejected";
  case ENOSYS:
  case EPROTONOSUPPORT:
    return "transport not available";
  default:
    return std::string("registration failed: ") + strerror(err);
  }
}

std::vector<std::string> splitWords(const std::string &s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ')
      ++i;
    size_t j = s.find(' ', i);
    if (j == std::string::npos)
      j = s.size();
    if (j > i)
      out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// publicAddr: "host", "host:port", "[v6]" or "[v6]:port"; port 0 when not given.
std::optional<std::pair<std::string, uint16_t>> splitHostPort(const std::string &s) {
  if (s.empty())
    return std::nullopt;
  std::string host = s;
  std::string port;
  if (s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string::npos)
      return std::nullopt;
    host = s.substr(0, close + 1);
    if (close + 1 < s.size() && s[close + 1] == ':')
      port = s.substr(close + 2);
  } else if (const size_t colon = s.find(':');
             colon != std::string::npos && s.find(':', colon + 1) == std::string::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  const unsigned long p = port.empty() ? 0 : std::strtoul(port.c_str(), nullptr, 10);
  return std::pair{host, uint16_t(p <= 65535 ? p : 0)};
}

} // namespace

std::string_view toString(RegistrationState state) {
  switch (state) {
  case RegistrationState::Off:
    return "off";
  case RegistrationState::Registering:
    return "registering";
  case RegistrationState::Registered:
    return "registered";
  case RegistrationState::Failed:
    return "failed";
  case RegistrationState::Unregistered:
    return "unregistered";
  }
  return "?";
}

Account::Account(AccountSettings settings, sip *stack, ChangeHandler onChange, std::string software,
                 std::shared_ptr<StunServers> stun, std::shared_ptr<TlsServerNames> tlsNames)
    : settings_(std::move(settings)), stack_(stack), onChange_(std::move(onChange)),
      software_(std::move(software)), stun_(std::move(stun)), tlsNames_(std::move(tlsNames)) {
  tmr_init(&retryTimer_);
  tmr_init(&releaseTimer_);
  tmr_init(&keepaliveTimer_);
}

Account::~Account() {
  tmr_cancel(&retryTimer_);
  tmr_cancel(&releaseTimer_);
  tmr_cancel(&keepaliveTimer_);
  keepalive_ = static_cast<struct sip_request *>(mem_deref(keepalive_)); // no callback after this
  if (reg_ && state_ == RegistrationState::Registered)
    log::info("account", "account %d: un-registering %s", id(), aor().c_str());
  reg_.reset(); // sends REGISTER with expires=0, which finishes on its own
  if (tlsNames_)
    tlsNames_->forget(this);
}

std::string Account::label() const {
  return settings_.label.empty() ? "Account" + std::to_string(id()) : settings_.label;
}

std::string Account::transportParam() const {
  switch (settings_.transport) {
  case SipTransport::Tcp:
    return ";transport=tcp";
  case SipTransport::Tls:
    return ";transport=tls";
  default:
    return "";
  }
}

// Unique per account, so an INVITE the registrar forwards to our Contact finds its account
// even when two providers know us by the same user name; and unique per registration, so the
// un-REGISTER of a replaced registration can never remove the binding of its successor.
std::string Account::contactUserPrefix() const {
  return settings_.username + "-" + std::to_string(id()) + "-";
}

std::string Account::contactUser() const {
  return contactUserPrefix() + registrationTag_;
}

std::string Account::contactHostPort() const {
  if (auto pub = splitHostPort(settings_.publicAddr)) {
    if (pub->second)
      return pub->first + ":" + std::to_string(pub->second);
    // No port given: ours. The contact of the registration says which one that is.
    if (reg_ && !reg_->contactUri().empty()) {
      uri u{};
      pl p = toPl(reg_->contactUri());
      if (uri_decode(&u, &p) == 0 && u.port)
        return pub->first + ":" + std::to_string(u.port);
    }
    return "";
  }
  if (reg_ && reg_->natAddress()) {
    char buf[80];
    re_snprintf(buf, sizeof buf, "%J", &*reg_->natAddress());
    return buf;
  }
  return "";
}

std::string Account::mediaAddress() const {
  if (!registers())
    return "";
  sa ip{};
  if (auto pub = splitHostPort(settings_.publicAddr)) {
    std::string host = pub->first;
    if (host.size() > 2 && host.front() == '[')
      host = host.substr(1, host.size() - 2);
    return sa_set_str(&ip, host.c_str(), 0) == 0 ? host : ""; // a name cannot go in c=
  }
  if (reg_ && reg_->natAddress()) {
    char buf[64];
    return sa_ntop(&*reg_->natAddress(), buf, sizeof buf) == 0 ? std::string(buf) : "";
  }
  return "";
}

std::string Account::nextHopHost() const {
  const auto proxies = splitWords(settings_.proxy);
  return serverHostName(proxies.empty() ? settings_.server : proxies.front());
}

std::string Account::aor() const {
  const std::string &domain = settings_.domain.empty() ? settings_.server : settings_.domain;
  return "sip:" + settings_.username + "@" + domain;
}

CallIdentity Account::callIdentity() const {
  CallIdentity c;
  c.accountId = id();
  c.accountLabel = label();
  c.user = settings_.username;
  c.displayName = settings_.displayName;
  c.domain = settings_.domain.empty() ? settings_.server : settings_.domain;
  c.contactUser = registers() ? contactUser() : settings_.username;
  // A full URI: libre then prints it as our Contact instead of its local address.
  if (const std::string hostPort = contactHostPort(); registers() && !hostPort.empty())
    c.contactUser = "sip:" + contactUser() + "@" + hostPort + transportParam();
  c.mediaAddress = mediaAddress();
  // Each call learns its own RTP mapping, unless publicAddr says where we are.
  if (stun_ && registers() && settings_.publicAddr.empty()) {
    c.stun = stun_;
    c.stunKeepAlive = uint32_t(settings_.keepAlive > 0 ? std::min(settings_.keepAlive, 60) : 30);
  }
  for (const auto &p : splitWords(settings_.proxy))
    c.routes.push_back("sip:" + p + transportParam());
  c.authUser = settings_.authId.empty() ? settings_.username : settings_.authId;
  c.password = settings_.password;
  c.hideIdentity = settings_.hideCallerId;
  return c;
}

bool Account::isAddressedBy(const sip_msg &invite) const {
  const std::string prefix = contactUserPrefix();
  return registers() && invite.uri.user.l > prefix.size() &&
         std::string_view(invite.uri.user.p, prefix.size()) == prefix;
}

void Account::registerNow() {
  tmr_cancel(&retryTimer_);
  reg_.reset();
  if (!registers()) {
    set(RegistrationState::Off);
    return;
  }
  char tag[9];
  snprintf(tag, sizeof tag, "%08x", rand_u32());
  registrationTag_ = tag;
  RegistrationTarget target;
  target.registrar = "sip:" + settings_.server + transportParam();
  target.aor = aor();
  target.displayName = settings_.displayName;
  target.routes = callIdentity().routes;
  target.contactUser = contactUser();
  target.transportParam = transportParam();
  target.expires = uint32_t(settings_.registerRefresh);
  target.credentials = {settings_.authId.empty() ? settings_.username : settings_.authId,
                        settings_.password};
  target.software = software_;
  if (auto pub = splitHostPort(settings_.publicAddr)) {
    target.publicHost = pub->first;
    target.publicPort = pub->second;
  }
  target.keepAlive = uint32_t(std::max(0, settings_.keepAlive));
  if (settings_.transport == SipTransport::Udp)
    target.stun = stun_;
  // RFC 5922: the certificate must name the host the REGISTER is resolved from.
  if (settings_.transport == SipTransport::Tls && tlsNames_)
    target.checkTlsDestination = [names = tlsNames_, owner = this, host = nextHopHost()](
                                     const sa &dst) { return names->expect(owner, dst, host); };
  reg_ = std::make_unique<RegistrationClient>(
      stack_, std::move(target), [this](const RegistrationOutcome &o) { handleOutcome(o); });
  if (int err = reg_->start()) {
    fail(describeTransportError(err), false);
    return;
  }
  set(RegistrationState::Registering);
}

void Account::unregister() {
  tmr_cancel(&retryTimer_);
  tmr_cancel(&keepaliveTimer_);
  reg_.reset();
  failures_ = 0;
  set(registers() ? RegistrationState::Unregistered : RegistrationState::Off);
}

void Account::handleOutcome(const RegistrationOutcome &o) {
  lastCode_ = o.scode;
  if (o.authRejected) {
    fail("incorrect password (" + std::to_string(o.scode ? o.scode : 401) + ")", true);
    return;
  }
  if (o.err) {
    fail(describeTransportError(o.err), false);
    return;
  }
  if (o.scode >= 200 && o.scode < 300) {
    failures_ = 0;
    credentialsRejected_ = false;
    if (state_ != RegistrationState::Registered)
      log::info("account", "account %d: registered as %s (Contact %s, %u s)", id(), aor().c_str(),
                reg_ ? reg_->contactUri().c_str() : "?", o.expires);
    set(RegistrationState::Registered);
    startKeepalive();
    return;
  }
  if (o.scode == 403) {
    fail("incorrect password (403)", true);
    return;
  }
  fail(std::to_string(o.scode) + " " + o.reason, false);
}

void Account::fail(std::string reason, bool credentials) {
  credentialsRejected_ = credentials;
  // Our own retry schedule replaces libre's (which waits up to half an hour). libre may be
  // inside this registration's callback: drop it from a fresh stack.
  tmr_start(
      &releaseTimer_, 0,
      [](void *arg) {
        guardCallback("account release", [&] {
          auto *a = static_cast<Account *>(arg);
          if (a->state_ == RegistrationState::Failed)
            a->reg_.reset();
        });
      },
      this);
  const uint64_t base = credentials ? kAuthRetryBaseMs : kRetryBaseMs;
  const uint64_t cap = credentials ? kAuthRetryCapMs : kRetryCapMs;
  const uint64_t delay = std::min(cap, base << std::min(failures_, 10u));
  ++failures_;
  tmr_cancel(&keepaliveTimer_);
  log::warn("account", "account %d (%s): %s; retrying in %llu s", id(), aor().c_str(),
            reason.c_str(), static_cast<unsigned long long>(delay / 1000));
  set(RegistrationState::Failed, std::move(reason));
  tmr_start(
      &retryTimer_, delay,
      [](void *arg) {
        guardCallback("registration retry", [&] { static_cast<Account *>(arg)->registerNow(); });
      },
      this);
}

// UDP only: on TCP and TLS the RegistrationClient pings the registration's connection with
// CRLFs, and a dead connection makes it register again at once.
void Account::startKeepalive() {
  if (settings_.keepAlive <= 0 || settings_.transport != SipTransport::Udp ||
      tmr_isrunning(&keepaliveTimer_))
    return;
  keepaliveMisses_ = 0;
  tmr_start(
      &keepaliveTimer_, uint64_t(settings_.keepAlive) * 1000,
      [](void *arg) {
        guardCallback("keep-alive", [&] { static_cast<Account *>(arg)->sendKeepalive(); });
      },
      this);
}

void Account::sendKeepalive() {
  if (state_ != RegistrationState::Registered)
    return;
  // The previous OPTIONS is still unanswered: over UDP libre would wait 32 s to say so.
  if (keepalive_) {
    keepalive_ = static_cast<struct sip_request *>(mem_deref(keepalive_));
    if (++keepaliveMisses_ >= 2) {
      fail("server unreachable", false);
      return;
    }
  }
  const std::string target = "sip:" + settings_.server + transportParam();
  const std::string me = aor();
  const CallIdentity identity = callIdentity();
  uri route{};
  pl routePl{};
  const bool viaProxy = !identity.routes.empty();
  if (viaProxy) {
    routePl = toPl(identity.routes.front());
    uri_decode(&route, &routePl);
  }
  int err = sip_requestf(
      &keepalive_, stack_, true, "OPTIONS", target.c_str(), viaProxy ? &route : nullptr, nullptr,
      nullptr, &Account::onKeepaliveResponse, this,
      "To: <%s>\r\n"
      "From: <%s>;tag=%016llx\r\n"
      "Call-ID: %016llx\r\n"
      "CSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n",
      target.c_str(), me.c_str(), (unsigned long long)rand_u64(), (unsigned long long)rand_u64());
  if (err) {
    fail(describeTransportError(err), false);
    return;
  }
  tmr_start(
      &keepaliveTimer_, uint64_t(settings_.keepAlive) * 1000,
      [](void *arg) {
        guardCallback("keep-alive", [&] { static_cast<Account *>(arg)->sendKeepalive(); });
      },
      this);
}

// Any answer, even 404 or 405, proves the server is there.
void Account::onKeepaliveResponse(int err, const sip_msg *msg, void *arg) {
  guardCallback("keep-alive response", [&] {
    auto *a = static_cast<Account *>(arg);
    if (msg && msg->scode < 200)
      return;
    if (err && a->state_ == RegistrationState::Registered) {
      a->fail(describeTransportError(err), false);
      return;
    }
    a->keepaliveMisses_ = 0;
  });
}

void Account::set(RegistrationState state, std::string reason) {
  if (state == state_ && reason == reason_)
    return;
  state_ = state;
  reason_ = std::move(reason);
  if (onChange_)
    onChange_(*this);
}

} // namespace wisp
