#include "support/kamailio_server.h"

#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace wisp::test {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char *kHost = "127.0.0.1";
// kamailio usually answers within a few hundred milliseconds; this leaves room for a loaded
// machine running tests in parallel.
constexpr auto kStartTimeout = 10s;
constexpr int kStartAttempts = 3;
// sockaddr_un::sun_path holds 108 bytes with the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

// The log lines the config writes (see kamailio.cfg.tmpl).
constexpr const char *kRegisterMarker = "WISP-REGISTER";
constexpr const char *kAcceptedMarker = "WISP-REGISTERED";

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Names and passwords end up inside double-quoted strings of the config.
bool isSafeUser(const std::string &user) {
  return !user.empty() && std::all_of(user.begin(), user.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == '~' || c == '+';
  });
}
bool isSafePassword(const std::string &password) {
  return !password.empty() && std::all_of(password.begin(), password.end(), [](char c) {
    return c > ' ' && c < 127 && c != '"' && c != '\\' && c != '$';
  });
}

// The value of " key=VALUE" (up to the next space) in a log line; the last occurrence, since
// the Contact before it may contain anything.
std::string logField(const std::string &line, const std::string &key) {
  size_t at = line.rfind(" " + key + "=");
  if (at == std::string::npos)
    return {};
  size_t start = at + key.size() + 2;
  size_t end = line.find(' ', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string trim(const std::string &text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos)
    return {};
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

// `kamcmd ul.lookup` prints nested "Key: value" lines, a "Contact: {" block per contact.
std::vector<RegisteredContact> parseUlLookup(const std::string &text) {
  std::vector<RegisteredContact> contacts;
  std::istringstream in(text);
  std::string line;
  bool inContact = false;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line == "Contact: {") {
      contacts.emplace_back();
      inContact = true;
      continue;
    }
    if (!inContact)
      continue;
    if (line == "}") {
      inContact = false;
      continue;
    }
    size_t colon = line.find(": ");
    if (colon == std::string::npos)
      continue;
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 2);
    if (value == "[not set]")
      value.clear();
    RegisteredContact &contact = contacts.back();
    if (key == "Address")
      contact.uri = value;
    else if (key == "Expires")
      contact.expires = value;
    else if (key == "Received")
      contact.received = value;
    else if (key == "Socket")
      contact.socket = value;
    else if (key == "User-Agent")
      contact.userAgent = value;
    else if (key == "Call-ID")
      contact.callId = value;
  }
  // Expired contacts may linger until usrloc's timer removes them.
  std::erase_if(contacts, [](const RegisteredContact &c) {
    return c.expires == "expired" || c.expires == "deleted";
  });
  return contacts;
}

} // namespace

std::map<std::string, std::string> defaultKamailioUsers() {
  return {{"alice", "alicepw"},
          {"bob", "bobpw"},
          {"carol", "carolpw"},
          {"dave", "davepw"},
          {"sipp", "sipppw"}};
}

KamailioServer::~KamailioServer() {
  stop();
}

std::string KamailioServer::address() const {
  return options_.host + ":" + std::to_string(port_);
}

std::string KamailioServer::tlsAddress() const {
  return options_.host + ":" + std::to_string(tlsPort_);
}

std::string KamailioServer::uri(const std::string &user) const {
  return "sip:" + user + "@" + address();
}

std::string KamailioServer::tlsUri(const std::string &user) const {
  return "sip:" + user + "@" + tlsAddress() + ";transport=tls";
}

std::string KamailioServer::ctlSocket() const {
  return (dir_ / "ctl").string();
}

Status KamailioServer::start(const Options &options, const std::filesystem::path &dir) {
  if (process_.valid() && process_.running())
    return makeError("state", "kamailio is already running.");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError("io", "Cannot create " + dir.string() + ": " + ec.message());
  dir_ = std::filesystem::absolute(dir);
  if (ctlSocket().size() > kMaxSocketPath)
    return makeError("bad_argument", "kamailio's directory " + dir_.string() +
                                         " is too long for a Unix socket path in it.");
  for (const auto &[user, password] : options.users) {
    if (!isSafeUser(user) || !isSafePassword(password))
      return makeError("bad_argument", "Unusable kamailio user or password for \"" + user +
                                           "\" (letters, digits and .-_~+ in names; printable "
                                           "ASCII without quotes, backslash or $ in passwords).");
  }
  options_ = options;

  Status result = Ok{};
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    const bool isolated = !options_.commandPrefix.empty(); // its own namespace: all ports free
    port_ = isolated ? 5060 : freeUdpTcpPort();
    tlsPort_ = options_.tls ? (isolated ? 5061 : freeUdpTcpPort()) : 0;
    if (Status s = render(options_); !s)
      return s;
    bool portTaken = false;
    result = launch(portTaken);
    if (result || !portTaken)
      return result;
  }
  return result;
}

Status KamailioServer::render(const Options &options) {
  std::string userTable;
  for (const auto &[user, password] : options.users)
    userTable += "\t$sht(users=>" + user + ") = \"" + password + "\";\n";
  std::map<std::string, std::string> vars = {
      {"port", std::to_string(port_)},
      {"tls_port", std::to_string(tlsPort_)},
      {"run_dir", dir_.string()},
      {"user_table", userTable},
      {"min_expires", std::to_string(options.minExpires)},
      {"max_expires", std::to_string(options.maxExpires)},
      {"host", options.host},
      {"min_expires_mode", options.rejectBriefExpires ? "1" : "0"},
      {"tcp_crlf_ping", options.answerCrlfPings ? "yes" : "no"},
      {"auth_algorithm_param",
       options.digestAlgorithm.empty()
           ? ""
           : "modparam(\"auth\", \"algorithm\", \"" + options.digestAlgorithm + "\")"},
      {"tls_define", options.tls ? "#!define WITH_TLS" : ""},
      {"tls_certificate",
       options.tls ? std::filesystem::absolute(options.tls->certFile).string() : ""},
      {"tls_private_key",
       options.tls ? std::filesystem::absolute(options.tls->keyFile).string() : ""},
      {"tls_ca_list_param", options.tls && !options.tls->caFile.empty()
                                ? "modparam(\"tls\", \"ca_list\", \"" +
                                      std::filesystem::absolute(options.tls->caFile).string() +
                                      "\")"
                                : ""},
  };
  return renderTemplateFile(fixturePath("kamailio/kamailio.cfg.tmpl"), configPath(), vars);
}

Status KamailioServer::launch(bool &portTaken) {
  portTaken = false;
  std::error_code ec;
  // Where this run's part of the log starts (the log accumulates over restarts).
  auto logOffset = std::filesystem::exists(logPath(), ec)
                       ? std::filesystem::file_size(logPath(), ec)
                       : std::uintmax_t{0};
  // -DD: no daemon, but children as usual; -E: log to stderr (our log file).
  std::vector<std::string> argv = options_.commandPrefix;
  argv.insert(argv.end(), {"kamailio", "-f", configPath().string(), "-DD", "-E"});
  // Runtime files in dir_ (-Y), so parallel servers never share one; modest shared (-m) and
  // private (-M) memory in MiB, as several servers may run at once.
  argv.insert(argv.end(),
              {"-P", (dir_ / "kamailio.pid").string(), "-Y", dir_.string(), "-m", "64", "-M", "8"});
  auto process = Process::start({argv, {}, dir_, logPath(), {}});
  if (!process)
    return makeError("start", "Cannot start kamailio: " + process.error().message);
  process_ = std::move(*process);

  bool exited = false;
  bool ready = waitUntil(
      [&] {
        if (!process_.running()) {
          exited = true;
          return true;
        }
        if (!options_.commandPrefix.empty())
          return std::filesystem::exists(ctlSocket()) && ping(100ms);
        return std::filesystem::exists(ctlSocket()) && tcpPortInUse(port_) &&
               (!tlsPort_ || tcpPortInUse(tlsPort_)) && ping(100ms);
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(kStartTimeout), 20ms);
  if (ready && !exited)
    return Ok{};

  if (!exited)
    process_.kill();
  auto log = readTextFile(logPath());
  portTaken = log && log->size() > logOffset &&
              log->find("Address already in use", logOffset) != std::string::npos;
  std::string why = exited ? "exited with status " + std::to_string(*process_.exitStatus())
                           : "did not answer an OPTIONS on " + address() + " within " +
                                 std::to_string(kStartTimeout.count()) + " s";
  return makeError("start", "kamailio " + why + ". Its log (" + logPath().string() + "):\n" +
                                readFileTail(logPath(), 16 * 1024));
}

void KamailioServer::stop() {
  if (process_.valid())
    process_.terminate(3s);
}

Status KamailioServer::restart() {
  if (dir_.empty())
    return makeError("state", "kamailio was never started.");
  stop();
  // A marker, so that a reader of the log can tell the runs apart.
  std::ofstream(logPath(), std::ios::app) << "--- wisp test fixture: kamailio restarted ---\n";
  bool portTaken = false;
  return launch(portTaken);
}

bool KamailioServer::running() {
  return process_.valid() && process_.running();
}

bool KamailioServer::ping(std::chrono::milliseconds timeout) const {
  // In another namespace: kamailio answers on its ctl socket once its children run.
  if (!options_.commandPrefix.empty()) {
    auto r = runCommand({"kamcmd", "-s", "unix:" + ctlSocket(), "core.uptime"},
                        std::max<std::chrono::milliseconds>(timeout, 1000ms));
    return r.ok() && r.out.find("uptime") != std::string::npos;
  }
  static std::atomic<unsigned> sequence{0};
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0)
    return false;
  sockaddr_in local = loopback(0);
  socklen_t length = sizeof local;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr *>(&local), &length) != 0)
    return false;

  unsigned n = ++sequence;
  std::string callId = "wisp-probe-" + std::to_string(::getpid()) + "-" + std::to_string(n);
  std::string target = "sip:" + address();
  std::string request = "OPTIONS " + target + " SIP/2.0\r\n" + "Via: SIP/2.0/UDP " + kHost + ":" +
                        std::to_string(ntohs(local.sin_port)) + ";rport;branch=z9hG4bK" + callId +
                        "\r\n" + "Max-Forwards: 70\r\n" + "From: <sip:probe@" + kHost + ">;tag=p" +
                        std::to_string(n) + "\r\n" + "To: <" + target + ">\r\n" +
                        "Call-ID: " + callId + "\r\n" + "CSeq: 1 OPTIONS\r\n" +
                        "Content-Length: 0\r\n\r\n";
  sockaddr_in server = loopback(port_);
  if (::sendto(fd.get(), request.data(), request.size(), 0,
               reinterpret_cast<const sockaddr *>(&server), sizeof server) < 0)
    return false;

  auto deadline = Clock::now() + timeout;
  char buffer[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return false;
    pollfd pfd{fd.get(), POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return false;
    ssize_t got = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (got <= 0)
      continue;
    std::string_view reply(buffer, static_cast<size_t>(got));
    if (reply.find(callId) == std::string_view::npos)
      continue; // not the answer to this probe
    if (reply.starts_with("SIP/2.0 1"))
      continue; // provisional
    return reply.starts_with("SIP/2.0 200");
  }
}

Result<std::vector<RegisteredContact>>
KamailioServer::registrations(const std::string &user) const {
  // "s:" keeps kamcmd from sending a numeric user name as an integer.
  CommandResult result =
      runCommand({"kamcmd", "-s", "unix:" + ctlSocket(), "ul.lookup", "location", "s:" + user}, 5s);
  // kamcmd exits 0 even when the RPC fails, and prints the RPC's error on stdout.
  std::string out = trim(result.out);
  if (result.ok() && out.starts_with("error:")) {
    if (out.find("AOR not found") != std::string::npos ||
        out.find("AOR has no contacts") != std::string::npos)
      return std::vector<RegisteredContact>{};
  } else if (result.ok() && out.starts_with("{")) {
    return parseUlLookup(result.out);
  }
  return makeError("rpc", "kamcmd ul.lookup location " + user + " failed: " + result.describe());
}

std::vector<std::string> KamailioServer::contacts(const std::string &user) const {
  auto found = registrations(user);
  if (!found)
    throw std::runtime_error(found.error().message + "\nkamailio's log:\n" + logText(8 * 1024));
  std::vector<std::string> uris;
  for (const auto &contact : *found)
    uris.push_back(contact.uri);
  return uris;
}

int KamailioServer::countLogLines(const std::string &marker, const std::string &user,
                                  bool distinct) const {
  auto log = readTextFile(logPath());
  if (!log)
    return 0;
  const std::string needle = std::string(marker) + " user=" + user + " ";
  std::set<std::pair<std::string, std::string>> seen;
  int count = 0;
  std::istringstream in(*log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) == std::string::npos)
      continue;
    if (distinct && !seen.insert({logField(line, "cid"), logField(line, "cseq")}).second)
      continue;
    ++count;
  }
  return count;
}

int KamailioServer::registerCount(const std::string &user) const {
  return countLogLines(kRegisterMarker, user, true);
}

int KamailioServer::acceptedRegisterCount(const std::string &user) const {
  return countLogLines(kAcceptedMarker, user, false);
}

} // namespace wisp::test
