// The running phone: one profile's settings, the SIP user agent, the audio hub and the
// control channels, all driven by libre's loop in the main thread.
#pragma once

#include "config/profile.h"
#include "config/settings.h"
#include "control/event_bus.h"
#include "control/event_hooks.h"
#include "control/phone_control.h"
#include "ipc/control_server.h"
#include "media/audio_hub.h"
#include "sip/accounts.h"
#include "sip/network_monitor.h"
#include "sip/user_agent.h"

#include <deque>
#include <map>
#include <memory>
#include <optional>

namespace wisp {

struct PhoneOptions {
  Profile profile;
  std::optional<AudioDeviceSpec> audioIn;  // --audio-in: overrides wisp.ini
  std::optional<AudioDeviceSpec> audioOut; // --audio-out
  bool console = false;                    // interactive console on stdin
};

class Console;
class DBusService;
class HttpApi;

class Phone final : public PhoneControl {
public:
  Phone(PhoneOptions options, Settings settings);
  ~Phone() override;

  // Runs until `exit`, SIGINT or SIGTERM. Returns the process exit code.
  int run();

  // PhoneControl
  Result<Reply> dial(const std::string &target, const std::optional<std::string> &account,
                     const std::vector<std::string> &postDialDtmf) override;
  Result<Reply> answer(std::optional<int> call) override;
  Result<Reply> hangup(std::optional<int> call) override;
  Result<Reply> hangupAll() override;
  Result<Reply> hangupIncoming() override;
  Result<Reply> hangupCalling() override;
  Result<Reply> selectAccount(const std::string &account) override;
  Result<Reply> setPassword(const std::string &secret) override;
  Result<Reply> sendDtmf(const std::string &digits, std::optional<int> call) override;
  Result<Reply> reload() override;
  Result<Reply> registerAccount(const std::optional<std::string> &account) override;
  Result<Reply> unregisterAccount(const std::optional<std::string> &account) override;
  Result<Reply> exit() override;
  Json snapshot() const override;

private:
  void applySettings();
  void onCallEvent(Call &call, CallEvent event);
  void publishCallEvent(const Call &call, CallEvent event);
  Result<Call *> pickCall(std::optional<int> id, const char *purpose) const;
  void beginShutdown();
  void startPostDial(Call &call);
  void sendNextPostDialGroup(int callId);
  AudioDeviceSpec inputSpec() const;
  AudioDeviceSpec outputSpec() const;
  CallIdentity localIdentity() const;
  void enableTlsIfNeeded();
  void onAccountChange(const Account &account);
  void startApis(); // D-Bus and HTTP, as [Api] says
  Result<std::vector<Account *>> pickAccounts(const std::optional<std::string> &account) const;

  PhoneOptions options_;
  Settings settings_;
  AudioHub audio_;
  UserAgent ua_;
  Accounts accounts_;
  NetworkMonitor network_; // a changed local address: every account registers again
  EventBus events_;
  EventHooks hooks_{events_}; // after events_: it unsubscribes when destroyed
  ControlServer control_;
  std::unique_ptr<Console> console_;
  std::unique_ptr<DBusService> dbus_;
  std::unique_ptr<HttpApi> http_;
  bool shuttingDown_ = false;
  tmr exitTimer_{};

  // DTMF groups typed after the number ("1234,,56#"): sent once the call is up.
  struct PostDial {
    std::vector<std::string> groups;
    size_t next = 0;
    tmr timer{};
  };
  std::map<int, std::unique_ptr<PostDial>> postDial_;
  std::deque<Json> endedCalls_; // the most recent first, for status and scripts
};

} // namespace wisp
