// The phones the footprint benchmark measures, behind one interface: Wisp (through the test
// harness's WispPhone and its control socket) and baresip 1.0.0 (through BaresipPeer's
// ctrl_tcp connection). Each one places the call itself, so the far end can be SIPp, which
// maps neither libre nor OpenSSL and so shares none of those pages with the measured phone.
#pragma once

#include "util/result.h"

#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace wisp::bench {

class MeasuredPhone {
public:
  virtual ~MeasuredPhone() = default;

  // Starts the phone with its profile/config in `dir` (a fresh directory per run) and returns
  // once it accepts commands.
  virtual Status start(const std::filesystem::path &dir) = 0;
  virtual pid_t pid() const = 0;
  // Dials `uri` and waits until the phone reports the call established (Wisp: `status`,
  // baresip: CALL_ESTABLISHED). Returns the time from sending the dial command until then.
  virtual Result<std::chrono::microseconds> dialUntilEstablished(const std::string &uri) = 0;
  // Fails unless the call placed by dialUntilEstablished() is still up.
  virtual Status checkStillInCall() = 0;
  // Hangs up and waits until the phone reports no call.
  virtual Status hangUp() = 0;
  virtual void stop() = 0;
  // Path fragments of the files the phone maps besides its executable and the common
  // libraries (phoneLibraries() in phone_sample.h), e.g. a module folder.
  virtual std::vector<std::string> ownFiles() const { return {}; }
  // The end of the phone's log, for error messages.
  virtual std::string logText() const = 0;
};

// Wisp with `--audio-in audioIn --audio-out audioOut` ("null", or "file:PATH"; for the sink a
// relative file name is put in the run's directory).
std::unique_ptr<MeasuredPhone> makeWispPhone(std::string audioIn, std::string audioOut);

// baresip with a minimal module set: g711, aufile (playing `sourceWav`, 8 kHz mono s16),
// aubridge as a silent player, account, menu and ctrl_tcp. `moduleDir` receives symlinks to
// exactly those modules; BaresipPeer's config is pointed at it, so the other modules its
// template lists (sndfile) are not found and not loaded.
std::unique_ptr<MeasuredPhone> makeBaresipPhone(std::filesystem::path sourceWav,
                                                std::filesystem::path moduleDir);

// The modules makeBaresipPhone() loads, and where the system keeps them.
inline constexpr std::array<std::string_view, 6> kBaresipModules = {
    "g711.so", "aufile.so", "aubridge.so", "account.so", "menu.so", "ctrl_tcp.so"};
inline constexpr const char *kBaresipModuleSource = "/usr/lib/baresip/modules";

} // namespace wisp::bench
