// A private D-Bus session bus for the end-to-end tests: dbus-daemon on a socket in a temporary
// folder (nothing else sees it), dbus-send to call the phone, dbus-monitor to watch its signals.
#pragma once

#include "support/process.h"
#include "util/json.h"
#include "util/result.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace wisp::test {

class SessionBus {
public:
  // Starts dbus-daemon with its socket at DIR/bus; waits until the socket is there.
  Status start(const std::filesystem::path &dir);
  void kill() { daemon_.kill(); }
  const std::string &address() const { return address_; }
  // DBUS_SESSION_BUS_ADDRESS for this bus: give it to the phone and to dbus-send.
  EnvVars env() const { return {{"DBUS_SESSION_BUS_ADDRESS", address_}}; }

  // dbus-send --print-reply to org.wisp.Phone; args in dbus-send's syntax ("string:x",
  // "uint32:0").
  CommandResult call(const std::string &method, const std::vector<std::string> &args = {}) const;

  // True once no one owns org.wisp.Phone: a phone that stopped a moment ago has let go of
  // it (the bus daemon notices the closed connection on its own time).
  bool waitUntilNameIsFree(std::chrono::milliseconds timeout) const;

private:
  std::filesystem::path socket_;
  std::string address_;
  Process daemon_;
};

// The one string a method returns, parsed as JSON: dbus-send prints it as `   string "..."`,
// unescaped. An error if the call failed.
Result<Json> dbusReplyJson(const CommandResult &reply);

// A failed call's D-Bus error as dbus-send prints it on stderr ("Error NAME: MESSAGE").
struct DBusError {
  std::string name;    // "org.wisp.Error.NoCall"
  std::string message; // as the phone wrote it
};
DBusError dbusErrorOf(const CommandResult &reply);

// dbus-monitor watching the phone's Event(s type, s json) signals, its output in a file.
class SignalMonitor {
public:
  // Returns once dbus-monitor is on the bus (it has seen its own NameAcquired).
  Status start(const SessionBus &bus, const std::filesystem::path &file);
  // (type, event) pairs, in the order they were emitted.
  std::vector<std::pair<std::string, Json>> signals() const;
  bool has(const std::string &type) const;
  std::string text() const; // for failure messages

private:
  std::filesystem::path file_;
  Process monitor_;
};

} // namespace wisp::test
