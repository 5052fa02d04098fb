// The phone's configuration as typed, validated values: what wisp.ini says, with defaults for
// everything it leaves out. Section and key names are MicroSIP's, so its users feel at home.
#pragma once

#include "config/audio_device_spec.h" // Settings holds two; its users need not include it
#include "config/ini.h"
#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wisp {

enum class AutoAnswer { Never, All };
enum class SipTransport { Udp, Tcp, Tls };
std::string_view toString(SipTransport transport); // "udp", "tcp", "tls"

// The audioCodecs names Wisp can use, in the default order of preference. The one list to
// extend when a codec is added (its media/codec.h implementation must exist too).
std::span<const std::string_view> supportedAudioCodecs();

inline constexpr int kMaxAccounts = 99; // [Account1] .. [Account99]

// One [AccountN] section.
struct AccountSettings {
  int index = 0; // N
  std::string label;
  std::string server; // registrar host[:port]; empty = use domain
  std::string proxy;  // outbound proxy host[:port]; empty = none
  std::string domain; // SIP domain of the address of record; empty = use server
  std::string username;
  std::string authId; // "authID": authentication user name; empty = username
  std::string password;
  std::string displayName;
  SipTransport transport = SipTransport::Udp;
  bool enabled = true;
  int registerRefresh = 300; // seconds, 60-86400
  int keepAlive = 15;        // seconds between NAT keep-alives, 0 = off
  std::string publicAddr;    // address to put in Contact/Via instead of the local one
  std::string dialingPrefix; // prepended to dialled numbers
  std::string dialPlan;      // MicroSIP dial plan, kept as written
  bool hideCallerId = false; // "hideCID"
  // transport=tls: also trust the CA certificates in this PEM file (besides the system's
  // store). Relative to wisp.ini's folder.
  std::string tlsCaFile;

  bool operator==(const AccountSettings &) const = default;
};

// Event hooks (docs/config.md, "Event hooks"): commands run when something happens. Each
// command is kept as written (checked by the loader; empty = none).
struct HookSettings {
  // MicroSIP's [Settings] keys; the remote number is appended as the last argument.
  std::string cmdOutgoingCall;
  std::string cmdIncomingCall;
  std::string cmdCallRing;
  std::string cmdCallAnswer;
  std::string cmdCallBusy;
  std::string cmdCallStart;
  std::string cmdCallEnd;
  // [Hooks]: event type (call.incoming, registration, ...) and command, in file order.
  std::vector<std::pair<std::string, std::string>> byEvent;
  int timeout = 10;   // "hookTimeout": seconds before a running hook is stopped
  int maxRunning = 4; // "hookConcurrency": hooks running at once; more wait their turn

  const std::string *microsipCommand(std::string_view key) const; // nullptr: not such a key
  bool operator==(const HookSettings &) const = default;
};

// [Api]: the D-Bus service and the HTTP API (docs/api.md).
struct ApiSettings {
  enum class DBus { Auto, On, Off }; // Auto: on when DBUS_SESSION_BUS_ADDRESS is set
  DBus dbus = DBus::Auto;
  std::string http;             // "127.0.0.1:PORT" ([v6]:PORT); empty = no HTTP API
  std::string httpToken;        // required with http
  bool httpAllowRemote = false; // required for a bind address other than loopback
  std::string httpCorsOrigin;   // Access-Control-Allow-Origin; empty = no CORS headers

  bool operator==(const ApiSettings &) const = default;
};

struct Settings {
  uint16_t sourcePort = 0;   // SIP UDP and TCP listen port; 0 = any free port
  std::string listenAddress; // IP address to bind SIP and RTP to; empty = automatic ("auto")
  uint16_t rtpPortMin = 10000;
  uint16_t rtpPortMax = 20000;
  std::vector<std::string> audioCodecs{supportedAudioCodecs().begin(),
                                       supportedAudioCodecs().end()};
  AutoAnswer autoAnswer = AutoAnswer::Never;
  int autoAnswerDelay = 0; // seconds
  bool callWaiting = true;
  std::string userAgent; // empty = "Wisp/VERSION"
  AudioDeviceSpec audioInputDevice;
  AudioDeviceSpec audioOutputDevice;
  int accountId = 0; // account for outgoing calls; 0 = local account (calls by IP)
  std::vector<AccountSettings> accounts; // sorted by index
  // "dnsSrvNs": name servers for host names (RFC 3263: NAPTR, SRV, A); empty = the system's.
  std::vector<std::string> dnsServers;
  HookSettings hooks;
  ApiSettings api; // [Api]

  // "enableSTUN" and "STUN": learn our public address (behind a NAT) from these STUN servers
  // (host[:port], port 3478 if none; names resolved with dnsSrvNs), tried in order, for the
  // Contact of UDP registrations and for each call's RTP/RTCP address and port in our SDP.
  bool enableStun = false;
  std::vector<std::string> stunServers;

  const AccountSettings *findAccount(int index) const;
  bool operator==(const Settings &) const = default;
};

// The keys each kind of section accepts, in the order the default wisp.ini documents them.
std::span<const std::string_view> settingsSectionKeys(); // [Settings]
std::span<const std::string_view> accountSectionKeys();  // [AccountN]
std::span<const std::string_view> apiSectionKeys();      // [Api]

// Validates a parsed document. Relative file:PATH audio devices are resolved against the
// folder of doc.path, so a profile can carry its own sound files.
ConfigResult<Settings> loadSettings(const IniDocument &doc);

// Parses and validates, reporting syntax errors and bad values together, sorted by line.
ConfigResult<Settings> loadSettingsText(std::string_view text, std::string path);

// Reads the file (an unreadable or missing file is an error) and loads it.
ConfigResult<Settings> loadSettingsFile(const std::filesystem::path &path);

// The commented wisp.ini written into a new profile (default_ini.cpp). It documents every key
// and loads to exactly Settings{}.
std::string_view defaultIniText();

} // namespace wisp
