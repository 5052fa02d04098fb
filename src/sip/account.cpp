#include "sip/account.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
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

Account::Account(AccountSettings settings, sip *stack, ChangeHandler onChange)
    : settings_(std::move(settings)), stack_(stack), onChange_(std::move(onChange)) {
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
  reg_.reset(); // libre sends REGISTER with expires=0 and finishes it on its own
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
  const std::string registrar = "sip:" + settings_.server + transportParam();
  const std::string me = aor();
  const CallIdentity identity = callIdentity();
  std::vector<const char *> routes;
  for (const auto &r : identity.routes)
    routes.push_back(r.c_str());
  char tag[9];
  snprintf(tag, sizeof tag, "%08x", rand_u32());
  registrationTag_ = tag;
  credentials_ = makeCredentials(settings_.authId.empty() ? settings_.username : settings_.authId,
                                 settings_.password, true);
  sipreg *reg = nullptr;
  int err = sipreg_register(&reg, stack_, registrar.c_str(), me.c_str(),
                            settings_.displayName.empty() ? nullptr : settings_.displayName.c_str(),
                            me.c_str(), uint32_t(settings_.registerRefresh), contactUser().c_str(),
                            routes.data(), uint32_t(routes.size()), 0, &answerChallenge,
                            credentials_.get(), true, &Account::onResponse, this, nullptr, nullptr);
  if (err) {
    fail(describeTransportError(err), false);
    return;
  }
  reg_.reset(reg);
  set(RegistrationState::Registering);
}

void Account::unregister() {
  tmr_cancel(&retryTimer_);
  tmr_cancel(&keepaliveTimer_);
  reg_.reset();
  failures_ = 0;
  set(registers() ? RegistrationState::Unregistered : RegistrationState::Off);
}

// libre asks once per challenge. A second challenge in one cycle means the server did not
// take our password: answerChallenge refuses it (oneAttempt), so that libre stops instead of
// sending a burst of REGISTERs.

void Account::onResponse(int err, const sip_msg *msg, void *arg) {
  guardCallback("registration", [&] { static_cast<Account *>(arg)->handleResponse(err, msg); });
}

void Account::handleResponse(int err, const sip_msg *msg) {
  const bool authRefused = credentials_ && credentials_->challenges > 1;
  if (credentials_)
    credentials_->challenges = 0;
  lastCode_ = msg ? msg->scode : 0;
  if (err == EAUTH || authRefused) {
    fail("incorrect password (" + std::to_string(lastCode_ ? lastCode_ : 401) + ")", true);
    return;
  }
  if (err) {
    fail(describeTransportError(err), false);
    return;
  }
  if (!msg)
    return;
  if (msg->scode >= 200 && msg->scode < 300) {
    failures_ = 0;
    if (state_ != RegistrationState::Registered)
      log::info("account", "account %d: registered as %s", id(), aor().c_str());
    set(RegistrationState::Registered);
    startKeepalive();
    return;
  }
  if (msg->scode == 401 || msg->scode == 403 || msg->scode == 407) {
    fail("incorrect password (" + std::to_string(msg->scode) + ")", true);
    return;
  }
  fail(std::to_string(msg->scode) + " " + fromPl(msg->reason), false);
}

void Account::fail(std::string reason, bool credentials) {
  // Our own retry schedule replaces libre's (which waits up to half an hour). libre may be
  // inside this registration's callback: drop it from a fresh stack.
  tmr_start(
      &releaseTimer_, 0,
      [](void *arg) {
        auto *a = static_cast<Account *>(arg);
        if (a->state_ == RegistrationState::Failed)
          a->reg_.reset();
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

void Account::startKeepalive() {
  if (settings_.keepAlive <= 0 || tmr_isrunning(&keepaliveTimer_))
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
