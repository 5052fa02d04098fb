#include "config/settings.h"

#include <re.h>

#include "control/event_bus.h"
#include "control/hook_command.h"
#include "util/atomic_file.h"
#include "util/text.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <netinet/in.h>
#include <optional>

namespace wisp {
namespace {

constexpr std::array<std::string_view, 2> kSupportedAudioCodecs{"PCMU/8000/1", "PCMA/8000/1"};

constexpr std::string_view kSettingsSection = "Settings";
constexpr std::string_view kAccountPrefix = "Account";
constexpr std::string_view kHooksSection = "Hooks";
constexpr std::string_view kApiSection = "Api";

std::string joined(std::span<const std::string_view> words) {
  std::string r;
  for (std::string_view w : words)
    r += (r.empty() ? "" : " ") + std::string(w);
  return r;
}

Error badValue(std::string message) {
  return makeError("config", std::move(message));
}

// ---- Value parsers: each takes the raw value and says what was expected if it is wrong ----

Status parseInt(std::string_view v, int min, int max, std::string_view noun, int &out) {
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  // from_chars accepts a leading '-': fine, the range check rejects it when min >= 0.
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < min || n > max)
    return badValue(quotedAsIs(v) + " is not " + std::string(noun) + " (" + std::to_string(min) +
                    "-" + std::to_string(max) + ")");
  out = n;
  return Ok{};
}

Status parsePort(std::string_view v, int min, uint16_t &out) {
  int n = 0;
  Status s = parseInt(v, min, 65535, "a port number", n);
  if (s)
    out = static_cast<uint16_t>(n);
  return s;
}

Status parseSeconds(std::string_view v, int min, int max, int &out) {
  return parseInt(v, min, max, "a number of seconds", out);
}

Status parseBool(std::string_view v, bool &out) {
  std::string s = toLowerAscii(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") {
    out = true;
    return Ok{};
  }
  if (s == "0" || s == "false" || s == "no" || s == "off") {
    out = false;
    return Ok{};
  }
  return badValue(quotedAsIs(v) + " is not a yes/no value (use 1 or 0, true or false, yes or no, " +
                  "on or off)");
}

Status parseCodecs(std::string_view v, std::vector<std::string> &out) {
  const std::string supported = "supported: " + joined(kSupportedAudioCodecs);
  std::vector<std::string> codecs;
  std::vector<std::string> problems;
  size_t pos = 0;
  while (pos < v.size()) {
    if (v[pos] == ' ' || v[pos] == '\t') {
      ++pos;
      continue;
    }
    size_t end = v.find_first_of(" \t", pos);
    std::string_view name = v.substr(pos, end == std::string_view::npos ? v.npos : end - pos);
    pos = end == std::string_view::npos ? v.size() : end;
    auto known = std::find_if(kSupportedAudioCodecs.begin(), kSupportedAudioCodecs.end(),
                              [&](std::string_view c) { return equalsIgnoreCase(c, name); });
    if (known == kSupportedAudioCodecs.end())
      problems.push_back("unsupported codec " + quotedAsIs(name));
    else if (std::find(codecs.begin(), codecs.end(), *known) != codecs.end())
      problems.push_back("codec " + quotedAsIs(*known) + " is listed twice");
    else
      codecs.emplace_back(*known);
  }
  if (problems.empty() && codecs.empty())
    return badValue("the codec list is empty; " + supported);
  if (!problems.empty()) {
    std::string message;
    for (const std::string &p : problems)
      message += p + "; ";
    return badValue(message + supported);
  }
  out = std::move(codecs);
  return Ok{};
}

Status parseAutoAnswer(std::string_view v, AutoAnswer &out) {
  std::string s = toLowerAscii(v);
  if (s.empty() || s == "0" || s == "off") {
    out = AutoAnswer::Never;
    return Ok{};
  }
  if (s == "all") {
    out = AutoAnswer::All;
    return Ok{};
  }
  if (s == "button" || s == "header")
    return badValue(quotedAsIs(v) + " is not supported yet; use 0 (never) or all");
  return badValue(quotedAsIs(v) + " is not an auto-answer mode; use 0 (never) or all");
}

Status parseTransport(std::string_view v, SipTransport &out) {
  for (SipTransport t : {SipTransport::Udp, SipTransport::Tcp, SipTransport::Tls}) {
    if (equalsIgnoreCase(v, toString(t))) {
      out = t;
      return Ok{};
    }
  }
  return badValue(quotedAsIs(v) + " is not a transport; use udp, tcp or tls");
}

bool isHostChar(char c) {
  return isAsciiAlnum(c) || c == '.' || c == '-' || c == '_';
}

bool isIpv6Char(char c) {
  return isAsciiHexDigit(c) || c == ':' || c == '.';
}

// "host", "host:port", "[v6]" or "[v6]:port"; empty means "not set".
Status parseHostPort(std::string_view v, std::string &out) {
  auto wrong = [&](std::string why) {
    return badValue(quotedAsIs(v) + " is not a host name or address with an optional :port (" +
                    why + ")");
  };
  std::string_view host = v;
  std::optional<std::string_view> port;
  if (!v.empty() && v.front() == '[') {
    size_t close = v.find(']');
    if (close == std::string_view::npos)
      return wrong("missing \"]\"");
    host = v.substr(1, close - 1);
    std::string_view rest = v.substr(close + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), isIpv6Char))
      return wrong("bad IPv6 address");
    if (!rest.empty()) {
      if (rest.front() != ':')
        return wrong("unexpected text after \"]\"");
      port = rest.substr(1);
    }
  } else {
    size_t colons = static_cast<size_t>(std::count(v.begin(), v.end(), ':'));
    if (colons > 1)
      return wrong("write IPv6 addresses in brackets, e.g. [2001:db8::1]:5060");
    if (colons == 1) {
      host = v.substr(0, v.find(':'));
      port = v.substr(v.find(':') + 1);
      if (equalsIgnoreCase(host, "sip") || equalsIgnoreCase(host, "sips"))
        return wrong("leave out the \"" + std::string(host) + ":\" prefix");
    }
    if (!std::all_of(host.begin(), host.end(), isHostChar))
      return wrong("e.g. sip.example.com or 192.0.2.1:5060");
    if (host.empty() && !v.empty())
      return wrong("empty host");
  }
  int n = 0;
  if (port && !parseInt(*port, 1, 65535, "", n))
    return wrong("the port must be 1-65535");
  out = std::string(v);
  return Ok{};
}

// An IP literal to bind to; "auto" (or empty) leaves the choice to the phone.
Status parseListenAddress(std::string_view v, std::string &out) {
  std::string text(v);
  unsigned char buf[sizeof(in6_addr)];
  if (text.empty() || equalsIgnoreCase(text, "auto")) {
    out.clear();
    return Ok{};
  }
  if (::inet_pton(AF_INET, text.c_str(), buf) != 1 && ::inet_pton(AF_INET6, text.c_str(), buf) != 1)
    return badValue(quotedAsIs(v) + " is not an IP address (use auto, or e.g. 192.0.2.10 or ::1)");
  out = std::move(text);
  return Ok{};
}

// Space-separated IP[:port] (IPv6 as [addr]:port); empty = the system's resolvers.
Status parseNameServers(std::string_view v, std::vector<std::string> &out) {
  std::vector<std::string> servers;
  std::string text(v);
  for (size_t i = 0; i < text.size();) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos)
      j = text.size();
    std::string word = text.substr(i, j - i);
    i = j + 1;
    if (word.empty())
      continue;
    sa addr{};
    if (sa_decode(&addr, word.c_str(), word.size()) != 0 &&
        sa_set_str(&addr, word.c_str(), 53) != 0)
      return badValue(quotedAsIs(word) +
                      " is not a name server address (e.g. 192.0.2.53 or 192.0.2.53:5353)");
    servers.push_back(std::move(word));
  }
  out = std::move(servers);
  return Ok{};
}

// MicroSIP's STUN list: host[:port] words separated by spaces, commas or semicolons.
Status parseStunServers(std::string_view v, std::vector<std::string> &out) {
  std::vector<std::string> servers;
  std::string word;
  auto flush = [&]() -> Status {
    if (word.empty())
      return Ok{};
    std::string checked;
    if (Status s = parseHostPort(word, checked); !s)
      return badValue(quotedAsIs(word) + " is not a STUN server (host or host:port)");
    servers.push_back(std::move(checked));
    word.clear();
    return Ok{};
  };
  for (char c : v) {
    if (c == ' ' || c == ',' || c == ';' || c == '\t') {
      if (Status s = flush(); !s)
        return s;
    } else {
      word += c;
    }
  }
  if (Status s = flush(); !s)
    return s;
  out = std::move(servers);
  return Ok{};
}

Status parseDevice(std::string_view v, AudioDirection direction, AudioDeviceSpec &out) {
  Result<AudioDeviceSpec> spec = parseAudioDeviceSpec(v, direction);
  if (!spec)
    return badValue(spec.error().message);
  out = std::move(spec).value();
  return Ok{};
}

Status parseAccountId(std::string_view v, int &out) {
  return parseInt(v, 0, kMaxAccounts, "an account number", out);
}

// A command line as written: wisp.ini took a pair of surrounding quotes off (`""` is empty).
std::string commandLineOf(const IniEntry &entry) {
  return entry.quoted && !entry.value.empty() ? "\"" + entry.value + "\"" : entry.value;
}

// A hook's command line (control/hook_command.h); empty = no hook.
Status parseHookCommandText(std::string_view v, std::string &out) {
  if (v.find_first_not_of(" \t") == std::string_view::npos) {
    out.clear();
    return Ok{};
  }
  if (auto command = parseHookCommand(v); !command)
    return badValue(command.error().message);
  out = std::string(v);
  return Ok{};
}

Status parseDBusMode(std::string_view v, ApiSettings::DBus &out) {
  std::string s = toLowerAscii(v);
  if (s == "auto") {
    out = ApiSettings::DBus::Auto;
    return Ok{};
  }
  bool on = false;
  if (!parseBool(v, on))
    return badValue(quotedAsIs(v) + " is not on, off or auto");
  out = on ? ApiSettings::DBus::On : ApiSettings::DBus::Off;
  return Ok{};
}

// IP:PORT with a literal address, IPv6 in brackets; empty = off.
Status parseHttpBind(std::string_view v, std::string &out) {
  if (v.empty()) {
    out.clear();
    return Ok{};
  }
  sa addr{};
  int port = 0;
  const size_t colon = v.rfind(':');
  const bool portOk = colon != std::string_view::npos &&
                      parseInt(v.substr(colon + 1), 1, 65535, "a port", port).ok();
  if (!portOk || sa_decode(&addr, v.data(), v.size()) != 0)
    return badValue(quotedAsIs(v) + " is not an IP address and port (e.g. 127.0.0.1:8089 or " +
                    "[::1]:8089)");
  out = std::string(v);
  return Ok{};
}

template <std::string HookSettings::*Field> Status setHookCommand(std::string_view v, Settings &s) {
  return parseHookCommandText(v, s.hooks.*Field);
}

// ---- The key tables: the single list of what each section accepts ----

template <class Target> struct KeySpec {
  std::string_view name;
  Status (*apply)(std::string_view value, Target &target);
  // The value is a command line: it gets the double quotes wisp.ini took off back.
  bool commandLine = false;
};

using SettingsKey = KeySpec<Settings>;
const std::array<SettingsKey, 24> kSettingsKeys{{
    {"sourcePort", [](std::string_view v, Settings &s) { return parsePort(v, 0, s.sourcePort); }},
    {"listenAddress",
     [](std::string_view v, Settings &s) { return parseListenAddress(v, s.listenAddress); }},
    {"rtpPortMin",
     [](std::string_view v, Settings &s) { return parsePort(v, 1024, s.rtpPortMin); }},
    {"rtpPortMax",
     [](std::string_view v, Settings &s) { return parsePort(v, 1024, s.rtpPortMax); }},
    {"audioCodecs", [](std::string_view v, Settings &s) { return parseCodecs(v, s.audioCodecs); }},
    {"autoAnswer",
     [](std::string_view v, Settings &s) { return parseAutoAnswer(v, s.autoAnswer); }},
    {"autoAnswerDelay",
     [](std::string_view v, Settings &s) { return parseSeconds(v, 0, 3600, s.autoAnswerDelay); }},
    {"callWaiting", [](std::string_view v, Settings &s) { return parseBool(v, s.callWaiting); }},
    {"userAgent",
     [](std::string_view v, Settings &s) -> Status {
       s.userAgent = v;
       return Ok{};
     }},
    {"audioInputDevice",
     [](std::string_view v, Settings &s) {
       return parseDevice(v, AudioDirection::Input, s.audioInputDevice);
     }},
    {"audioOutputDevice",
     [](std::string_view v, Settings &s) {
       return parseDevice(v, AudioDirection::Output, s.audioOutputDevice);
     }},
    {"accountId", [](std::string_view v, Settings &s) { return parseAccountId(v, s.accountId); }},
    {"dnsSrvNs", [](std::string_view v, Settings &s) { return parseNameServers(v, s.dnsServers); }},
    {"cmdOutgoingCall", setHookCommand<&HookSettings::cmdOutgoingCall>, true},
    {"cmdIncomingCall", setHookCommand<&HookSettings::cmdIncomingCall>, true},
    {"cmdCallRing", setHookCommand<&HookSettings::cmdCallRing>, true},
    {"cmdCallAnswer", setHookCommand<&HookSettings::cmdCallAnswer>, true},
    {"cmdCallBusy", setHookCommand<&HookSettings::cmdCallBusy>, true},
    {"cmdCallStart", setHookCommand<&HookSettings::cmdCallStart>, true},
    {"cmdCallEnd", setHookCommand<&HookSettings::cmdCallEnd>, true},
    {"hookTimeout",
     [](std::string_view v, Settings &s) { return parseSeconds(v, 1, 3600, s.hooks.timeout); }},
    {"hookConcurrency",
     [](std::string_view v, Settings &s) {
       return parseInt(v, 1, 64, "a number of hooks", s.hooks.maxRunning);
     }},
    {"enableSTUN", [](std::string_view v, Settings &s) { return parseBool(v, s.enableStun); }},
    {"STUN", [](std::string_view v, Settings &s) { return parseStunServers(v, s.stunServers); }},
}};

// Plain text: anything goes, the SIP layer quotes what it needs to.
template <std::string AccountSettings::*Field>
Status setText(std::string_view v, AccountSettings &a) {
  a.*Field = v;
  return Ok{};
}

template <std::string AccountSettings::*Field>
Status setHost(std::string_view v, AccountSettings &a) {
  return parseHostPort(v, a.*Field);
}

using AccountKey = KeySpec<AccountSettings>;
const std::array<AccountKey, 17> kAccountKeys{{
    {"label", setText<&AccountSettings::label>},
    {"server", setHost<&AccountSettings::server>},
    {"proxy", setHost<&AccountSettings::proxy>},
    {"domain", setHost<&AccountSettings::domain>},
    {"username", setText<&AccountSettings::username>},
    {"authID", setText<&AccountSettings::authId>},
    {"password", setText<&AccountSettings::password>},
    {"displayName", setText<&AccountSettings::displayName>},
    {"transport",
     [](std::string_view v, AccountSettings &a) { return parseTransport(v, a.transport); }},
    {"enabled", [](std::string_view v, AccountSettings &a) { return parseBool(v, a.enabled); }},
    {"registerRefresh",
     [](std::string_view v, AccountSettings &a) {
       return parseSeconds(v, 60, 86400, a.registerRefresh);
     }},
    {"keepAlive",
     [](std::string_view v, AccountSettings &a) { return parseSeconds(v, 0, 3600, a.keepAlive); }},
    {"publicAddr", setHost<&AccountSettings::publicAddr>},
    {"dialingPrefix", setText<&AccountSettings::dialingPrefix>},
    {"dialPlan", setText<&AccountSettings::dialPlan>},
    {"hideCID",
     [](std::string_view v, AccountSettings &a) { return parseBool(v, a.hideCallerId); }},
    {"tlsCaFile", setText<&AccountSettings::tlsCaFile>},
}};

using ApiKey = KeySpec<ApiSettings>;
const std::array<ApiKey, 5> kApiKeys{{
    {"dbus", [](std::string_view v, ApiSettings &a) { return parseDBusMode(v, a.dbus); }},
    {"http", [](std::string_view v, ApiSettings &a) { return parseHttpBind(v, a.http); }},
    {"httpToken",
     [](std::string_view v, ApiSettings &a) -> Status {
       a.httpToken = v;
       return Ok{};
     }},
    {"httpAllowRemote",
     [](std::string_view v, ApiSettings &a) { return parseBool(v, a.httpAllowRemote); }},
    {"httpCorsOrigin",
     [](std::string_view v, ApiSettings &a) -> Status {
       a.httpCorsOrigin = v;
       return Ok{};
     }},
}};

template <class Keys> std::vector<std::string_view> namesOf(const Keys &keys) {
  std::vector<std::string_view> names;
  for (const auto &k : keys)
    names.push_back(k.name);
  return names;
}

const std::vector<std::string_view> &settingsKeyNames() {
  static const std::vector<std::string_view> names = namesOf(kSettingsKeys);
  return names;
}

const std::vector<std::string_view> &accountKeyNames() {
  static const std::vector<std::string_view> names = namesOf(kAccountKeys);
  return names;
}

const std::vector<std::string_view> &apiKeyNames() {
  static const std::vector<std::string_view> names = namesOf(kApiKeys);
  return names;
}

// ---- Sections ----

// The N of "AccountN" when the name is a valid account section.
std::optional<int> accountIndex(std::string_view section) {
  if (section.substr(0, kAccountPrefix.size()) != kAccountPrefix)
    return std::nullopt;
  std::string_view digits = section.substr(kAccountPrefix.size());
  if (digits.empty() || digits.size() > 2 || digits.front() == '0' ||
      !std::all_of(digits.begin(), digits.end(), isAsciiDigit))
    return std::nullopt;
  return std::stoi(std::string(digits));
}

std::string unknownSectionMessage(std::string_view name) {
  const std::string numbered = "accounts are numbered [Account1] to [Account99] (no leading zeros)";
  size_t digitsAt = name.size();
  while (digitsAt > 0 && isAsciiDigit(name[digitsAt - 1]))
    --digitsAt;
  std::string_view base = name.substr(0, digitsAt);
  if (editDistance(base, kAccountPrefix, Transposition::TwoEdits) <= 2) {
    std::string meant = std::string(kAccountPrefix) + std::string(name.substr(digitsAt));
    if (accountIndex(meant) && meant != name)
      return "unknown section; did you mean [" + meant + "]?";
    return "not an account section: " + numbered;
  }
  if (editDistance(name, kSettingsSection, Transposition::TwoEdits) <= 2)
    return "unknown section; did you mean [Settings]?";
  if (editDistance(name, kHooksSection, Transposition::TwoEdits) <= 2)
    return "unknown section; did you mean [Hooks]?";
  if (equalsIgnoreCase(name, kApiSection))
    return "unknown section; did you mean [Api]?";
  return "unknown section; the sections are [Settings], [Hooks], [Api] and [Account1] to "
         "[Account99]";
}

std::string unknownKeyMessage(std::string_view key, const std::vector<std::string_view> &known,
                              const std::vector<std::string_view> &other,
                              std::string_view otherSection) {
  std::string message = "unknown key " + quotedAsIs(key);
  if (std::find(other.begin(), other.end(), key) != other.end())
    return message + "; it belongs in " + std::string(otherSection);
  // Up to a third of the letters may be wrong, and two even in short keys.
  std::size_t tolerance = std::max<std::size_t>(2, key.size() / 3);
  if (auto guess = nearestWord(key, known, tolerance, Transposition::TwoEdits))
    return message + "; did you mean " + quotedAsIs(*guess) + "?";
  return message;
}

class Loader {
public:
  explicit Loader(const IniDocument &doc) : doc_(doc) {}

  ConfigResult<Settings> run() {
    for (const IniSection &section : doc_.sections) {
      if (section.name == kSettingsSection)
        loadSettingsSection();
      else if (section.name == kHooksSection)
        loadHooksSection();
      else if (section.name == kApiSection)
        loadApiSection();
      else if (auto index = accountIndex(section.name))
        loadAccount(section, *index);
      else
        error(section.line, section.name, "", unknownSectionMessage(section.name));
    }
    std::sort(settings_.accounts.begin(), settings_.accounts.end(),
              [](const AccountSettings &a, const AccountSettings &b) { return a.index < b.index; });
    checkRtpRange();
    checkAccountId();
    checkHttpApi();
    resolveRelativeFiles();
    if (!errors_.empty()) {
      std::stable_sort(errors_.begin(), errors_.end(),
                       [](const ConfigError &a, const ConfigError &b) { return a.line < b.line; });
      return std::move(errors_);
    }
    return std::move(settings_);
  }

private:
  void error(int line, std::string_view section, std::string_view key, std::string message) {
    errors_.push_back(
        ConfigError{doc_.path, line, std::string(section), std::string(key), std::move(message)});
  }

  template <class Target, size_t N>
  void applyKeys(std::string_view section, const std::array<KeySpec<Target>, N> &keys,
                 Target &target, const std::vector<std::string_view> &otherKeys,
                 std::string_view otherSection) {
    for (const IniEntry *entry : doc_.entriesIn(section)) {
      auto spec = std::find_if(keys.begin(), keys.end(),
                               [&](const KeySpec<Target> &k) { return k.name == entry->key; });
      if (spec == keys.end()) {
        error(entry->line, section, entry->key,
              unknownKeyMessage(entry->key, namesOf(keys), otherKeys, otherSection));
        continue;
      }
      const std::string value = spec->commandLine ? commandLineOf(*entry) : entry->value;
      if (Status s = spec->apply(value, target); !s) {
        error(entry->line, section, entry->key, s.error().message);
        rejected_.push_back(entry);
      }
    }
  }

  void loadSettingsSection() {
    applyKeys(kSettingsSection, kSettingsKeys, settings_, accountKeyNames(),
              "an [AccountN] section");
  }

  // [Hooks]: EVENT=COMMAND for any event type the phone publishes.
  void loadHooksSection() {
    const auto types = publishedEventTypes();
    const std::vector<std::string_view> known(types.begin(), types.end());
    for (const IniEntry *entry : doc_.entriesIn(kHooksSection)) {
      if (std::find(known.begin(), known.end(), entry->key) == known.end()) {
        std::string message = "unknown event " + quotedAsIs(entry->key);
        const auto &settingsKeys = settingsKeyNames();
        if (std::find(settingsKeys.begin(), settingsKeys.end(), entry->key) != settingsKeys.end())
          message += "; it belongs in [Settings]";
        else if (auto guess = nearestWord(entry->key, known, 3, Transposition::TwoEdits))
          message += "; did you mean " + quotedAsIs(*guess) + "?";
        else
          message += "; the events are " + joined(types);
        error(entry->line, kHooksSection, entry->key, std::move(message));
        continue;
      }
      const std::string value = commandLineOf(*entry);
      std::string command;
      if (Status s = parseHookCommandText(value, command); !s) {
        error(entry->line, kHooksSection, entry->key, s.error().message);
        continue;
      }
      if (!command.empty())
        settings_.hooks.byEvent.emplace_back(entry->key, std::move(command));
    }
  }

  void loadApiSection() {
    applyKeys(kApiSection, kApiKeys, settings_.api, settingsKeyNames(), "[Settings]");
  }

  // The HTTP API drives calls: it needs a token, and other hosts only when the user says so.
  void checkHttpApi() {
    const IniEntry *http = doc_.find(kApiSection, "http");
    if (!http || wasRejected(http) || settings_.api.http.empty())
      return;
    if (settings_.api.httpToken.empty())
      error(http->line, kApiSection, "httpToken",
            "not set; the HTTP API needs a token (httpToken=SECRET) that clients send as "
            "\"Authorization: Bearer SECRET\"");
    sa addr{};
    if (sa_decode(&addr, settings_.api.http.data(), settings_.api.http.size()) == 0 &&
        !isLoopback(addr) && !settings_.api.httpAllowRemote)
      error(http->line, kApiSection, "http",
            quotedAsIs(settings_.api.http) +
                " is not a loopback address; set httpAllowRemote=1 to let other hosts reach "
                "the API (use a long token, and TLS in front of it)");
  }

  static bool isLoopback(const sa &addr) {
    if (sa_af(&addr) == AF_INET)
      return (ntohl(addr.u.in.sin_addr.s_addr) >> 24) == 127;
    return sa_af(&addr) == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&addr.u.in6.sin6_addr);
  }

  void loadAccount(const IniSection &section, int index) {
    AccountSettings account;
    account.index = index;
    applyKeys(section.name, kAccountKeys, account, settingsKeyNames(), "[Settings]");
    if (account.enabled) {
      const std::string hint = " (or set enabled=0)";
      if (account.username.empty())
        error(section.line, section.name, "username",
              "not set; an enabled account needs one" + hint);
      // A rejected server or domain is reported already: "not set" would be confusing.
      bool hostRejected = wasRejected(doc_.find(section.name, "server")) ||
                          wasRejected(doc_.find(section.name, "domain"));
      if (account.server.empty() && account.domain.empty() && !hostRejected)
        error(section.line, section.name, "server",
              "not set; an enabled account needs a server or a domain" + hint);
    }
    settings_.accounts.push_back(std::move(account));
  }

  bool wasRejected(const IniEntry *entry) const {
    return std::find(rejected_.begin(), rejected_.end(), entry) != rejected_.end();
  }

  // Blames the key the user actually wrote: the other one still has its default.
  void checkRtpRange() {
    if (settings_.rtpPortMin < settings_.rtpPortMax)
      return;
    const IniEntry *max = doc_.find(kSettingsSection, "rtpPortMax");
    const IniEntry *min = doc_.find(kSettingsSection, "rtpPortMin");
    if (wasRejected(min) || wasRejected(max))
      return; // the bad value is reported already; comparing with a default would mislead
    const IniEntry *culprit = max ? max : min;
    if (!culprit)
      return; // both defaults: cannot happen, the defaults are a valid range
    error(culprit->line, kSettingsSection, culprit->key,
          "rtpPortMin (" + std::to_string(settings_.rtpPortMin) +
              ") must be less than rtpPortMax (" + std::to_string(settings_.rtpPortMax) + ")");
  }

  void checkAccountId() {
    const IniEntry *entry = doc_.find(kSettingsSection, "accountId");
    if (!entry) {
      settings_.accountId = settings_.findAccount(1) ? 1 : 0;
      return;
    }
    if (!wasRejected(entry) && settings_.accountId != 0 &&
        !settings_.findAccount(settings_.accountId))
      error(entry->line, kSettingsSection, entry->key,
            "there is no [Account" + std::to_string(settings_.accountId) +
                "] section (use 0 for the local account)");
  }

  void resolveRelativeFiles() {
    std::filesystem::path base = std::filesystem::path(doc_.path).parent_path();
    if (base.empty())
      return;
    for (AudioDeviceSpec *spec : {&settings_.audioInputDevice, &settings_.audioOutputDevice})
      if (spec->kind == AudioDeviceSpec::Kind::File &&
          std::filesystem::path(spec->name).is_relative())
        spec->name = (base / spec->name).string();
    for (AccountSettings &a : settings_.accounts)
      if (!a.tlsCaFile.empty() && std::filesystem::path(a.tlsCaFile).is_relative())
        a.tlsCaFile = (base / a.tlsCaFile).string();
  }

  const IniDocument &doc_;
  Settings settings_;
  std::vector<ConfigError> errors_;
  std::vector<const IniEntry *> rejected_; // entries whose value was invalid
};

} // namespace

// ---- Public API ----

std::string_view toString(SipTransport transport) {
  switch (transport) {
  case SipTransport::Udp:
    return "udp";
  case SipTransport::Tcp:
    return "tcp";
  case SipTransport::Tls:
    return "tls";
  }
  return "udp";
}

std::span<const std::string_view> supportedAudioCodecs() {
  return kSupportedAudioCodecs;
}

const std::string *HookSettings::microsipCommand(std::string_view key) const {
  static constexpr std::pair<std::string_view, std::string HookSettings::*> kFields[] = {
      {"cmdOutgoingCall", &HookSettings::cmdOutgoingCall},
      {"cmdIncomingCall", &HookSettings::cmdIncomingCall},
      {"cmdCallRing", &HookSettings::cmdCallRing},
      {"cmdCallAnswer", &HookSettings::cmdCallAnswer},
      {"cmdCallBusy", &HookSettings::cmdCallBusy},
      {"cmdCallStart", &HookSettings::cmdCallStart},
      {"cmdCallEnd", &HookSettings::cmdCallEnd}};
  for (const auto &[name, field] : kFields)
    if (name == key)
      return &(this->*field);
  return nullptr;
}

const AccountSettings *Settings::findAccount(int index) const {
  auto it = std::find_if(accounts.begin(), accounts.end(),
                         [&](const AccountSettings &a) { return a.index == index; });
  return it == accounts.end() ? nullptr : &*it;
}

std::span<const std::string_view> settingsSectionKeys() {
  return settingsKeyNames();
}
std::span<const std::string_view> accountSectionKeys() {
  return accountKeyNames();
}
std::span<const std::string_view> apiSectionKeys() {
  return apiKeyNames();
}

ConfigResult<Settings> loadSettings(const IniDocument &doc) {
  return Loader(doc).run();
}

ConfigResult<Settings> loadSettingsText(std::string_view text, std::string path) {
  IniParseOutput parsed = parseIniLenient(text, std::move(path));
  ConfigResult<Settings> loaded = loadSettings(parsed.document);
  if (parsed.errors.empty())
    return loaded;
  std::vector<ConfigError> errors = std::move(parsed.errors);
  if (auto *more = std::get_if<std::vector<ConfigError>>(&loaded))
    errors.insert(errors.end(), more->begin(), more->end());
  std::stable_sort(errors.begin(), errors.end(),
                   [](const ConfigError &a, const ConfigError &b) { return a.line < b.line; });
  return errors;
}

ConfigResult<Settings> loadSettingsFile(const std::filesystem::path &path) {
  Result<std::string> text = readFile(path);
  if (!text)
    return std::vector<ConfigError>{ConfigError{"", 0, "", "", text.error().message}};
  return loadSettingsText(*text, path.string());
}

} // namespace wisp
