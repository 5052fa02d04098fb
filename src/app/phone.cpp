#include "app/phone.h"

#include "app/console.h"
#include "config/ini_edit.h"
#include "control/dial_plan.h"
#include "control/dial_target.h"
#include "control/executor.h"
#include "ipc/dbus_service.h"
#include "ipc/http_api.h"
#include "media/audio_endpoints.h"
#include "media/wav_file.h"
#include "sip/tls_host_match.h"
#include "util/atomic_file.h"
#include "util/callback_guard.h"
#include "util/log.h"

#include <re.h>

#include <csignal>
#include <cstring>
#include <strings.h>
#include <unistd.h>

namespace wisp {
namespace {

constexpr uint64_t kPostDialPauseMs = 1000; // one ',' in "1234,,56#"
constexpr size_t kEndedCallsKept = 20;

Phone *g_phone = nullptr; // for the signal handler that re_main calls in the loop

std::vector<const Codec *> codecsOf(const Settings &s) {
  std::vector<const Codec *> out;
  for (const auto &name : s.audioCodecs)
    if (const Codec *c = findCodec(name))
      out.push_back(c);
  return out;
}

Result<sa> listenIp(const Settings &s) {
  sa ip{};
  if (!s.listenAddress.empty() && s.listenAddress != "auto") {
    if (sa_set_str(&ip, s.listenAddress.c_str(), 0) != 0)
      return makeError("config", "listenAddress \"" + s.listenAddress + "\" is not an IP address");
    return ip;
  }
  // The address of the default route, so that calls by IP reach other machines; a
  // machine with no network still works on loopback.
  if (net_default_source_addr_get(AF_INET, &ip) == 0 && sa_isset(&ip, SA_ADDR))
    return ip;
  sa_set_str(&ip, "127.0.0.1", 0);
  return ip;
}

// A file endpoint that cannot work is a start-up error, not a silent call later.
Status checkAudioFiles(const AudioDeviceSpec &in, const AudioDeviceSpec &out) {
  if (in.kind == AudioDeviceSpec::Kind::File)
    if (auto wav = WavReader::open(in.name); !wav)
      return makeError("audio", "audio input " + in.toString() + ": " + wav.error().message);
  if (out.kind == AudioDeviceSpec::Kind::File) {
    const auto folder = std::filesystem::absolute(out.name).parent_path();
    if (access(folder.c_str(), W_OK) != 0)
      return makeError("audio", "audio output " + out.toString() + ": cannot write into " +
                                    folder.string() + ": " + strerror(errno));
  }
  return Ok{};
}

// The user part of a SIP URI: what people call the caller's number.
std::string userOf(const std::string &uri) {
  const auto colon = uri.find(':');
  const auto at = uri.find('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon)
    return {};
  return uri.substr(colon + 1, at - colon - 1);
}

Json callJson(const Call &c) {
  Json j = Json::object();
  j.set("id", c.id());
  j.set("direction", std::string(toString(c.direction())));
  j.set("state", std::string(toString(c.state())));
  j.set("remote", c.remoteUri());
  j.set("remote_name", c.remoteDisplayName());
  j.set("remote_number", userOf(c.remoteUri()));
  j.set("codec", c.codecName());
  j.set("media", c.mediaDirection());
  j.set("duration", double(int64_t(c.durationSeconds() * 10)) / 10);
  j.set("dtmf_received", c.dtmfReceived());
  j.set("account", c.identity().accountId);
  j.set("account_label", c.identity().accountLabel);
  j.set("rtp_sent", int64_t(c.stream().packetsSent()));
  j.set("rtp_received", int64_t(c.stream().packetsReceived()));
  // Where our media goes, as the peer's SDP says ("" before it is known).
  auto where = [](const sa &addr) {
    char buf[80] = "";
    if (sa_isset(&addr, SA_ALL))
      re_snprintf(buf, sizeof buf, "%J", &addr);
    return std::string(buf);
  };
  j.set("remote_rtp", where(c.stream().media().remoteRtp));
  j.set("remote_rtcp", where(c.stream().media().remoteRtcp));
  return j;
}

} // namespace

Phone::Phone(PhoneOptions options, Settings settings)
    : options_(std::move(options)), settings_(std::move(settings)),
      audio_([this] { return openAudioDevice(inputSpec(), outputSpec()); }), ua_(audio_),
      accounts_([this](const Account &a) { onAccountChange(a); }) {
  tmr_init(&exitTimer_);
}

Phone::~Phone() {
  tmr_cancel(&exitTimer_);
  for (auto &[id, pd] : postDial_)
    tmr_cancel(&pd->timer);
  g_phone = nullptr;
}

AudioDeviceSpec Phone::inputSpec() const {
  return options_.audioIn ? *options_.audioIn : settings_.audioInputDevice;
}
AudioDeviceSpec Phone::outputSpec() const {
  return options_.audioOut ? *options_.audioOut : settings_.audioOutputDevice;
}

int Phone::run() {
  signal(SIGPIPE, SIG_IGN); // we skip libre_init (it costs 2 MB of OpenSSL tables)
  if (Status s = checkAudioFiles(inputSpec(), outputSpec()); !s) {
    log::error("phone", "%s", s.error().message.c_str());
    return 2;
  }
  auto ip = listenIp(settings_);
  if (!ip) {
    log::error("phone", "%s", ip.error().message.c_str());
    return 2;
  }
  if (Status s = control_.listen(options_.profile.socketPath,
                                 [this](const Json &req) { return handleRequest(*this, req); });
      !s) {
    log::error("phone", "%s", s.error().message.c_str());
    return s.error().code == "already_running" ? 3 : 1;
  }
  UserAgentConfig uaConfig;
  uaConfig.listenIp = *ip;
  uaConfig.sipPort = settings_.sourcePort;
  uaConfig.software = settings_.userAgent.empty() ? "Wisp/" WISP_VERSION : settings_.userAgent;
  if (Status s = ua_.start(uaConfig); !s) {
    log::error("phone", "%s", s.error().message.c_str());
    return 1;
  }
  ua_.onCallEvent([this](Call &call, CallEvent event) { onCallEvent(call, event); });
  events_.subscribe([this](const Json &event) { control_.broadcast(event); });
  applySettings();
  startApis();
  if (Status s = network_.start([this] {
        if (!shuttingDown_)
          accounts_.registerAllAgain();
      });
      !s)
    log::warn("phone", "%s", s.error().message.c_str());

  if (options_.console) {
    console_ = std::make_unique<Console>(*this);
    console_->start();
  }
  log::info("phone", "Wisp %s ready (profile %s)", WISP_VERSION, options_.profile.dir.c_str());

  g_phone = this;
  re_main([](int sig) {
    guardCallback("signal", [&] {
      if (!g_phone)
        return;
      if (g_phone->shuttingDown_) {
        log::warn("phone", "second signal %d: exiting now", sig);
        re_cancel();
        return;
      }
      log::info("phone", "signal %d: shutting down", sig);
      g_phone->beginShutdown();
    });
  });
  g_phone = nullptr;
  network_.stop();
  console_.reset();
  dbus_.reset();
  http_.reset();
  control_.close();
  return 0;
}

static bool hasSessionBus() {
  const char *address = getenv("DBUS_SESSION_BUS_ADDRESS");
  return address && *address;
}

void Phone::startApis() {
  const ApiSettings &api = settings_.api;
  const bool dbusWanted =
      api.dbus == ApiSettings::DBus::On || (api.dbus == ApiSettings::DBus::Auto && hasSessionBus());
  if (dbusWanted) {
    dbus_ = std::make_unique<DBusService>(*this);
    if (Status s = dbus_->start(); !s) {
      log::info("dbus", "%s; going on without D-Bus", s.error().message.c_str());
      dbus_.reset();
    } else {
      log::info("dbus", "on the session bus as %s", std::string(kDBusName).c_str());
      events_.subscribe([this](const Json &event) {
        if (dbus_)
          dbus_->publish(event);
      });
    }
  }
  if (!api.http.empty()) {
    http_ = std::make_unique<HttpApi>(*this);
    if (Status s = http_->start(api); !s) {
      log::error("http", "%s; going on without the HTTP API", s.error().message.c_str());
      http_.reset();
    } else {
      log::info("http", "HTTP API on %s", api.http.c_str());
      events_.subscribe([this](const Json &event) {
        if (http_)
          http_->publish(event);
      });
    }
  }
}

void Phone::applySettings() {
  ua_.setCallContext(codecsOf(settings_), settings_.rtpPortMin, settings_.rtpPortMax);
  if (Status s = ua_.setNameServers(settings_.dnsServers); !s)
    log::error("dns", "%s", s.error().message.c_str());
  enableTlsIfNeeded();
  accounts_.setTlsServerNames(ua_.tlsServerNames());
  accounts_.apply(settings_.accounts, ua_.stack(),
                  settings_.userAgent.empty() ? "Wisp/" WISP_VERSION : settings_.userAgent,
                  ua_.stunServers(settings_.enableStun ? settings_.stunServers
                                                       : std::vector<std::string>{}));
  ua_.setIncomingIdentity([this](const sip_msg &invite) {
    const Account *a = accounts_.forIncoming(invite);
    return a ? a->callIdentity() : localIdentity();
  });
  CallPolicy policy;
  policy.callWaiting = settings_.callWaiting;
  policy.autoAnswer = settings_.autoAnswer == AutoAnswer::All;
  policy.autoAnswerDelay = std::chrono::seconds(settings_.autoAnswerDelay);
  ua_.setPolicy(policy);
  hooks_.configure(settings_);
}

// The TLS transport exists only once an account uses it (OpenSSL costs memory).
void Phone::enableTlsIfNeeded() {
  std::vector<std::string> caFiles;
  std::string host;
  bool oneHost = true, any = false;
  for (const auto &a : settings_.accounts) {
    if (!a.enabled || a.transport != SipTransport::Tls)
      continue;
    if (!a.tlsCaFile.empty())
      caFiles.push_back(a.tlsCaFile);
    // The host its connections go to: the first proxy's, else the registrar's (as Account).
    const size_t proxyStart = a.proxy.find_first_not_of(' ');
    std::string h =
        serverHostName(proxyStart != std::string::npos
                           ? a.proxy.substr(proxyStart, a.proxy.find(' ', proxyStart) - proxyStart)
                           : (a.server.empty() ? a.domain : a.server));
    if (any && h != host)
      oneHost = false;
    host = h;
    any = true;
  }
  if (!any)
    return;
  // Each registration tells which server name goes with its address (TlsServerNames); the
  // one name, if there is only one, also covers connections elsewhere (calls).
  if (!oneHost)
    host.clear();
  if (Status s = ua_.enableTls(caFiles, host); !s)
    log::error("tls", "%s", s.error().message.c_str());
}

// Calls by IP that no account claims: we are sip:wisp@OUR-ADDRESS.
CallIdentity Phone::localIdentity() const {
  CallIdentity id;
  id.accountLabel = "local";
  return id;
}

void Phone::publishCallEvent(const Call &call, CallEvent event) {
  Json data = Json::object().set("call", callJson(call));
  switch (event) {
  case CallEvent::Created:
    if (call.direction() == CallDirection::Incoming) {
      Json headers = Json::object();
      if (!call.assertedIdentity().empty())
        headers.set("P-Asserted-Identity", call.assertedIdentity());
      if (!call.remoteUserAgent().empty())
        headers.set("User-Agent", call.remoteUserAgent());
      data.set("headers", std::move(headers));
      events_.publish("call.incoming", data);
    } else {
      events_.publish("call.outgoing", data);
    }
    break;
  case CallEvent::StateChanged:
    events_.publish("call.state", data);
    break;
  case CallEvent::MediaChanged:
    events_.publish("call.media", data);
    break;
  case CallEvent::DtmfReceived:
    data.set("digit", std::string(1, call.lastDtmf()));
    events_.publish("call.dtmf", data);
    break;
  case CallEvent::Ended:
    data.set("sip_code", call.end().sipCode).set("reason", call.end().reason);
    events_.publish("call.ended", data);
    break;
  }
}

void Phone::onAccountChange(const Account &a) {
  Json data = Json::object()
                  .set("account", a.id())
                  .set("label", a.label())
                  .set("uri", a.aor())
                  .set("registration", std::string(toString(a.state())));
  if (!a.reason().empty())
    data.set("reason", a.reason());
  if (a.lastCode())
    data.set("sip_code", a.lastCode());
  events_.publish("registration", data);
  if (a.state() == RegistrationState::Failed)
    return; // the account logged why, with its retry time
  log::info("account", "account %d (%s): %s", a.id(), a.label().c_str(),
            std::string(toString(a.state())).c_str());
}

void Phone::onCallEvent(Call &call, CallEvent event) {
  publishCallEvent(call, event);
  switch (event) {
  case CallEvent::StateChanged:
    if (call.state() == CallState::Established)
      startPostDial(call);
    break;
  case CallEvent::Ended: {
    Json ended = callJson(call);
    ended.set("sip_code", call.end().sipCode);
    ended.set("reason", call.end().reason);
    endedCalls_.push_front(std::move(ended));
    if (endedCalls_.size() > kEndedCallsKept)
      endedCalls_.pop_back();
    if (auto it = postDial_.find(call.id()); it != postDial_.end()) {
      tmr_cancel(&it->second->timer);
      postDial_.erase(it);
    }
    break;
  }
  default:
    break;
  }
}

// --- commands ----------------------------------------------------------------------------

Result<Reply> Phone::dial(const std::string &target, const std::optional<std::string> &account,
                          const std::vector<std::string> &postDialDtmf) {
  if (shuttingDown_)
    return makeError("shutting_down", "the phone is shutting down");
  const Account *acc = nullptr;
  if (account) {
    acc = accounts_.find(*account);
    if (!acc)
      return makeError("no_such_account", "there is no account \"" + *account +
                                              "\" (accounts are numbered as in wisp.ini)");
  } else if (settings_.accountId > 0) {
    acc = accounts_.byId(settings_.accountId);
  }
  DialContext ctx;
  std::string number = target;
  if (acc) {
    const AccountSettings &as = acc->settings();
    ctx.defaultDomain = as.domain.empty() ? as.server : as.domain;
    ctx.transport = std::string(toString(as.transport));
    // MicroSIP's dialingPrefix, then its dialPlan: for numbers and user names, not for
    // URIs or user@host, which are dialled as written.
    const bool isUriOrAddress = target.find_first_of(":@") != std::string::npos;
    if (!isUriOrAddress) {
      auto rewritten = applyDialingRules(target, as.dialingPrefix, as.dialPlan);
      if (!rewritten)
        return makeError(rewritten.error().code,
                         "account " + std::to_string(acc->id()) + ": " + rewritten.error().message);
      number = *rewritten;
    }
  }
  auto uri = resolveDialTarget(number, ctx);
  if (!uri)
    return uri.error();
  auto call = ua_.dial(*uri, acc ? acc->callIdentity() : localIdentity());
  if (!call)
    return call.error();
  if (!postDialDtmf.empty()) {
    auto pd = std::make_unique<PostDial>();
    pd->groups = postDialDtmf;
    tmr_init(&pd->timer);
    postDial_[(*call)->id()] = std::move(pd);
  }
  return Reply{"call " + std::to_string((*call)->id()) + ": calling " + *uri,
               Json::object().set("call", (*call)->id()).set("uri", *uri)};
}

void Phone::startPostDial(Call &call) {
  auto it = postDial_.find(call.id());
  if (it == postDial_.end())
    return;
  sendNextPostDialGroup(call.id());
}

void Phone::sendNextPostDialGroup(int callId) {
  auto it = postDial_.find(callId);
  if (it == postDial_.end())
    return;
  PostDial &pd = *it->second;
  if (pd.next >= pd.groups.size()) {
    postDial_.erase(it);
    return;
  }
  // Each group waits one pause, so "1234,,56#" pauses twice before sending 56#.
  tmr_start(
      &pd.timer, kPostDialPauseMs,
      [](void *arg) {
        guardCallback("post-dial DTMF", [&] {
          auto *phone = g_phone;
          const int id = int(reinterpret_cast<intptr_t>(arg));
          if (!phone)
            return;
          auto it2 = phone->postDial_.find(id);
          if (it2 == phone->postDial_.end())
            return;
          PostDial &p = *it2->second;
          const std::string &digits = p.groups[p.next++];
          if (Call *c = phone->ua_.findCall(id); c && !digits.empty())
            if (Status s = c->sendDtmf(digits); !s)
              log::warn("phone", "post-dial DTMF: %s", s.error().message.c_str());
          phone->sendNextPostDialGroup(id);
        });
      },
      reinterpret_cast<void *>(intptr_t(callId)));
}

Result<Call *> Phone::pickCall(std::optional<int> id, const char *purpose) const {
  if (id) {
    if (Call *c = ua_.findCall(*id))
      return c;
    return makeError("no_such_call", "there is no call " + std::to_string(*id));
  }
  auto calls = ua_.calls();
  if (calls.empty())
    return makeError("no_call", std::string("there is no call to ") + purpose);
  return calls.front();
}

Result<Reply> Phone::answer(std::optional<int> id) {
  Call *call = nullptr;
  if (id) {
    auto c = pickCall(id, "answer");
    if (!c)
      return c.error();
    call = *c;
  } else {
    for (Call *c : ua_.calls())
      if (c->direction() == CallDirection::Incoming && c->state() == CallState::Ringing) {
        call = c;
        break;
      }
    if (!call)
      return makeError("no_call", "there is no ringing call to answer");
  }
  if (Status s = call->answer(); !s)
    return s.error();
  return Reply{"call " + std::to_string(call->id()) + ": answered",
               Json::object().set("call", call->id())};
}

Result<Reply> Phone::hangup(std::optional<int> id) {
  auto call = pickCall(id, "hang up");
  if (!call)
    return call.error();
  const int callId = (*call)->id();
  (*call)->hangup();
  return Reply{"call " + std::to_string(callId) + ": hung up", Json::object().set("call", callId)};
}

// Like MicroSIP's /hangupall: every call except incoming ones still ringing.
Result<Reply> Phone::hangupAll() {
  int count = 0;
  for (Call *c : ua_.calls()) {
    if (c->direction() == CallDirection::Incoming && c->state() == CallState::Ringing)
      continue;
    c->hangup();
    ++count;
  }
  return Reply{std::to_string(count) + (count == 1 ? " call" : " calls") + " hung up",
               Json::object().set("count", count)};
}

namespace {
Reply countReply(int count, const char *what) {
  return Reply{std::to_string(count) + (count == 1 ? " call " : " calls ") + what,
               Json::object().set("count", count)};
}
} // namespace

Result<Reply> Phone::hangupIncoming() {
  int count = 0;
  for (Call *c : ua_.calls())
    if (c->direction() == CallDirection::Incoming && c->state() == CallState::Ringing) {
      c->hangup(); // 603 Decline
      ++count;
    }
  return countReply(count, "rejected");
}

Result<Reply> Phone::hangupCalling() {
  int count = 0;
  for (Call *c : ua_.calls())
    if (c->direction() == CallDirection::Outgoing && c->state() != CallState::Established) {
      c->hangup(); // CANCEL
      ++count;
    }
  return countReply(count, "cancelled");
}

Result<Reply> Phone::selectAccount(const std::string &account) {
  int id = 0;
  std::string label = "local";
  if (account != "0" && strcasecmp(account.c_str(), "local") != 0) {
    const Account *a = accounts_.find(account);
    if (!a)
      return makeError("no_such_account", "there is no account \"" + account +
                                              "\" (accounts are numbered as in wisp.ini)");
    id = a->id();
    label = a->label();
  }
  settings_.accountId = id;
  return Reply{"account " + std::to_string(id) + " (" + label + ") is now the default for calls",
               Json::object().set("account", id)};
}

// MicroSIP's /password:SECRET: the default account's password, saved in wisp.ini (only that
// line changes: the user's comments and layout stay), then applied like a reload.
Result<Reply> Phone::setPassword(const std::string &secret) {
  if (shuttingDown_)
    return makeError("shutting_down", "the phone is shutting down");
  const int id = settings_.accountId;
  if (id == 0 || !accounts_.byId(id))
    return makeError("no_account", "the default account is the local account (calls by IP), "
                                   "which has no password; choose one first: wisp account N");
  const auto &path = options_.profile.configFile;
  auto text = readFile(path);
  if (!text)
    return makeError("config", "cannot read " + path.string() + ": " + text.error().message);
  auto edited = setIniValue(*text, "Account" + std::to_string(id), "password", secret);
  if (!edited)
    return makeError(edited.error().code, "cannot save the password in " + path.string() + ": " +
                                              edited.error().message + "; nothing was changed");
  if (Status s = writeFileAtomically(path, *edited); !s)
    return makeError("config", "cannot save the password: " + s.error().message);
  auto reloaded = reload();
  if (!reloaded)
    return makeError(reloaded.error().code, "the password was saved in " + path.string() +
                                                " but not applied: " + reloaded.error().message);
  if (accounts_.byId(id))
    settings_.accountId = id; // a reload reads accountId from the file; keep the selection
  return Reply{"account " + std::to_string(id) + ": password saved in " + path.string(),
               Json::object().set("account", id)};
}

Result<Reply> Phone::sendDtmf(const std::string &digits, std::optional<int> id) {
  auto call = pickCall(id, "send DTMF to");
  if (!call)
    return call.error();
  if (Status s = (*call)->sendDtmf(digits); !s)
    return s.error();
  return Reply{"call " + std::to_string((*call)->id()) + ": sending DTMF " + digits,
               Json::object().set("call", (*call)->id()).set("digits", digits)};
}

Result<Reply> Phone::reload() {
  if (shuttingDown_)
    return makeError("shutting_down", "the phone is shutting down");
  auto loaded = loadSettingsFile(options_.profile.configFile);
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&loaded)) {
    std::string msg = "wisp.ini has errors; the phone keeps its previous settings:\n" +
                      formatConfigErrors(*errors);
    while (!msg.empty() && msg.back() == '\n')
      msg.pop_back();
    log::warn("phone", "reload refused: %s", msg.c_str());
    return makeError("config", msg);
  }
  Settings next = std::get<Settings>(std::move(loaded));
  if (Status s = checkAudioFiles(options_.audioIn.value_or(next.audioInputDevice),
                                 options_.audioOut.value_or(next.audioOutputDevice));
      !s)
    return makeError("config", s.error().message + "; the phone keeps its previous settings");
  std::string note;
  if (next.sourcePort != settings_.sourcePort || next.listenAddress != settings_.listenAddress)
    note = " (sourcePort and listenAddress take effect after a restart)";
  if (!(next.api == settings_.api))
    note += " ([Api] takes effect after a restart)";
  const bool changed = !(next == settings_);
  settings_ = std::move(next);
  applySettings();
  log::info("phone", "settings reloaded from %s", options_.profile.configFile.c_str());
  return Reply{changed ? "settings reloaded" + note : "settings unchanged",
               Json::object().set("changed", changed)};
}

Result<std::vector<Account *>>
Phone::pickAccounts(const std::optional<std::string> &account) const {
  std::vector<Account *> out;
  if (account) {
    Account *a = accounts_.find(*account);
    if (!a)
      return makeError("no_such_account", "there is no account \"" + *account + "\"");
    if (!a->registers())
      return makeError("bad_state", "account " + std::to_string(a->id()) +
                                        " has no server to register with (or is disabled)");
    out.push_back(a);
    return out;
  }
  for (const Account *a : accounts_.all())
    if (a->registers())
      out.push_back(accounts_.byId(a->id()));
  if (out.empty())
    return makeError("no_account", "no account has a server to register with");
  return out;
}

Result<Reply> Phone::registerAccount(const std::optional<std::string> &account) {
  if (shuttingDown_)
    return makeError("shutting_down", "the phone is shutting down");
  auto picked = pickAccounts(account);
  if (!picked)
    return picked.error();
  Json ids = Json::array();
  for (Account *a : *picked) {
    a->registerNow();
    ids.push(a->id());
  }
  return Reply{"registering " + std::to_string(picked->size()) +
                   (picked->size() == 1 ? " account" : " accounts"),
               Json::object().set("accounts", std::move(ids))};
}

Result<Reply> Phone::unregisterAccount(const std::optional<std::string> &account) {
  auto picked = pickAccounts(account);
  if (!picked)
    return picked.error();
  Json ids = Json::array();
  for (Account *a : *picked) {
    a->unregister();
    ids.push(a->id());
  }
  return Reply{"un-registered " + std::to_string(picked->size()) +
                   (picked->size() == 1 ? " account" : " accounts"),
               Json::object().set("accounts", std::move(ids))};
}

Result<Reply> Phone::exit() {
  // Reply first; shut down from a fresh loop iteration.
  tmr_start(
      &exitTimer_, 0,
      [](void *arg) { guardCallback("exit", [&] { static_cast<Phone *>(arg)->beginShutdown(); }); },
      this);
  return Reply{"exiting", Json()};
}

void Phone::beginShutdown() {
  if (shuttingDown_)
    return;
  shuttingDown_ = true;
  if (console_)
    console_->stop();
  accounts_.clear(); // un-REGISTERs go out now; the SIP stack waits for their answers
  ua_.shutdown([] { re_cancel(); });
}

Json Phone::snapshot() const {
  Json j = Json::object();
  j.set("version", WISP_VERSION);
  j.set("api_version", 0); // docs/api.md
  j.set("pid", int64_t(getpid()));
  j.set("profile", options_.profile.dir.string());
  Json listen = Json::array();
  for (const auto &l : ua_.listenAddresses())
    listen.push(Json::object().set("transport", l.transport).set("address", l.address));
  j.set("listen", std::move(listen));
  Json accounts = Json::array();
  accounts.push(Json::object()
                    .set("id", 0)
                    .set("label", "local")
                    .set("uri", "sip:wisp@" + ua_.localHost())
                    .set("registration", "off")
                    .set("default", settings_.accountId == 0));
  for (const Account *a : accounts_.all()) {
    Json acc = Json::object();
    acc.set("id", a->id()).set("label", a->label()).set("uri", a->aor());
    acc.set("registration", std::string(toString(a->state())));
    if (!a->reason().empty())
      acc.set("reason", a->reason());
    if (const std::string contact = a->registeredContact(); !contact.empty())
      acc.set("contact", contact);
    acc.set("default", settings_.accountId == a->id());
    accounts.push(std::move(acc));
  }
  j.set("accounts", std::move(accounts));
  Json calls = Json::array();
  for (const Call *c : ua_.calls())
    calls.push(callJson(*c));
  j.set("calls", std::move(calls));
  Json ended = Json::array();
  for (const Json &c : endedCalls_)
    ended.push(c);
  j.set("ended_calls", std::move(ended));
  j.set("audio", Json::object()
                     .set("input", inputSpec().toString())
                     .set("output", outputSpec().toString())
                     .set("active", audio_.active()));
  return j;
}

} // namespace wisp
