// Which event hooks an event fires, and what each hook is told: pure functions of the
// event's JSON as EventBus publishes it (docs/api.md), testable without a phone.
#pragma once

#include "control/hook_command.h"
#include "util/json.h"

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wisp {

// MicroSIP's [Settings] keys, in the order a call fires them.
std::span<const std::string_view> microsipHookKeys();

// The MicroSIP keys `event` fires, in order (MicroSIP's semantics):
//   call.outgoing                          cmdOutgoingCall
//   call.incoming                          cmdIncomingCall, then cmdCallRing if it rings
//   call.state "established"               cmdCallAnswer (incoming calls only), cmdCallStart
//   call.ended with 486, 600 or 603        cmdCallBusy
//   call.ended otherwise                   cmdCallEnd
// `incomingCallsRing` is false when every call is answered at once (autoAnswer=all with no
// delay): MicroSIP runs cmdCallRing only for a call that really rings.
std::vector<std::string_view> microsipHooksFiredBy(const Json &event, bool incomingCallsRing);

struct HookContext {
  // WISP_EVENT WISP_HOOK WISP_CALL_ID WISP_DIRECTION WISP_REMOTE_URI WISP_REMOTE_NUMBER
  // WISP_DISPLAY_NAME WISP_ACCOUNT WISP_SIP_CODE WISP_REASON WISP_DURATION WISP_EVENT_JSON,
  // every one set ("" when the event has no such thing).
  std::vector<std::pair<std::string, std::string>> env;
  HookValues placeholders; // number name callid direction duration
  std::string number;      // the remote number, appended to MicroSIP keys' commands
};

HookContext hookContextOf(const Json &event, std::string_view hookName);

} // namespace wisp
