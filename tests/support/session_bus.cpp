#include "support/session_bus.h"

#include "support/wait.h"

#include <fstream>

namespace wisp::test {

using namespace std::chrono_literals;

Status SessionBus::start(const std::filesystem::path &dir) {
  socket_ = dir / "bus";
  address_ = "unix:path=" + socket_.string();
  auto p = Process::start(
      {{"dbus-daemon", "--session", "--nofork", "--nopidfile", "--address=" + address_},
       {},
       {},
       dir / "dbus-daemon.log",
       {}});
  if (!p)
    return p.error();
  daemon_ = std::move(*p);
  if (!waitUntil([&] { return std::filesystem::exists(socket_); }, 5s))
    return makeError("dbus", "dbus-daemon did not start: " + daemon_.logText());
  return Ok{};
}

CommandResult SessionBus::call(const std::string &method,
                               const std::vector<std::string> &args) const {
  std::vector<std::string> argv = {"dbus-send",
                                   "--session",
                                   "--print-reply",
                                   "--reply-timeout=5000",
                                   "--dest=org.wisp.Phone",
                                   "/org/wisp/Phone",
                                   "org.wisp.Phone1." + method};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, 10s, env());
}

bool SessionBus::waitUntilNameIsFree(std::chrono::milliseconds timeout) const {
  return waitUntil(
      [&] {
        CommandResult r = runCommand({"dbus-send", "--session", "--print-reply",
                                      "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus.NameHasOwner", "string:org.wisp.Phone"},
                                     5s, env());
        return r.ok() && r.out.find("boolean false") != std::string::npos;
      },
      timeout);
}

Result<Json> dbusReplyJson(const CommandResult &r) {
  if (!r.ok())
    return makeError("dbus", r.describe());
  const size_t start = r.out.find("string \"");
  const size_t end = r.out.rfind('"');
  if (start == std::string::npos || end <= start + 8)
    return makeError("dbus", "no string in the reply: " + r.out);
  return Json::parse(std::string_view(r.out).substr(start + 8, end - start - 8));
}

DBusError dbusErrorOf(const CommandResult &r) {
  // "Error org.wisp.Error.NoCall: there is no call to answer\n"
  constexpr std::string_view prefix = "Error ";
  DBusError e;
  const size_t at = r.err.find(prefix);
  if (at == std::string::npos) {
    e.message = r.err;
    return e;
  }
  std::string rest = r.err.substr(at + prefix.size());
  while (!rest.empty() && rest.back() == '\n')
    rest.pop_back();
  const size_t colon = rest.find(": ");
  e.name = rest.substr(0, colon);
  e.message = colon == std::string::npos ? std::string() : rest.substr(colon + 2);
  return e;
}

Status SignalMonitor::start(const SessionBus &bus, const std::filesystem::path &file) {
  file_ = file;
  auto monitor =
      Process::start({{"dbus-monitor", "--session", "type='signal',interface='org.wisp.Phone1'"},
                      bus.env(),
                      {},
                      file,
                      {}});
  if (!monitor)
    return monitor.error();
  monitor_ = std::move(*monitor);
  if (!waitUntil([&] { return text().find("NameAcquired") != std::string::npos; }, 5s))
    return makeError("dbus", "dbus-monitor did not start: " + text());
  return Ok{};
}

std::vector<std::pair<std::string, Json>> SignalMonitor::signals() const {
  std::vector<std::pair<std::string, Json>> out;
  std::ifstream in(file_);
  std::string line;
  std::vector<std::string> strings;
  bool inEvent = false;
  auto finish = [&] {
    if (inEvent && strings.size() == 2)
      if (auto j = Json::parse(strings[1]); j.ok())
        out.emplace_back(strings[0], *j);
    strings.clear();
  };
  while (std::getline(in, line)) {
    if (line.rfind("signal ", 0) == 0 || line.rfind("method ", 0) == 0) {
      finish();
      inEvent = line.find("interface=org.wisp.Phone1; member=Event") != std::string::npos;
      continue;
    }
    // dbus-monitor prints each string argument on its own line, unescaped: `   string "..."`.
    const size_t s = line.find("string \"");
    if (inEvent && s != std::string::npos && line.size() > s + 9 && line.back() == '"')
      strings.push_back(line.substr(s + 8, line.size() - s - 9));
  }
  finish();
  return out;
}

bool SignalMonitor::has(const std::string &type) const {
  for (const auto &[t, event] : signals())
    if (t == type && event.find("event") && event.find("event")->isString() &&
        event.find("event")->asString() == type)
      return true;
  return false;
}

std::string SignalMonitor::text() const {
  return readFileTail(file_);
}

} // namespace wisp::test
