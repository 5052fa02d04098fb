// The four ways a command reaches a running phone, behind one interface, so that one table of
// commands can be checked on each of them with the same expectations:
//   CommandLine  `wisp --profile DIR ARGS...` (forwarded over the control socket)
//   Socket       a JSON request {"id","argv"} on the control socket
//   DBus         org.wisp.Phone1.Command(s line) with dbus-send, on a private session bus
//   Http         POST /api/v1/command {"argv": [...]} with a bearer token
// Each answer is normalized into an Outcome; what only one channel has (exit codes, HTTP
// statuses, D-Bus error names) is kept next to it.
#pragma once

#include "support/http_client.h"
#include "support/session_bus.h"
#include "support/wisp_phone.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wisp::test {

enum class Channel { CommandLine, Socket, DBus, Http };
inline constexpr Channel kAllChannels[] = {Channel::CommandLine, Channel::Socket, Channel::DBus,
                                           Channel::Http};
// "CommandLine", "Socket", "DBus", "Http": usable as a test name.
std::string channelName(Channel channel);

// What a command did, whichever way it was sent.
struct Outcome {
  bool ok = false;
  // The stable error code ("no_call"). The command line prints only the message, so its code
  // stays empty; D-Bus gives it as an error name (org.wisp.Error.NoCall), turned back here.
  std::string code;
  std::string message;         // the reply text, or the error message
  Json data;                   // result.data; the command line prints only the text, so null there
  std::optional<int> exitCode; // command line only
  std::optional<int> httpStatus; // HTTP only
  std::string dbusErrorName;     // D-Bus only, when the call failed
  std::string describe() const;
};

// A command line as D-Bus Command() takes it: each word single-quoted when it needs it.
std::string quotedLine(const std::vector<std::string> &argv);
// org.wisp.Error.NoSuchAccount -> no_such_account (the inverse of the phone's naming).
std::string codeFromDBusErrorName(std::string_view name);

// A phone's events as one channel delivers them, in order.
class EventWatcher {
public:
  virtual ~EventWatcher() = default;
  virtual std::vector<Json> events() = 0;
  virtual std::string text() = 0; // what arrived so far, for failure messages
};

class CommandChannel {
public:
  explicit CommandChannel(Channel channel) : channel_(channel) {}
  Channel channel() const { return channel_; }
  std::string name() const { return channelName(channel_); }

  // Starts what the channel needs besides the phone: for D-Bus, a bus of its own in `dir`.
  Status prepare(const std::filesystem::path &dir);
  // Options for the phone under test: on the bus for D-Bus, the HTTP API on a free port (and
  // the token) for Http, off D-Bus otherwise. Call it before each start of that phone.
  // alone = false: only what this channel needs, for a phone that serves several channels.
  // For D-Bus it also waits (up to 5 s) until the phone name is free again.
  void configure(WispPhone::Options &options, bool alone = true);
  // For a peer phone: off D-Bus (so it never takes the name) and without HTTP.
  static void keepOff(WispPhone::Options &options);

  Outcome send(const WispPhone &phone, const std::vector<std::string> &argv) const;

  // Subscribes to the phone's events the channel's way: `wisp events`, a "subscribe" request
  // on the socket, dbus-monitor, the SSE stream. Returns once the subscription is in place
  // as far as the client can tell (see each implementation).
  Result<std::unique_ptr<EventWatcher>> watchEvents(const WispPhone &phone,
                                                    const std::filesystem::path &dir) const;

  uint16_t httpPort() const { return httpPort_; }
  const SessionBus *bus() const { return bus_.get(); }
  static constexpr const char *kHttpToken = "contract-t0ken";

private:
  Channel channel_;
  std::unique_ptr<SessionBus> bus_;
  uint16_t httpPort_ = 0;
};

} // namespace wisp::test
