#include "support/command_channel.h"

#include "support/ports.h"
#include "support/process.h"
#include "support/wait.h"

#include "control/executor.h"
#include "ipc/control_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

// `wisp` prints a reply's text with one newline added: exactly that one goes.
std::string withoutPrintedNewline(std::string s) {
  if (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

// Every line of `text` that is a JSON object, in order.
std::vector<Json> jsonLines(const std::string &text) {
  std::vector<Json> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    if (auto j = Json::parse(std::string_view(text).substr(start, nl - start)); j.ok())
      if (j->isObject())
        out.push_back(*j);
  return out;
}

// {"ok": true, "result": {"text", "data"}} or {"ok": false, "error": {"code", "message"}}: the
// reply of the socket and the body of HTTP alike.
void readReply(const Json &reply, Outcome &outcome) {
  const Json *ok = reply.find("ok");
  outcome.ok = ok && ok->isBool() && ok->asBool();
  if (outcome.ok) {
    const Json *result = reply.find("result");
    outcome.message = result ? jsonString(*result, "text") : "";
    if (const Json *data = result ? result->find("data") : nullptr)
      outcome.data = *data;
  } else if (const Json *error = reply.find("error")) {
    outcome.code = jsonString(*error, "code");
    outcome.message = jsonString(*error, "message");
  } else {
    outcome.message = "a reply without \"ok\": " + reply.dump();
  }
}

Outcome viaCommandLine(const WispPhone &phone, const std::vector<std::string> &argv) {
  Outcome outcome;
  CommandResult r = phone.commandArgs(argv);
  outcome.ok = r.ok();
  outcome.exitCode = r.exitCode;
  if (r.ok()) {
    outcome.message = withoutPrintedNewline(r.out);
  } else {
    std::string err = withoutPrintedNewline(r.err);
    if (err.rfind("wisp: ", 0) == 0)
      err.erase(0, 6);
    outcome.message = err;
  }
  return outcome;
}

Outcome viaSocket(const WispPhone &phone, const std::vector<std::string> &argv) {
  Outcome outcome;
  Result<Json> reply = requestPhone(phone.profileDir() / "control.sock", makeRequest(argv));
  if (!reply) {
    outcome.message = "no reply: " + reply.error().message;
    return outcome;
  }
  readReply(*reply, outcome);
  return outcome;
}

Outcome viaDBus(const SessionBus &bus, const std::vector<std::string> &argv) {
  Outcome outcome;
  CommandResult r = bus.call("Command", {"string:" + quotedLine(argv)});
  if (r.ok()) {
    auto result = dbusReplyJson(r);
    if (!result) {
      outcome.message = "unreadable reply: " + result.error().message;
      return outcome;
    }
    outcome.ok = true;
    outcome.message = jsonString(*result, "text");
    if (const Json *data = result->find("data"))
      outcome.data = *data;
    return outcome;
  }
  DBusError e = dbusErrorOf(r);
  outcome.dbusErrorName = e.name;
  outcome.code = codeFromDBusErrorName(e.name);
  outcome.message = e.message.empty() ? r.describe() : e.message;
  return outcome;
}

Outcome viaHttp(uint16_t port, const std::vector<std::string> &argv) {
  Outcome outcome;
  Json words = Json::array();
  for (const auto &w : argv)
    words.push(w);
  HttpResult r =
      httpRequest(port, "POST", "/api/v1/command",
                  {bearerHeader(CommandChannel::kHttpToken), "Content-Type: application/json"},
                  Json::object().set("argv", words).dump());
  if (!r.error.empty()) {
    outcome.message = "no response: " + r.error;
    return outcome;
  }
  outcome.httpStatus = r.status;
  auto body = Json::parse(r.body);
  if (!body || !body->isObject()) {
    outcome.message =
        "HTTP " + std::to_string(r.status) + " with a body that is no object: " + r.body;
    return outcome;
  }
  readReply(*body, outcome);
  return outcome;
}

// `wisp --profile DIR events`: the command line's view of the socket's event stream.
class CommandLineWatcher : public EventWatcher {
public:
  Status start(const WispPhone &phone, const std::filesystem::path &dir) {
    file_ = dir / "events.jsonl";
    auto p = Process::start(
        {{WISP_BINARY, "--profile", phone.profileDir().string(), "events"}, {}, {}, file_, {}});
    if (!p)
      return p.error();
    process_ = std::move(*p);
    return Ok{};
  }
  std::vector<Json> events() override { return jsonLines(text()); }
  std::string text() override { return readFileTail(file_, 1 << 20); }

private:
  std::filesystem::path file_;
  Process process_;
};

// A "subscribe" request on the control socket, read without blocking.
class SocketWatcher : public EventWatcher {
public:
  ~SocketWatcher() override {
    if (fd_ >= 0)
      close(fd_);
  }
  Status start(const WispPhone &phone) {
    const std::string path = (phone.profileDir() / "control.sock").string();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
      return makeError("socket", "socket path too long: " + path);
    memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
      return makeError("socket", "cannot connect to " + path + ": " + strerror(errno));
    const std::string subscribe = "{\"id\":7,\"method\":\"subscribe\"}\n";
    if (::send(fd_, subscribe.data(), subscribe.size(), MSG_NOSIGNAL) != ssize_t(subscribe.size()))
      return makeError("socket", "cannot send the subscription");
    // The phone marks the client subscribed before it replies: after the reply, no event
    // can be missed.
    if (!waitUntil(
            [&] {
              read(50ms);
              return raw_.find('\n') != std::string::npos;
            },
            5s))
      return makeError("socket", "no reply to the subscription: " + raw_);
    auto reply = Json::parse(std::string_view(raw_).substr(0, raw_.find('\n')));
    if (!reply || !reply->find("ok") || !reply->find("ok")->isBool() ||
        !reply->find("ok")->asBool())
      return makeError("socket", "subscription refused: " + raw_);
    raw_.erase(0, raw_.find('\n') + 1);
    return Ok{};
  }
  std::vector<Json> events() override {
    while (read(10ms)) {
    }
    return jsonLines(raw_);
  }
  std::string text() override { return raw_; }

private:
  bool read(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, int(timeout.count())) <= 0)
      return false;
    char buf[8192];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    raw_.append(buf, size_t(n));
    return true;
  }
  int fd_ = -1;
  std::string raw_;
};

// dbus-monitor: each Event(type, json) signal; a signal whose type argument disagrees with
// the JSON's "event" is passed on marked, so that the comparison shows it.
class DBusWatcher : public EventWatcher {
public:
  Status start(const SessionBus &bus, const std::filesystem::path &dir) {
    return monitor_.start(bus, dir / "signals.txt");
  }
  std::vector<Json> events() override {
    std::vector<Json> out;
    for (auto &[type, event] : monitor_.signals()) {
      if (jsonString(event, "event") != type)
        event.set("signal_type_differs", type);
      out.push_back(event);
    }
    return out;
  }
  std::string text() override { return monitor_.text(); }

private:
  SignalMonitor monitor_;
};

class HttpWatcher : public EventWatcher {
public:
  Status start(uint16_t port) {
    if (Status s = stream_.open(port, "/api/v1/events", {bearerHeader(CommandChannel::kHttpToken)});
        !s)
      return s;
    if (stream_.head().status != 200)
      return makeError("sse", "the event stream answered " + std::to_string(stream_.head().status) +
                                  ": " + stream_.raw());
    return Ok{};
  }
  std::vector<Json> events() override { return stream_.events(); }
  std::string text() override { return stream_.raw(); }

private:
  SseStream stream_;
};

} // namespace

std::string channelName(Channel channel) {
  switch (channel) {
  case Channel::CommandLine:
    return "CommandLine";
  case Channel::Socket:
    return "Socket";
  case Channel::DBus:
    return "DBus";
  case Channel::Http:
    return "Http";
  }
  return "?";
}

std::string Outcome::describe() const {
  std::string text = ok ? "ok: " : "failed (";
  if (!ok) {
    text += "code \"" + code + "\"";
    if (exitCode)
      text += ", exit " + std::to_string(*exitCode);
    if (httpStatus)
      text += ", HTTP " + std::to_string(*httpStatus);
    if (!dbusErrorName.empty())
      text += ", " + dbusErrorName;
    text += "): ";
  }
  return text + message;
}

std::string quotedLine(const std::vector<std::string> &argv) {
  std::string line;
  for (const auto &word : argv) {
    if (!line.empty())
      line += ' ';
    const bool plain = !word.empty() && word.find_first_of(" \t\r\n'\"\\") == std::string::npos;
    if (plain) {
      line += word;
      continue;
    }
    // Inside single quotes nothing is special; a quote itself closes, is escaped, reopens.
    line += '\'';
    for (char c : word)
      line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

std::string codeFromDBusErrorName(std::string_view name) {
  constexpr std::string_view prefix = "org.wisp.Error.";
  if (name.substr(0, prefix.size()) != prefix)
    return std::string(name);
  std::string code;
  for (char c : name.substr(prefix.size())) {
    if (c >= 'A' && c <= 'Z') {
      if (!code.empty())
        code += '_';
      code += char(c - 'A' + 'a');
    } else {
      code += c;
    }
  }
  return code;
}

Status CommandChannel::prepare(const std::filesystem::path &dir) {
  if (channel_ != Channel::DBus || bus_)
    return Ok{};
  bus_ = std::make_unique<SessionBus>();
  Status s = bus_->start(dir);
  if (!s)
    bus_.reset();
  return s;
}

void CommandChannel::configure(WispPhone::Options &options, bool alone) {
  if (channel_ == Channel::DBus && bus_) {
    bus_->waitUntilNameIsFree(5s); // else the phone would go on without the name
    for (const auto &e : bus_->env())
      options.env.push_back(e);
    return;
  }
  if (alone)
    keepOff(options);
  else if (channel_ == Channel::Http)
    options.extraIni.push_back("[Api]");
  if (channel_ == Channel::Http) {
    httpPort_ = freeUdpTcpPort();
    options.extraIni.push_back("http=127.0.0.1:" + std::to_string(httpPort_));
    options.extraIni.push_back(std::string("httpToken=") + kHttpToken);
  }
}

void CommandChannel::keepOff(WispPhone::Options &options) {
  options.env.push_back({"DBUS_SESSION_BUS_ADDRESS", ""});
  options.extraIni.push_back("[Api]");
  options.extraIni.push_back("dbus=off");
}

Outcome CommandChannel::send(const WispPhone &phone, const std::vector<std::string> &argv) const {
  switch (channel_) {
  case Channel::CommandLine:
    return viaCommandLine(phone, argv);
  case Channel::Socket:
    return viaSocket(phone, argv);
  case Channel::DBus:
    if (!bus_) {
      Outcome o;
      o.message = "no bus: prepare() was not called or failed";
      return o;
    }
    return viaDBus(*bus_, argv);
  case Channel::Http:
    return viaHttp(httpPort_, argv);
  }
  return {};
}

Result<std::unique_ptr<EventWatcher>>
CommandChannel::watchEvents(const WispPhone &phone, const std::filesystem::path &dir) const {
  std::filesystem::create_directories(dir);
  switch (channel_) {
  case Channel::CommandLine: {
    auto w = std::make_unique<CommandLineWatcher>();
    if (Status s = w->start(phone, dir); !s)
      return s.error();
    return std::unique_ptr<EventWatcher>(std::move(w));
  }
  case Channel::Socket: {
    auto w = std::make_unique<SocketWatcher>();
    if (Status s = w->start(phone); !s)
      return s.error();
    return std::unique_ptr<EventWatcher>(std::move(w));
  }
  case Channel::DBus: {
    if (!bus_)
      return makeError("dbus", "no bus: prepare() was not called or failed");
    auto w = std::make_unique<DBusWatcher>();
    if (Status s = w->start(*bus_, dir); !s)
      return s.error();
    return std::unique_ptr<EventWatcher>(std::move(w));
  }
  case Channel::Http: {
    auto w = std::make_unique<HttpWatcher>();
    if (Status s = w->start(httpPort_); !s)
      return s.error();
    return std::unique_ptr<EventWatcher>(std::move(w));
  }
  }
  return makeError("channel", "unknown channel");
}

} // namespace wisp::test
