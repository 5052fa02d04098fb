// Event hooks: when the phone publishes an event, runs the commands that MicroSIP's cmd*
// keys and the [Hooks] section tie to it (docs/config.md, "Event hooks"), through a
// HookRunner so that no hook ever holds up the SIP handling. Loop thread only.
#pragma once

#include "config/settings.h"
#include "control/event_bus.h"
#include "control/hook_command.h"
#include "control/hook_runner.h"

#include <string>
#include <utility>
#include <vector>

namespace wisp {

class EventHooks {
public:
  explicit EventHooks(EventBus &bus);
  ~EventHooks();
  EventHooks(const EventHooks &) = delete;
  EventHooks &operator=(const EventHooks &) = delete;

  // At start-up and on every reload. Hooks already running are not affected.
  void configure(const Settings &settings);

private:
  void onEvent(const Json &event);

  EventBus &bus_;
  int subscription_ = 0; // 0: not listening (no hooks configured)
  HookRunner runner_;
  std::vector<std::pair<std::string, HookCommand>> microsip_; // key, command
  std::vector<std::pair<std::string, HookCommand>> byEvent_;  // event type, command
  bool incomingCallsRing_ = true;
};

} // namespace wisp
