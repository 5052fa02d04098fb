#include "support/baresip_peer.h"

#include "support/audio_analysis.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "util/json.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace wisp::test {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxMessageBytes = 1024 * 1024;

int connectTcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string stringMember(const Json &json, std::string_view key) {
  const Json *value = json.find(key);
  return value && value->isString() ? value->asString() : std::string();
}

uint32_t readLe32(const unsigned char *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t readLe16(const unsigned char *p) {
  return uint16_t(p[0] | p[1] << 8);
}

// baresip's aufile plays only what matches ausrc_srate/channels/format: 8 kHz mono s16 PCM.
Status checkSourceWav(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("not_found", "Cannot read the source WAV " + path.string() + ".");
  unsigned char riff[12];
  if (!in.read(reinterpret_cast<char *>(riff), sizeof riff) || std::memcmp(riff, "RIFF", 4) ||
      std::memcmp(riff + 8, "WAVE", 4))
    return makeError("bad_argument", path.string() + " is not a WAV file.");
  unsigned char chunk[8];
  while (in.read(reinterpret_cast<char *>(chunk), sizeof chunk)) {
    uint32_t size = readLe32(chunk + 4);
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      unsigned char fmt[16];
      if (size < 16 || !in.read(reinterpret_cast<char *>(fmt), sizeof fmt))
        break;
      if (readLe16(fmt) != 1 || readLe16(fmt + 2) != 1 || readLe32(fmt + 4) != 8000 ||
          readLe16(fmt + 14) != 16)
        return makeError("bad_argument",
                         path.string() + " must be 8 kHz mono 16-bit PCM for baresip's aufile.");
      return Ok{};
    }
    in.seekg(size + (size & 1), std::ios::cur);
  }
  return makeError("bad_argument", path.string() + " has no fmt chunk.");
}

} // namespace

// The one ctrl_tcp connection: commands out, responses and events in (netstring-framed JSON),
// read by a background thread into lists guarded by a mutex.
class BaresipPeer::Control {
public:
  explicit Control(int fd) : fd_(fd), reader_([this] { readLoop(); }) {}

  ~Control() {
    stop_ = true;
    reader_.join();
    ::close(fd_);
  }

  Result<std::string> command(const std::string &cmd, const std::string &params,
                              std::chrono::milliseconds timeout) {
    std::string token = "t" + std::to_string(++lastToken_);
    Json body = Json::object();
    body.set("command", cmd);
    body.set("params", params);
    body.set("token", token);
    std::string text = body.dump();
    std::string frame = std::to_string(text.size()) + ":" + text + ",";
    for (size_t sent = 0; sent < frame.size();) {
      ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return makeError("io", "ctrl_tcp: send failed: " + std::string(std::strerror(errno)));
      sent += static_cast<size_t>(n);
    }
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return responses_.count(token) || closed_; }))
      return makeError("timeout", "baresip did not answer \"" + cmd + " " + params + "\".");
    auto it = responses_.find(token);
    if (it == responses_.end())
      return makeError("io", "baresip closed the ctrl_tcp connection.");
    auto [ok, data] = it->second;
    responses_.erase(it);
    if (!ok)
      return makeError("command_failed", "baresip: \"" + cmd + " " + params + "\" failed: " + data);
    return data;
  }

  std::optional<BaresipEvent> waitFor(std::string_view type, size_t fromIndex,
                                      std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<BaresipEvent> found;
    changed_.wait_for(lock, timeout, [&] {
      for (size_t i = fromIndex; i < events_.size(); ++i) {
        if (events_[i].type == type) {
          found = events_[i];
          return true;
        }
      }
      return closed_;
    });
    return found;
  }

  std::vector<BaresipEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

  size_t eventCount() const {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

private:
  void readLoop() {
    std::string buffer;
    char chunk[8192];
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      int ready = ::poll(&pfd, 1, 100);
      if (ready <= 0)
        continue;
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        break;
      buffer.append(chunk, static_cast<size_t>(n));
      if (!takeMessages(buffer))
        break;
    }
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  // Consumes complete netstrings "LEN:PAYLOAD," from the buffer; false on a framing error.
  bool takeMessages(std::string &buffer) {
    while (true) {
      size_t colon = buffer.find(':');
      if (colon == std::string::npos)
        return buffer.size() < 12;
      if (colon == 0 || colon > 10 ||
          !std::all_of(buffer.begin(), buffer.begin() + static_cast<long>(colon),
                       [](char c) { return c >= '0' && c <= '9'; }))
        return false;
      size_t length = std::stoul(buffer.substr(0, colon));
      if (length > kMaxMessageBytes)
        return false;
      if (buffer.size() < colon + 1 + length + 1)
        return true; // incomplete
      if (buffer[colon + 1 + length] != ',')
        return false;
      handleMessage(std::string_view(buffer).substr(colon + 1, length));
      buffer.erase(0, colon + 1 + length + 1);
    }
  }

  void handleMessage(std::string_view text) {
    ParseLimits limits;
    limits.maxSize = kMaxMessageBytes;
    auto json = Json::parse(text, limits);
    if (!json)
      return;
    std::lock_guard lock(mutex_);
    if (const Json *response = json->find("response"); response && response->asBool()) {
      const Json *ok = json->find("ok");
      responses_[stringMember(*json, "token")] = {ok && ok->asBool(), stringMember(*json, "data")};
    } else if (const Json *event = json->find("event"); event && event->asBool()) {
      BaresipEvent e;
      e.index = events_.size();
      e.type = stringMember(*json, "type");
      e.eventClass = stringMember(*json, "class");
      e.direction = stringMember(*json, "direction");
      e.peerUri = stringMember(*json, "peeruri");
      e.callId = stringMember(*json, "id");
      e.param = stringMember(*json, "param");
      e.json = std::string(text);
      events_.push_back(std::move(e));
    }
    changed_.notify_all();
  }

  int fd_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> lastToken_{0};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
  std::map<std::string, std::pair<bool, std::string>> responses_; // token -> ok, data
  std::vector<BaresipEvent> events_;
  std::thread reader_; // last: starts after the members it uses exist
};

BaresipPeer::BaresipPeer() = default;

BaresipPeer::~BaresipPeer() {
  stop();
}

Status BaresipPeer::start(const Options &options, const std::filesystem::path &dir) {
  stop();
  std::error_code ec;
  std::filesystem::create_directories(dir / "rec", ec);
  if (ec)
    return makeError("io", "Cannot create " + (dir / "rec").string() + ": " + ec.message());
  dir_ = dir;
  user_ = options.user;
  for (int attempt = 1;; ++attempt) {
    bool portTaken = false;
    Status started = startOnce(options, portTaken);
    if (started || !portTaken || attempt == 3)
      return started;
  }
}

Status BaresipPeer::startOnce(const Options &options, bool &portTaken) {
  std::filesystem::path source = options.sourceWav;
  if (source.empty()) {
    source = dir_ / "silence.wav";
    if (Status written = writeWav(source, std::vector<int16_t>(8000 * 120, 0)); !written)
      return written;
  } else if (Status valid = checkSourceWav(source); !valid) {
    return valid;
  }

  sipPort_ = freeSipPortPair();
  uint16_t ctrlPort = freeUdpTcpPort();
  uint16_t rtpMin = freePortRange(20);
  std::map<std::string, std::string> vars = {
      {"SIP_PORT", std::to_string(sipPort_)}, {"CTRL_PORT", std::to_string(ctrlPort)},
      {"RTP_MIN", std::to_string(rtpMin)},    {"RTP_MAX", std::to_string(rtpMin + 19)},
      {"SOURCE_WAV", source.string()},        {"SND_PATH", (dir_ / "rec").string()},
  };
  auto config = readTextFile(fixturePath("baresip/config.tmpl"));
  if (!config)
    return config.error();
  std::string extra;
  for (const auto &line : options.extraConfig)
    extra += line + "\n";
  auto rendered = renderTemplate(extra + *config, vars);
  if (!rendered)
    return makeError("template", "baresip/config.tmpl: " + rendered.error().message);
  if (Status s = writeTextFile(dir_ / "config", *rendered); !s)
    return s;
  std::string account = "<sip:" + options.user + "@127.0.0.1>;regint=0;answermode=" +
                        (options.autoAnswer ? "auto" : "manual") +
                        ";audio_codecs=" + options.codecs + options.extraAccountParams + "\n";
  if (Status s = writeTextFile(dir_ / "accounts", account); !s)
    return s;
  if (Status s = writeTextFile(dir_ / "contacts", ""); !s)
    return s;

  // The log shows the last attempt only.
  std::error_code ignored;
  std::filesystem::remove(logPath(), ignored);
  auto process = Process::start({{"baresip", "-f", dir_.string()}, {}, dir_, logPath(), {}});
  if (!process)
    return process.error();
  process_ = std::move(*process);

  int fd = -1;
  waitUntil(
      [&] {
        if (!process_.running())
          return true;
        fd = connectTcp(ctrlPort);
        return fd >= 0;
      },
      10s, 20ms);
  if (fd < 0) {
    std::string log = logText();
    portTaken = log.find("already in use") != std::string::npos;
    process_.terminate(1s);
    return makeError("start", "baresip did not start (exit status " +
                                  std::to_string(process_.exitStatus().value_or(-1)) +
                                  "). Its log:\n" + log);
  }
  control_ = std::make_unique<Control>(fd);
  nextEvent_ = 0;
  return Ok{};
}

void BaresipPeer::stop() {
  if (process_.valid() && process_.running()) {
    // The first SIGTERM hangs up the calls and waits for the BYEs to be answered, which takes
    // 32 s of retransmissions if the far end is gone; a second one makes baresip exit at once.
    process_.signalGroup(SIGTERM);
    if (!process_.waitFor(1500ms)) {
      process_.signalGroup(SIGTERM);
      if (!process_.waitFor(1s))
        process_.kill();
    }
  }
  control_.reset();
}

bool BaresipPeer::running() {
  return process_.running();
}

std::string BaresipPeer::sipUri() const {
  return "sip:" + user_ + "@127.0.0.1:" + std::to_string(sipPort_);
}

Result<std::string> BaresipPeer::command(const std::string &cmd, const std::string &params,
                                         std::chrono::milliseconds timeout) {
  if (!control_)
    return makeError("not_running", "baresip is not running.");
  return control_->command(cmd, params, timeout);
}

namespace {
Status toStatus(const Result<std::string> &result) {
  if (!result)
    return result.error();
  return Ok{};
}
} // namespace

Status BaresipPeer::dial(const std::string &uri) {
  return toStatus(command("dial", uri));
}
Status BaresipPeer::answer() {
  return toStatus(command("accept"));
}
Status BaresipPeer::hangup() {
  return toStatus(command("hangup"));
}
Status BaresipPeer::sendDtmf(const std::string &digits) {
  return toStatus(command("sndcode", digits));
}
Status BaresipPeer::setAutoAnswer(bool autoAnswer) {
  return toStatus(command("answermode", autoAnswer ? "auto" : "manual"));
}

std::optional<BaresipEvent> BaresipPeer::waitForEvent(std::string_view type,
                                                      std::chrono::milliseconds timeout) {
  auto event = waitForEventFrom(type, nextEvent_, timeout);
  if (event)
    nextEvent_ = event->index + 1;
  return event;
}

std::optional<BaresipEvent> BaresipPeer::waitForEventFrom(std::string_view type, size_t fromIndex,
                                                          std::chrono::milliseconds timeout) {
  if (!control_)
    return std::nullopt;
  return control_->waitFor(type, fromIndex, timeout);
}

std::vector<BaresipEvent> BaresipPeer::events() const {
  return control_ ? control_->events() : std::vector<BaresipEvent>{};
}

size_t BaresipPeer::eventCount() const {
  return control_ ? control_->eventCount() : 0;
}

std::string BaresipPeer::dtmfReceived() const {
  std::string keys;
  for (const auto &event : events())
    if (event.type == "CALL_DTMF_START")
      keys += event.param;
  return keys;
}

std::string BaresipPeer::describeEvents() const {
  std::string text;
  for (const auto &event : events())
    text += event.type + " " + event.param + "\n";
  return text.empty() ? "(no events)\n" : text;
}

std::vector<std::filesystem::path> BaresipPeer::receivedWavFiles() const {
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(dir_ / "rec", ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("dump-") && name.ends_with("-dec.wav"))
      found.emplace_back(entry.last_write_time(ec), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> files;
  for (auto &[time, path] : found)
    files.push_back(std::move(path));
  return files;
}

std::vector<std::filesystem::path>
BaresipPeer::waitForReceivedWavFiles(size_t count, std::chrono::milliseconds timeout) {
  std::vector<std::filesystem::path> files;
  waitUntil(
      [&] {
        files = receivedWavFiles();
        return files.size() >= count && std::all_of(files.begin(), files.end(), isCompleteWav);
      },
      timeout);
  return files;
}

bool isCompleteWav(const std::filesystem::path &path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size < 44)
    return false;
  std::ifstream in(path, std::ios::binary);
  unsigned char header[8];
  if (!in.read(reinterpret_cast<char *>(header), sizeof header) || std::memcmp(header, "RIFF", 4))
    return false;
  return uint64_t(readLe32(header + 4)) + 8 == size;
}

} // namespace wisp::test
