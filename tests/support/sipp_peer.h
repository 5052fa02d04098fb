// SIPp 3.6.1 (Debian's sip-tester) as a scripted far end: one call of a scenario from
// tests/fixtures/sipp/, on 127.0.0.1.
//
// Every run copies the scenario into its work directory, filling in @name@ / @name=default@
// placeholders from `keys` (see renderTemplate): SIPp resolves rtp_stream file names and pause
// durations when it loads the scenario and does not expand [keywords] there. The keys are
// also passed as `-key name value`, so scenarios can use [name] in messages. A scenario that
// mentions @rtp_file@ without a key gets a generated tone (440 Hz, -12 dBFS, 4 s, looped by
// the scenario).
//
// The fixtures (all for one call, PCMU audio from @rtp_file@):
//   uac_basic.xml          INVITE (PCMU, PCMA, telephone-event), optional 401/407 auth,
//                          call for -d ms, BYE.
//   uac_reinvite_hold.xml  call, then re-INVITEs sendonly / sendrecv / inactive / sendrecv,
//                          failing unless the answers are recvonly / sendrecv / inactive /
//                          sendrecv; each state lasts -d ms; BYE.
//   uac_late_offer.xml     INVITE without SDP; the 200 must offer PCMU; answer in the ACK.
//   uas_wait_bye.xml       100, 180, [ring @ring_ms@], 200 (PCMU), waits for the caller's BYE.
//   uas_send_bye.xml       the same, but sends BYE itself after -d ms.
//   uas_busy.xml           100, 180, [ring], 486.   uas_decline.xml: the same with 603.
//   uas_ring_cancel.xml    100, 180, waits for CANCEL: 200 + 487.
#pragma once

#include "support/process.h"
#include "util/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wisp::test {

struct SippOptions {
  uint16_t localPort = 0;           // SIP port (-p); 0: a free one
  uint16_t mediaPort = 0;           // -mp (SIPp also uses mediaPort + 2); 0: a free range
  std::string serviceUser = "wisp"; // -s: the user part of the request URI
  // -d: how long <pause/> lasts (the call, or each hold state).
  std::chrono::milliseconds callDuration{1000};
  std::vector<std::string> extraArgs;      // e.g. {"-au", "sipp", "-ap", "secret"}
  std::map<std::string, std::string> keys; // -key name value, and @name@ in the scenario
  // SIPp's own -timeout (with -timeout_error); the harness kills it 10 s after that.
  std::chrono::seconds timeout{30};
  std::filesystem::path workdir; // required: the scenario copy and SIPp's logs go here
};

struct SippResult {
  int exitCode = -1;     // SIPp: 0 all calls succeeded, 1 some failed, 97/99/255 other trouble
  bool timedOut = false; // the harness had to kill it
  std::string logText;   // errors, SIP messages and the end of SIPp's screen
  bool ok() const { return exitCode == 0 && !timedOut; }
};

// A SIPp started in the background (e.g. a UAS that must listen before the phone calls it).
class SippProcess {
public:
  uint16_t sipPort() const { return sipPort_; }
  uint16_t mediaPort() const { return mediaPort_; }
  // sip:USER@127.0.0.1:PORT, e.g. for the phone to dial.
  std::string uri(const std::string &user = "sipp") const;
  bool running() { return process_.running(); }
  std::optional<int> exitStatus() const { return process_.exitStatus(); }
  // Waits for SIPp to end (killing it after `timeout`) and collects its logs.
  SippResult wait(std::chrono::milliseconds timeout);
  // The same, with SIPp's own -timeout plus 10 s as the limit.
  SippResult wait();
  std::string logText() const; // what wait() puts in SippResult::logText, at any time

private:
  friend Result<SippProcess> launchSipp(const std::filesystem::path &, const std::string &,
                                        const SippOptions &);
  Process process_;
  std::filesystem::path workdir_;
  std::filesystem::path scenarioName_;
  uint16_t sipPort_ = 0;
  uint16_t mediaPort_ = 0;
  std::chrono::seconds timeout_{30};
};

// Starts SIPp without waiting for anything (runSipp and startSipp build on it).
Result<SippProcess> launchSipp(const std::filesystem::path &scenario, const std::string &remote,
                               const SippOptions &options);

// Starts SIPp on `scenario` (a path; sippScenario() for a fixture) towards `remote`
// ("127.0.0.1:PORT"; empty for a UAS). Returns once SIPp listens on its SIP port; fails (with
// SIPp's logs) if it ends with an error before that.
Result<SippProcess> startSipp(const std::filesystem::path &scenario, const std::string &remote,
                              const SippOptions &options);

// Runs SIPp to completion.
SippResult runSipp(const std::filesystem::path &scenario, const std::string &remote,
                   const SippOptions &options);

// tests/fixtures/sipp/NAME
std::filesystem::path sippScenario(const std::string &name);

// Writes samples as headerless G.711 mu-law, the format of SIPp's rtp_stream (payload type 0).
Status writeUlawFile(const std::filesystem::path &path, std::span<const int16_t> samples);
// G.711 mu-law of one sample (ITU-T G.711, with the usual 0x84 bias and bit inversion).
uint8_t linearToUlaw(int16_t sample);

} // namespace wisp::test
