// Wisp against SIPp 3.6.1, an independent SIP implementation driven by scripts: SIPp calling
// Wisp (basic call with audio, hold and resume by re-INVITE, late offer), Wisp calling SIPp
// (either side hangs up, busy, decline, CANCEL while ringing), and malformed or hostile
// datagrams thrown at Wisp's SIP port, some of them from RFC 4475 (SIP torture tests).
#include "support/audio_analysis.h"
#include "support/expect_audio.h"
#include "support/sipp_peer.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "media/wav_file.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <random>
#include <set>
#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

// --- The phone and its status ------------------------------------------------------------

std::string sipAddress(const WispPhone &phone) {
  return "127.0.0.1:" + std::to_string(phone.sipPort());
}

// A phone with its own profile folder; plays `source` (if any) and records what it hears.
struct TestPhone {
  TestPhone(const TempDir &dir, std::vector<std::string> settings,
            const std::vector<int16_t> *source = nullptr)
      : recording(dir / "wisp-heard.wav") {
    WispPhone::Options o;
    if (source) {
      const auto wav = dir / "wisp-source.wav";
      EXPECT_TRUE(writeWav(wav, *source).ok());
      o.audioIn = "file:" + wav.string();
    }
    o.audioOut = "file:" + recording.string();
    o.extraSettings = std::move(settings);
    Status s = phone.start(o, dir / "wisp");
    started = s.ok();
    EXPECT_TRUE(started) << (s.ok() ? "" : s.error().message);
  }

  std::filesystem::path recording;
  WispPhone phone;
  bool started = false;
};

SippOptions sippOptions(const TempDir &dir, std::chrono::milliseconds callDuration) {
  SippOptions o;
  o.workdir = dir.path();
  o.callDuration = callDuration;
  o.timeout = 20s;
  return o;
}

// --- SIPp calls Wisp -----------------------------------------------------------------------

TEST(SippInterop, SippCallsWispAndWispRecordsItsAudio) {
  TempDir dir("sippuac");
  ASSERT_TRUE(writeUlawFile(dir / "a.ul", signalA()).ok());
  // Wisp plays signal B: if it ever recorded its own source, the check against B catches it.
  TestPhone wisp(dir, {"autoAnswer=all"}, &signalB());
  ASSERT_TRUE(wisp.started);

  SippOptions options = sippOptions(dir, 3000ms);
  options.keys["rtp_file"] = (dir / "a.ul").string();
  auto sipp = launchSipp(sippScenario("uac_basic.xml"), sipAddress(wisp.phone), options);
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;

  auto call = wisp.phone.waitForCallState("established", 10s);
  ASSERT_TRUE(call) << dump(wisp.phone) << sipp->logText();
  EXPECT_EQ(jsonString(*call, "direction"), "incoming");
  EXPECT_EQ(jsonString(*call, "codec"), "PCMU/8000");
  EXPECT_EQ(jsonString(*call, "media"), "sendrecv");
  EXPECT_EQ(jsonString(*call, "remote").rfind("sip:sipp@127.0.0.1", 0), 0u)
      << jsonString(*call, "remote");

  SippResult result = sipp->wait();
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  ASSERT_TRUE(wisp.phone.waitForNoCalls(5s)) << dump(wisp.phone);
  auto ended = wisp.phone.waitForEndedCall();
  ASSERT_TRUE(ended) << dump(wisp.phone);
  EXPECT_EQ(jsonString(*ended, "reason"), "remote hung up") << ended->dump();
  EXPECT_EQ(jsonString(*ended, "direction"), "incoming");
  // 3 s of 20 ms packets is 150 each way.
  EXPECT_GE(jsonInt(*ended, "rtp_received").value_or(0), 100) << ended->dump();
  EXPECT_GE(jsonInt(*ended, "rtp_sent").value_or(0), 100) << ended->dump();

  expectHeard(wisp.recording, signalA(), signalB(), "wisp", 2.0);
}

// One look at the call during the hold scenario.
struct MediaSample {
  std::chrono::steady_clock::time_point at;
  std::string media;
  int64_t rtpSent = 0;
  int64_t rtpReceived = 0;
};

// Consecutive samples with the same media direction.
struct MediaPhase {
  std::string media;
  MediaSample first, last;
  std::chrono::milliseconds span() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(last.at - first.at);
  }
  std::string describe() const {
    return media + " for " + std::to_string(span().count()) + " ms: rtp_sent " +
           std::to_string(first.rtpSent) + " -> " + std::to_string(last.rtpSent) +
           ", rtp_received " + std::to_string(first.rtpReceived) + " -> " +
           std::to_string(last.rtpReceived);
  }
};

std::vector<MediaPhase> phasesOf(const std::vector<MediaSample> &samples) {
  std::vector<MediaPhase> phases;
  for (const MediaSample &s : samples) {
    if (phases.empty() || phases.back().media != s.media)
      phases.push_back({s.media, s, s});
    else
      phases.back().last = s;
  }
  return phases;
}

std::string describe(const std::vector<MediaPhase> &phases) {
  std::string out;
  for (const MediaPhase &p : phases)
    out += "  " + p.describe() + "\n";
  return out;
}

TEST(SippInterop, SippHoldsAndResumesWithReinvites) {
  TempDir dir("sipphold");
  ASSERT_TRUE(writeUlawFile(dir / "a.ul", signalA()).ok());
  TestPhone wisp(dir, {"autoAnswer=all"}, &signalB());
  ASSERT_TRUE(wisp.started);

  // Each of the five states (sendrecv, held, sendrecv, inactive, sendrecv) lasts this long.
  SippOptions options = sippOptions(dir, 1200ms);
  options.keys["rtp_file"] = (dir / "a.ul").string();
  auto sipp = launchSipp(sippScenario("uac_reinvite_hold.xml"), sipAddress(wisp.phone), options);
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;

  // Watch the call until SIPp is done (its -timeout bounds this loop).
  std::vector<MediaSample> samples;
  while (sipp->running()) {
    for (const Json &call : wisp.phone.calls()) {
      if (jsonString(call, "state") != "established")
        continue;
      samples.push_back({std::chrono::steady_clock::now(), jsonString(call, "media"),
                         jsonInt(call, "rtp_sent").value_or(-1),
                         jsonInt(call, "rtp_received").value_or(-1)});
    }
    std::this_thread::sleep_for(30ms);
  }
  SippResult result = sipp->wait(1s);
  // SIPp's own checks: recvonly to sendonly, inactive to inactive, sendrecv to sendrecv.
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;

  const std::vector<MediaPhase> phases = phasesOf(samples);
  const std::string seen = describe(phases);
  std::vector<std::string> order;
  for (const MediaPhase &p : phases)
    order.push_back(p.media);
  EXPECT_EQ(order,
            (std::vector<std::string>{"sendrecv", "recvonly", "sendrecv", "inactive", "sendrecv"}))
      << seen << wisp.phone.logText();

  // Sampled at both ends of each phase, well apart: what Wisp sent and received in between.
  auto longPhase = [&](const std::string &media) -> const MediaPhase * {
    for (const MediaPhase &p : phases)
      if (p.media == media && p.span() >= 500ms)
        return &p;
    return nullptr;
  };
  const MediaPhase *talking = longPhase("sendrecv");
  const MediaPhase *held = longPhase("recvonly");
  const MediaPhase *inactive = longPhase("inactive");
  ASSERT_TRUE(talking && held && inactive) << "phases too short to judge:\n" << seen;
  EXPECT_GT(talking->last.rtpSent - talking->first.rtpSent, 10) << seen;
  EXPECT_EQ(held->last.rtpSent, held->first.rtpSent) << "Wisp sent RTP while held\n" << seen;
  EXPECT_GT(held->last.rtpReceived - held->first.rtpReceived, 10) << seen;
  EXPECT_EQ(inactive->last.rtpSent, inactive->first.rtpSent) << "Wisp sent RTP while inactive\n"
                                                             << seen;
  // Sending again after the last resume.
  EXPECT_GT(phases.back().last.rtpSent, inactive->last.rtpSent) << seen;

  ASSERT_TRUE(wisp.phone.waitForNoCalls(5s)) << dump(wisp.phone);
  auto ended = wisp.phone.waitForEndedCall();
  ASSERT_TRUE(ended) << dump(wisp.phone);
  EXPECT_EQ(jsonString(*ended, "reason"), "remote hung up") << ended->dump();
}

TEST(SippInterop, SippCallsWithLateOffer) {
  TempDir dir("sipplate");
  TestPhone wisp(dir, {"autoAnswer=all"}, &signalB());
  ASSERT_TRUE(wisp.started);

  auto sipp = launchSipp(sippScenario("uac_late_offer.xml"), sipAddress(wisp.phone),
                         sippOptions(dir, 1500ms));
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;
  // Wisp offers in its 200 and learns SIPp's answer from the ACK.
  auto call = wisp.phone.waitForCallState("established", 10s);
  ASSERT_TRUE(call) << dump(wisp.phone) << sipp->logText();
  EXPECT_EQ(jsonString(*call, "codec"), "PCMU/8000") << call->dump();
  EXPECT_EQ(jsonString(*call, "media"), "sendrecv") << call->dump();

  SippResult result = sipp->wait();
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  ASSERT_TRUE(wisp.phone.waitForNoCalls(5s)) << dump(wisp.phone);
  auto ended = wisp.phone.waitForEndedCall();
  ASSERT_TRUE(ended) << dump(wisp.phone);
  EXPECT_EQ(jsonString(*ended, "reason"), "remote hung up") << ended->dump();
  // The media that the ACK's answer set up did flow both ways.
  EXPECT_GT(jsonInt(*ended, "rtp_received").value_or(0), 25) << ended->dump();
  EXPECT_GT(jsonInt(*ended, "rtp_sent").value_or(0), 25) << ended->dump();
}

// --- Wisp calls SIPp -----------------------------------------------------------------------

TEST(SippInterop, WispCallsSippAndHangsUp) {
  TempDir dir("sippbye");
  ASSERT_TRUE(writeUlawFile(dir / "a.ul", signalA()).ok());
  TestPhone wisp(dir, {}, &signalB());
  ASSERT_TRUE(wisp.started);

  SippOptions options = sippOptions(dir, 0ms);
  options.keys["rtp_file"] = (dir / "a.ul").string();
  options.keys["ring_ms"] = "600";
  auto sipp = startSipp(sippScenario("uas_wait_bye.xml"), "", options);
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;

  auto dialed = wisp.phone.command("dial", sipp->uri());
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  EXPECT_TRUE(wisp.phone.waitForCallState("ringing", 5s)) << dump(wisp.phone);
  auto call = wisp.phone.waitForCallState("established", 10s);
  ASSERT_TRUE(call) << dump(wisp.phone) << sipp->logText();
  EXPECT_EQ(jsonString(*call, "direction"), "outgoing");
  EXPECT_EQ(jsonString(*call, "remote"), sipp->uri());
  EXPECT_EQ(jsonString(*call, "codec"), "PCMU/8000");
  EXPECT_EQ(jsonString(*call, "media"), "sendrecv");

  // 2.5 s of SIPp's stream (125 packets) before hanging up.
  EXPECT_TRUE(waitUntil(
      [&] {
        auto calls = wisp.phone.calls();
        return !calls.empty() && jsonInt(calls[0], "rtp_received").value_or(0) >= 125;
      },
      10s))
      << dump(wisp.phone);
  auto hungUp = wisp.phone.command("hangup");
  ASSERT_TRUE(hungUp.ok()) << hungUp.describe();

  // SIPp only succeeds once it got (and answered) the BYE.
  SippResult result = sipp->wait(10s);
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  ASSERT_TRUE(wisp.phone.waitForNoCalls(5s)) << dump(wisp.phone);
  auto ended = wisp.phone.waitForEndedCall();
  ASSERT_TRUE(ended) << dump(wisp.phone);
  EXPECT_EQ(jsonString(*ended, "reason"), "local hang-up") << ended->dump();
  expectHeard(wisp.recording, signalA(), signalB(), "wisp", 2.0);
}

TEST(SippInterop, SippHangsUpOnWisp) {
  TempDir dir("sippsbye");
  TestPhone wisp(dir, {});
  ASSERT_TRUE(wisp.started);

  auto sipp = startSipp(sippScenario("uas_send_bye.xml"), "", sippOptions(dir, 1500ms));
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;
  auto dialed = wisp.phone.command("dial", sipp->uri());
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  auto call = wisp.phone.waitForCallState("established", 10s);
  ASSERT_TRUE(call) << dump(wisp.phone) << sipp->logText();

  ASSERT_TRUE(wisp.phone.waitForNoCalls(10s)) << dump(wisp.phone) << sipp->logText();
  auto ended = wisp.phone.waitForEndedCall();
  ASSERT_TRUE(ended) << dump(wisp.phone);
  EXPECT_EQ(jsonString(*ended, "reason"), "remote hung up") << ended->dump();
  EXPECT_EQ(jsonString(*ended, "direction"), "outgoing");
  EXPECT_EQ(jsonInt(*ended, "id"), jsonInt(*call, "id"));
  SippResult result = sipp->wait(10s);
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  EXPECT_TRUE(wisp.phone.calls().empty()) << dump(wisp.phone);
}

TEST(SippInterop, SippRejectsWispsCall) {
  TempDir dir("sippbusy");
  TestPhone wisp(dir, {});
  ASSERT_TRUE(wisp.started);

  struct Case {
    const char *scenario;
    int code;
    const char *reason;
  };
  const Case cases[] = {{"uas_busy.xml", 486, "Busy Here"}, {"uas_decline.xml", 603, "Decline"}};
  size_t endedSoFar = 0;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.scenario);
    SippOptions options = sippOptions(dir, 0ms);
    options.keys["ring_ms"] = "300";
    auto sipp = startSipp(sippScenario(c.scenario), "", options);
    ASSERT_TRUE(sipp.ok()) << sipp.error().message;
    // The rejection comes later: dialling itself succeeds.
    auto dialed = wisp.phone.command("dial", sipp->uri());
    EXPECT_EQ(dialed.exitCode, 0) << dialed.describe();

    auto ended = wisp.phone.waitForEndedCall(++endedSoFar, 10s);
    ASSERT_TRUE(ended) << dump(wisp.phone) << sipp->logText();
    EXPECT_EQ(jsonInt(*ended, "sip_code"), c.code) << ended->dump();
    EXPECT_EQ(jsonString(*ended, "reason"), c.reason) << ended->dump();
    EXPECT_EQ(jsonString(*ended, "direction"), "outgoing");
    // SIPp succeeds once Wisp acknowledged the rejection.
    SippResult result = sipp->wait(10s);
    EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
    EXPECT_TRUE(wisp.phone.calls().empty()) << dump(wisp.phone);
  }
}

TEST(SippInterop, WispCancelsWhileSippRings) {
  TempDir dir("sippcancel");
  TestPhone wisp(dir, {});
  ASSERT_TRUE(wisp.started);

  auto sipp = startSipp(sippScenario("uas_ring_cancel.xml"), "", sippOptions(dir, 0ms));
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;
  auto dialed = wisp.phone.command("dial", sipp->uri());
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(wisp.phone.waitForCallState("ringing", 5s)) << dump(wisp.phone);
  auto hungUp = wisp.phone.command("hangup");
  ASSERT_TRUE(hungUp.ok()) << hungUp.describe();

  // SIPp succeeds only if the CANCEL came, and Wisp acknowledged the 487 that follows.
  SippResult result = sipp->wait(10s);
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  EXPECT_TRUE(wisp.phone.waitForNoCalls(5s)) << dump(wisp.phone);
  EXPECT_TRUE(wisp.phone.status().ok()) << dump(wisp.phone);
  auto ended = wisp.phone.waitForEndedCall();
  ASSERT_TRUE(ended) << dump(wisp.phone);
  EXPECT_EQ(jsonString(*ended, "direction"), "outgoing");
  EXPECT_EQ(wisp.phone.endedCalls().size(), 1u) << dump(wisp.phone);
}

// --- Raw datagrams ---------------------------------------------------------------------------

// A UDP socket on 127.0.0.1 for hand-made SIP traffic.
class UdpSocket {
public:
  UdpSocket() = default;
  ~UdpSocket() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  UdpSocket(const UdpSocket &) = delete;
  UdpSocket &operator=(const UdpSocket &) = delete;

  // Binds to 127.0.0.1 on a port the kernel picks; an error text on failure.
  std::string open() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
      return std::string("socket: ") + strerror(errno);
    sockaddr_in addr = loopback(0);
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0)
      return std::string("bind: ") + strerror(errno);
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len) < 0)
      return std::string("getsockname: ") + strerror(errno);
    port_ = ntohs(addr.sin_port);
    return {};
  }
  uint16_t port() const { return port_; }

  bool sendTo(uint16_t port, std::string_view bytes) {
    sockaddr_in to = loopback(port);
    return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr *>(&to),
                    sizeof to) == ssize_t(bytes.size());
  }

  // One datagram, or nothing within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(std::max(timeout.count(), 0L))) <= 0)
      return std::nullopt;
    std::string buffer(65536, '\0');
    ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0)
      return std::nullopt;
    buffer.resize(size_t(n));
    return buffer;
  }

private:
  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  int fd_ = -1;
  uint16_t port_ = 0;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A response from Wisp, as far as these tests need to understand one.
struct SipResponse {
  int code = 0;
  std::string statusLine;
  // Header fields as received: name, and the raw field (continuation lines included).
  std::vector<std::pair<std::string, std::string>> fields;

  // The first field with one of these names (long and compact form), unfolded and trimmed.
  std::string header(std::initializer_list<std::string_view> names) const {
    for (const auto &[name, raw] : fields)
      for (std::string_view n : names)
        if (equalsIgnoreCase(name, n)) {
          std::string value(raw.substr(raw.find(':') + 1));
          std::replace(value.begin(), value.end(), '\r', ' ');
          std::replace(value.begin(), value.end(), '\n', ' ');
          return std::string(trim(value));
        }
    return {};
  }
  const std::string *rawField(std::initializer_list<std::string_view> names) const {
    for (const auto &[name, raw] : fields)
      for (std::string_view n : names)
        if (equalsIgnoreCase(name, n))
          return &raw;
    return nullptr;
  }
  std::string cseqMethod() const {
    std::string cseq = header({"CSeq"});
    return std::string(trim(std::string_view(cseq).substr(std::min(cseq.size(), cseq.find(' ')))));
  }
};

std::optional<SipResponse> parseResponse(std::string_view datagram) {
  SipResponse r;
  size_t end = datagram.find("\r\n");
  if (end == std::string_view::npos || datagram.substr(0, 8) != "SIP/2.0 ")
    return std::nullopt;
  r.statusLine = std::string(datagram.substr(0, end));
  r.code = std::atoi(r.statusLine.c_str() + 8);
  size_t pos = end + 2;
  while (pos < datagram.size()) {
    end = datagram.find("\r\n", pos);
    if (end == std::string_view::npos || end == pos)
      break; // the empty line: the body follows
    std::string_view line = datagram.substr(pos, end - pos);
    if ((line[0] == ' ' || line[0] == '\t') && !r.fields.empty()) {
      r.fields.back().second += "\r\n" + std::string(line);
    } else {
      size_t colon = line.find(':');
      r.fields.emplace_back(std::string(trim(line.substr(0, colon))), std::string(line));
    }
    pos = end + 2;
  }
  return r;
}

// What one request to Wisp's UDP SIP port brought back.
struct Exchange {
  std::string request;
  std::vector<SipResponse> responses; // distinct datagrams, in arrival order
};

// RFC 3261 17.1.1.3: the ACK of a failure response reuses the INVITE's top Via (so its
// branch), From, Call-ID and CSeq number, and the To of the response (with its tag).
std::string ackFor(const SipResponse &response, uint16_t wispPort) {
  std::string ack = "ACK sip:wisp@127.0.0.1:" + std::to_string(wispPort) + " SIP/2.0\r\n";
  for (auto names : {std::initializer_list<std::string_view>{"Via", "v"},
                     std::initializer_list<std::string_view>{"From", "f"},
                     std::initializer_list<std::string_view>{"To", "t"},
                     std::initializer_list<std::string_view>{"Call-ID", "i"}})
    if (const std::string *raw = response.rawField(names))
      ack += *raw + "\r\n";
  std::string cseq = response.header({"CSeq"});
  ack += "CSeq: " + cseq.substr(0, cseq.find(' ')) + " ACK\r\n";
  ack += "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  return ack;
}

// Plays a client transaction from a fresh socket: builds the request for that socket's port
// (`build`), sends it, collects the responses and acknowledges failure responses to INVITEs
// (so Wisp stops resending them). A fresh port per request keeps requests that reuse a Via
// branch (as the RFC 4475 messages do) from looking like retransmissions of each other.
// Waits up to `window`, but no longer than `settle` after the first final response.
Exchange exchange(uint16_t wispPort, const std::function<std::string(uint16_t ourPort)> &build,
                  std::chrono::milliseconds window, std::chrono::milliseconds settle = 300ms) {
  Exchange result;
  UdpSocket socket;
  if (std::string error = socket.open(); !error.empty()) {
    ADD_FAILURE() << error;
    return result;
  }
  result.request = build(socket.port());
  if (!socket.sendTo(wispPort, result.request)) {
    ADD_FAILURE() << "sendto failed: " << strerror(errno);
    return result;
  }
  std::set<std::string> seen;
  auto deadline = std::chrono::steady_clock::now() + window;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      break;
    auto datagram = socket.receive(left);
    if (!datagram)
      break;
    auto response = parseResponse(*datagram);
    if (!response) {
      ADD_FAILURE() << "Wisp sent something that is not a SIP response:\n" << *datagram;
      continue;
    }
    if (response->code >= 300 && response->cseqMethod() == "INVITE")
      socket.sendTo(wispPort, ackFor(*response, wispPort));
    if (!seen.insert(*datagram).second)
      continue;
    result.responses.push_back(*response);
    if (response->code >= 200)
      deadline = std::min(deadline, std::chrono::steady_clock::now() + settle);
  }
  return result;
}

std::string codesOf(const std::vector<SipResponse> &responses) {
  std::string out;
  for (const SipResponse &r : responses)
    out += (out.empty() ? "" : ", ") + r.statusLine;
  return out.empty() ? "no response" : out;
}

// Our own INVITE (or other request) from the probe socket; `id` makes its Call-ID and branch.
std::string makeRequest(const std::string &method, const std::string &id, uint16_t wispPort,
                        uint16_t ourPort, const std::string &extraHeaders = {},
                        const std::string &contentType = {}, const std::string &body = {}) {
  const std::string us = "127.0.0.1:" + std::to_string(ourPort);
  std::string m = method + " sip:wisp@127.0.0.1:" + std::to_string(wispPort) + " SIP/2.0\r\n" +
                  "Via: SIP/2.0/UDP " + us + ";branch=z9hG4bK-" + id + ";rport\r\n" +
                  "Max-Forwards: 70\r\n" + "From: <sip:probe@" + us + ">;tag=" + id + "\r\n" +
                  "To: <sip:wisp@127.0.0.1>\r\n" + "Call-ID: " + id + "@probe\r\n" + "CSeq: 1 " +
                  method + "\r\n" + "Contact: <sip:probe@" + us + ">\r\n" + extraHeaders;
  if (!contentType.empty())
    m += "Content-Type: " + contentType + "\r\n";
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return m;
}

const char *const kSdpOffer = "v=0\r\n"
                              "o=probe 1 1 IN IP4 127.0.0.1\r\n"
                              "s=-\r\n"
                              "c=IN IP4 127.0.0.1\r\n"
                              "t=0 0\r\n"
                              "m=audio 9 RTP/AVP 0\r\n"
                              "a=rtpmap:0 PCMU/8000\r\n";

// An RFC 4475 message (tests/fixtures/rfc4475/) with its top Via's sent-by `host` turned into
// our socket's address, so the answer comes back to us and never leaves this machine
// (libre answers to the source address, at the Via's port). Empty `host`: sent unchanged.
Result<std::string> tortureMessage(const std::string &file, const std::string &host,
                                   uint16_t ourPort) {
  auto text = readTextFile(fixturePath("rfc4475/" + file));
  if (!text || host.empty())
    return text;
  // The top Via: the first header line named Via or v (any case).
  size_t line = text->find("\r\n");
  while (line != std::string::npos) {
    size_t start = line + 2;
    size_t colon = text->find(':', start);
    size_t next = text->find("\r\n", start);
    if (colon != std::string::npos && colon < next) {
      std::string_view name = trim(std::string_view(*text).substr(start, colon - start));
      if (equalsIgnoreCase(name, "Via") || equalsIgnoreCase(name, "v")) {
        size_t at = text->find(host, colon);
        if (at == std::string::npos)
          break;
        return text->replace(at, host.size(), "127.0.0.1:" + std::to_string(ourPort));
      }
    }
    line = next;
  }
  return makeError("fixture", file + ": no top Via with " + host);
}

// Wisp is alive, answers `status`, and no call was left behind.
void expectHealthy(WispPhone &phone, const std::string &after) {
  EXPECT_TRUE(phone.running()) << "Wisp died after " << after << "\n" << phone.logText();
  auto status = phone.status();
  ASSERT_TRUE(status.ok()) << "no status after " << after << ": " << status.error().message << "\n"
                           << phone.logText();
  const Json *calls = status->find("calls");
  EXPECT_TRUE(calls && calls->asArray().empty())
      << "a call was left after " << after << ": " << status->dump();
}

struct Hostile {
  std::string name;
  std::function<std::string(uint16_t ourPort)> build;
  // Acceptable response codes; empty: any response, or none, will do.
  std::set<int> acceptable;
  bool responseRequired = false;
};

void throwAt(WispPhone &phone, const Hostile &h) {
  SCOPED_TRACE(h.name);
  Exchange x = exchange(phone.sipPort(), h.build, h.responseRequired ? 3s : 600ms);
  const std::vector<SipResponse> &responses = x.responses;
  if (h.responseRequired) {
    EXPECT_FALSE(responses.empty()) << h.name << ": Wisp did not answer\n" << phone.logText();
  }
  // One request, one final answer (repeats of the same datagram are not counted), and only
  // to that request: e.g. the INVITE-looking trailer of dblreq.dat is no second request.
  const std::string method = x.request.substr(0, x.request.find(' '));
  EXPECT_LE(std::count_if(responses.begin(), responses.end(),
                          [](const SipResponse &r) { return r.code >= 200; }),
            1)
      << h.name << ": got " << codesOf(responses);
  for (const SipResponse &r : responses) {
    if (!r.cseqMethod().empty()) {
      EXPECT_EQ(r.cseqMethod(), method) << h.name << ": answered " << r.header({"CSeq"});
    }
  }
  if (!h.acceptable.empty()) {
    for (const SipResponse &r : responses)
      EXPECT_TRUE(h.acceptable.count(r.code)) << h.name << ": got " << codesOf(responses) << "\n"
                                              << phone.logText();
  }
  expectHealthy(phone, h.name);
}

std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(n, '\0');
  for (char &c : out)
    c = static_cast<char>(random() & 0xff);
  return out;
}

TEST(SippInterop, HostileDatagramsDoNotHurtWisp) {
  TempDir dir("sipphostile");
  // No auto-answer: none of these may turn into a call, and the torture messages' SDP names
  // addresses beyond this machine that must never receive RTP.
  TestPhone wisp(dir, {});
  ASSERT_TRUE(wisp.started);
  const uint16_t wispPort = wisp.phone.sipPort();

  // Our own request with Content-Type application/sdp and this body.
  auto inviteWith = [wispPort](std::string id, std::string body, std::string headers = {}) {
    return [=](uint16_t us) {
      return makeRequest("INVITE", id, wispPort, us, headers, "application/sdp", body);
    };
  };
  auto optionsWith = [wispPort](std::string id, std::string headers) {
    return [=](uint16_t us) { return makeRequest("OPTIONS", id, wispPort, us, headers); };
  };
  auto fixed = [](std::string bytes) { return [=](uint16_t) { return bytes; }; };
  std::string manyHeaders;
  for (int i = 0; i < 3000; ++i)
    manyHeaders += "X-Header-" + std::to_string(i) + ": v\r\n";

  std::vector<Hostile> hostile = {
      // Cut in the middle of the header section: nothing to frame, nothing reliable to answer.
      {"truncated INVITE",
       [&](uint16_t us) {
         std::string invite = inviteWith("truncated", kSdpOffer)(us);
         return invite.substr(0, invite.find("Call-ID") + 12);
       },
       {400}},
      {"random bytes", fixed(randomBytes(1400, 4475)), {}},
      {"INVITE then binary junk", fixed("INVITE " + randomBytes(600, 3261)), {400}},
      {"NUL bytes", fixed(std::string(512, '\0')), {}},
      {"INVITE with a garbage SDP body",
       inviteWith("badsdp", "v=banana\r\nthis is not SDP\r\n\x01\x02\xff\xfe m=audio x\r\n"),
       {400, 488},
       true},
      {"INVITE with an SDP body of binary junk",
       inviteWith("junksdp", randomBytes(300, 8866)),
       {400, 488},
       true},
      // Legal, only big: 7 kB is still a datagram any SIP stack should read whole.
      {"OPTIONS with a 7 kB header",
       optionsWith("big", "X-Big: " + std::string(7000, 'b') + "\r\n"),
       {200},
       true},
      {"OPTIONS with a 60 kB header",
       optionsWith("huge", "X-Huge: " + std::string(60000, 'h') + "\r\n"),
       {}},
      {"INVITE with a 60 kB Subject",
       inviteWith("hugeinv", kSdpOffer, "Subject: " + std::string(60000, 's') + "\r\n"),
       {400, 413, 500, 513}},
      {"OPTIONS with 3000 header fields",
       optionsWith("many", manyHeaders),
       {200, 400, 413, 500, 513}},
  };

  // RFC 4475 messages: the response codes the RFC asks for where it asks for one.
  struct Torture {
    const char *file;
    const char *viaHost; // the top Via's sent-by, redirected to us
    std::set<int> acceptable;
    bool responseRequired;
  };
  const Torture torture[] = {
      // 3.1.1.1, valid: must parse. Its To has a tag, so it is in-dialog for a dialog that
      // does not exist: 481 (RFC 3261 12.2.2).
      {"wsinv.dat", "192.0.2.2", {481}, true},
      // 3.1.1.2, valid, unknown method with NUL, BEL and DEL octets: 501.
      {"intmeth.dat", "host1.example.com", {501}, true},
      // 3.1.1.5, valid, the method RE%47IST%45R is unknown (not REGISTER): 501.
      {"esc02.dat", "host.example.com", {501}, true},
      // 3.1.1.8: a REGISTER, then octets that look like an INVITE that must be ignored. Only
      // the REGISTER is answered (Wisp is no registrar: 405 or 501).
      {"dblreq.dat", "192.0.2.125", {405, 501}, true},
      // 3.1.1.11, valid MESSAGE with a binary multipart body (0x00, bare CR and LF): Wisp
      // does not take MESSAGE.
      {"mpart01.dat", "127.0.0.1:5070", {405, 415, 501}, true},
      // 3.1.2.1: Via and Contact full of empty separators; 400 if answered at all (the Via is
      // what an answer would need).
      {"badinv01.dat", "192.0.2.15", {400}, false},
      // 3.1.2.2: Content-Length larger than the datagram: 400 over UDP.
      {"clerr.dat", "host5.example.com", {400}, true},
      // 3.1.2.3: negative Content-Length: an error response.
      {"ncl.dat", "192.0.2.53", {400}, true},
      // 3.3.1: no Call-ID, From or To: 400.
      {"insuf.dat", "192.0.2.95", {400}, true},
      // 3.3.8: several Call-ID, To, From and CSeq values: 400.
      {"multi01.dat", "192.0.2.25", {400}, true},
      // Not a SIP request at all (no version, no Via): nothing to answer to.
      {"test.dat", "", {}, false},
  };
  for (const Torture &t : torture) {
    // Fail early on a broken fixture rather than on every exchange.
    auto check = tortureMessage(t.file, t.viaHost, 5060);
    ASSERT_TRUE(check.ok()) << check.error().message;
    hostile.push_back({std::string("RFC 4475 ") + t.file,
                       [t](uint16_t us) { return tortureMessage(t.file, t.viaHost, us).value(); },
                       t.acceptable, t.responseRequired});
  }

  for (const Hostile &h : hostile)
    throwAt(wisp.phone, h);

  // After all that, a normal call from SIPp still works.
  auto sipp =
      launchSipp(sippScenario("uac_basic.xml"), sipAddress(wisp.phone), sippOptions(dir, 500ms));
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;
  ASSERT_TRUE(wisp.phone.waitForCallState("ringing", 10s)) << dump(wisp.phone) << sipp->logText();
  auto answered = wisp.phone.command("answer");
  ASSERT_TRUE(answered.ok()) << answered.describe();
  SippResult result = sipp->wait();
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  EXPECT_TRUE(wisp.phone.waitForNoCalls(5s)) << dump(wisp.phone);
  EXPECT_EQ(wisp.phone.stop(), 0) << "Wisp did not exit cleanly\n" << wisp.phone.logText();
}

// RFC 4475 messages for which the RFC (with RFC 3261) names the rejection a user agent must
// send, and that Wisp answers otherwise at the time of writing (see the report that came
// with this test): 200 to the OPTIONS requests, 400 to the INVITE.
TEST(SippInterop, Rfc4475RejectionsUseTheRequiredCodes) {
  TempDir dir("sipp4475");
  TestPhone wisp(dir, {});
  ASSERT_TRUE(wisp.started);

  struct Torture {
    const char *file;
    const char *viaHost;
    int code;
    const char *why;
  };
  const Torture torture[] = {
      {"mismatch01.dat", "host.example.com", 400,
       "3.1.2.17: CSeq method INVITE in an OPTIONS request"},
      {"bext01.dat", "fold-and-staple.example.com", 420,
       "3.3.5: Require with unknown option tags (RFC 3261 8.2.2.3)"},
      {"unkscm.dat", "host9.example.com", 416,
       "3.3.2: Request-URI with an unknown scheme (RFC 3261 8.2.2.1)"},
      {"invut.dat", "somehost.example.com", 415,
       "3.3.6: INVITE body of an unknown Content-Type (RFC 3261 8.2.3)"},
      {"mcl01.dat", "host5.example.net", 400, "3.3.9: two different Content-Length values"},
  };
  for (const Torture &t : torture) {
    SCOPED_TRACE(t.file);
    auto check = tortureMessage(t.file, t.viaHost, 5060);
    ASSERT_TRUE(check.ok()) << check.error().message;
    Exchange x = exchange(
        wisp.phone.sipPort(),
        [&](uint16_t us) { return tortureMessage(t.file, t.viaHost, us).value(); }, 3s);
    ASSERT_FALSE(x.responses.empty()) << t.file << ": no response";
    EXPECT_EQ(x.responses.back().code, t.code)
        << t.file << " (" << t.why << "): got " << codesOf(x.responses);
    if (t.code == 420) {
      EXPECT_NE(x.responses.back().header({"Unsupported"}), "")
          << "a 420 lists the unsupported extensions";
    }
    expectHealthy(wisp.phone, t.file);
  }
}

} // namespace
} // namespace wisp::test

namespace wisp::test {
namespace {

// The status code of a SIP response ("SIP/2.0 482 Loop Detected" -> 482), 0 otherwise.
int responseCode(const std::string &message) {
  if (message.rfind("SIP/2.0 ", 0) != 0 || message.size() < 11)
    return 0;
  return std::atoi(message.c_str() + 8);
}

// RFC 3261 8.2.2.2: the same INVITE arriving twice by different paths (a new branch, the
// same Call-ID, From tag and CSeq) is one call; the copy is refused with 482.
TEST(SippInterop, AMergedInviteIsRefusedWith482) {
  TempDir dir("sippmerge");
  TestPhone wisp(dir, {});
  ASSERT_TRUE(wisp.started);
  UdpSocket socket;
  ASSERT_EQ(socket.open(), "");
  const std::string first = makeRequest("INVITE", "merged", wisp.phone.sipPort(), socket.port(), {},
                                        "application/sdp", kSdpOffer);
  std::string second = first;
  second.replace(second.find("branch=z9hG4bK-merged"), 21, "branch=z9hG4bK-mergd2");
  ASSERT_TRUE(socket.sendTo(wisp.phone.sipPort(), first));
  bool ringing = false;
  for (int i = 0; i < 5 && !ringing; ++i)
    if (auto r = socket.receive(2s))
      ringing = responseCode(*r) == 180;
  ASSERT_TRUE(ringing) << wisp.phone.logText();
  ASSERT_TRUE(socket.sendTo(wisp.phone.sipPort(), second));
  int code = 0;
  for (int i = 0; i < 5 && code < 200; ++i)
    if (auto r = socket.receive(2s))
      code = responseCode(*r);
  EXPECT_EQ(code, 482) << wisp.phone.logText();
  EXPECT_EQ(wisp.phone.calls().size(), 1u) << "still one call";
}

} // namespace
} // namespace wisp::test
