// A real baresip 1.0.0 (Debian's baresip-core) on 127.0.0.1 as the far end of a test call,
// driven through its ctrl_tcp module.
//
// Facts about baresip 1.0.0 this relies on (checked by tests/e2e/test_harness_peers.cpp):
// - Commands (menu module): "dial URI", "accept", "hangup", "sndcode DIGITS" (RFC 4733
//   telephone-events, one key after the other), "answermode auto|manual".
// - Events: CALL_INCOMING (manual answer mode; auto answers at once), CALL_RINGING (outgoing,
//   after 180), CALL_ESTABLISHED, CALL_CLOSED (param: the reason, e.g. "486 Busy Here" or
//   "Connection reset by peer"), CALL_DTMF_START (param: the key) and CALL_DTMF_END,
//   CALL_REMOTE_SDP / CALL_LOCAL_SDP (param "offer"/"answer"), CALL_RTPESTAB.
// - ctrl_tcp serves ONE client: a second connection silently takes the events. Use only the
//   connection this class keeps open.
// - sndfile names its recordings after the call's start time to the second: two calls started
//   within the same second share (overwrite) one file. Space such calls a second apart.
#pragma once

#include "support/process.h"
#include "util/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::test {

struct BaresipEvent {
  size_t index = 0;       // position among all events of this peer, from 0
  std::string type;       // "CALL_ESTABLISHED"
  std::string eventClass; // "call", "other", "register", ...
  std::string direction;  // "incoming" / "outgoing" (call events)
  std::string peerUri;    // the other side, e.g. "sip:wisp@127.0.0.1"
  std::string callId;     // baresip's id of the call
  std::string param;      // DTMF key, close reason, "offer"/"answer", ...
  std::string json;       // the whole message, for failure messages
};

class BaresipPeer {
public:
  struct Options {
    std::string user = "bs";
    // Microphone: 8 kHz mono 16-bit WAV. baresip ends the call when the file ends, so it must
    // outlast the call. Empty: two minutes of silence.
    std::filesystem::path sourceWav;
    bool autoAnswer = true; // false: CALL_INCOMING, then answer()
    std::string codecs = "PCMU/8000/1,PCMA/8000/1";
    std::string extraAccountParams;       // e.g. ";ptime=30" (the first occurrence of a param wins)
    std::vector<std::string> extraConfig; // config lines, placed before the template's
  };

  BaresipPeer();
  ~BaresipPeer(); // stop()
  BaresipPeer(const BaresipPeer &) = delete;
  BaresipPeer &operator=(const BaresipPeer &) = delete;

  // Writes config + accounts into `dir` (created if needed), starts `baresip -f dir` (log in
  // dir/baresip.log) on free ports and connects to ctrl_tcp. Retries on new ports if a port
  // turned out to be taken. The error message includes baresip's log.
  Status start(const Options &options, const std::filesystem::path &dir);
  // SIGTERM (baresip hangs up its calls), another after 1.5 s (baresip exits without waiting
  // for the BYEs to be answered), SIGKILL 1 s later.
  void stop();
  bool running();

  uint16_t sipPort() const { return sipPort_; }
  std::string sipUri() const; // sip:USER@127.0.0.1:PORT
  const std::string &user() const { return user_; }

  // Sends a command and waits for its response: the response's data text, or an error with it.
  Result<std::string> command(const std::string &cmd, const std::string &params = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
  Status dial(const std::string &uri);
  Status answer();
  Status hangup();
  Status sendDtmf(const std::string &digits);
  Status setAutoAnswer(bool autoAnswer);

  // Reads the events like a log, forwards: the first event of `type` after the last event
  // this method returned (of any type), so waiting twice for CALL_CLOSED waits for two calls
  // to close, and an old event of an earlier call is never mistaken for a new one. Wait in
  // the order things happen (CALL_RINGING, then CALL_ESTABLISHED); nullopt on timeout.
  std::optional<BaresipEvent> waitForEvent(std::string_view type,
                                           std::chrono::milliseconds timeout);
  // The first event of `type` with index >= `fromIndex` (take eventCount() before an action).
  std::optional<BaresipEvent> waitForEventFrom(std::string_view type, size_t fromIndex,
                                               std::chrono::milliseconds timeout);
  std::vector<BaresipEvent> events() const;
  size_t eventCount() const;
  // The keys of all CALL_DTMF_START events so far, in order, e.g. "12#".
  std::string dtmfReceived() const;
  // "TYPE param" per line, for failure messages.
  std::string describeEvents() const;

  // Recordings of what this peer received (decoded), oldest first. A file is complete only
  // once its call has ended (see isCompleteWav).
  std::vector<std::filesystem::path> receivedWavFiles() const;
  // Waits until at least `count` received recordings exist and all are complete.
  std::vector<std::filesystem::path> waitForReceivedWavFiles(size_t count,
                                                             std::chrono::milliseconds timeout);

  std::filesystem::path logPath() const { return dir_ / "baresip.log"; }
  std::string logText() const { return readFileTail(logPath()); }
  const std::filesystem::path &dir() const { return dir_; }

private:
  class Control;
  Status startOnce(const Options &options, bool &portTaken);

  Process process_;
  std::unique_ptr<Control> control_;
  std::filesystem::path dir_;
  std::string user_;
  uint16_t sipPort_ = 0;
  size_t nextEvent_ = 0; // where waitForEvent() looks from
};

// True if the WAV file's RIFF size matches its length: libsndfile writes the real sizes
// only when it closes the file, at the end of the call.
bool isCompleteWav(const std::filesystem::path &path);

} // namespace wisp::test
