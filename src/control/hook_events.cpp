#include "control/hook_events.h"

#include <array>
#include <cmath>

namespace wisp {
namespace {

constexpr std::array<std::string_view, 7> kMicrosipKeys{
    "cmdOutgoingCall", "cmdIncomingCall", "cmdCallRing", "cmdCallAnswer",
    "cmdCallStart",    "cmdCallBusy",     "cmdCallEnd"};

std::string text(const Json *object, std::string_view key) {
  if (!object)
    return {};
  const Json *v = object->find(key);
  if (!v || v->isNull())
    return {};
  if (v->isString())
    return v->asString();
  if (auto i = v->asInt())
    return std::to_string(*i);
  if (v->isNumber())
    return std::to_string(v->asNumber());
  return v->dump();
}

// Whole seconds, as people and shell arithmetic want them.
std::string seconds(const Json *call) {
  if (!call)
    return {};
  const Json *d = call->find("duration");
  if (!d || !d->isNumber())
    return {};
  return std::to_string(int64_t(std::floor(d->asNumber())));
}

} // namespace

std::span<const std::string_view> microsipHookKeys() {
  return kMicrosipKeys;
}

std::vector<std::string_view> microsipHooksFiredBy(const Json &event, bool incomingCallsRing) {
  const std::string type = text(&event, "event");
  const Json *call = event.find("call");
  if (type == "call.outgoing")
    return {"cmdOutgoingCall"};
  if (type == "call.incoming") {
    if (incomingCallsRing)
      return {"cmdIncomingCall", "cmdCallRing"};
    return {"cmdIncomingCall"};
  }
  if (type == "call.state" && text(call, "state") == "established") {
    if (text(call, "direction") == "incoming")
      return {"cmdCallAnswer", "cmdCallStart"};
    return {"cmdCallStart"};
  }
  if (type == "call.ended") {
    const std::string code = text(&event, "sip_code");
    if (code == "486" || code == "600" || code == "603")
      return {"cmdCallBusy"};
    return {"cmdCallEnd"};
  }
  return {};
}

HookContext hookContextOf(const Json &event, std::string_view hookName) {
  const Json *call = event.find("call");
  if (call && !call->isObject())
    call = nullptr;
  HookContext ctx;
  ctx.number = text(call, "remote_number");
  const std::string callId = text(call, "id");
  const std::string direction = text(call, "direction");
  const std::string name = text(call, "remote_name");
  const std::string duration = seconds(call);
  const std::string account = call ? text(call, "account") : text(&event, "account");
  ctx.env = {
      {"WISP_EVENT", text(&event, "event")},
      {"WISP_HOOK", std::string(hookName)},
      {"WISP_CALL_ID", callId},
      {"WISP_DIRECTION", direction},
      {"WISP_REMOTE_URI", text(call, "remote")},
      {"WISP_REMOTE_NUMBER", ctx.number},
      {"WISP_DISPLAY_NAME", name},
      {"WISP_ACCOUNT", account},
      {"WISP_SIP_CODE", text(&event, "sip_code")},
      {"WISP_REASON", text(&event, "reason")},
      {"WISP_DURATION", duration},
      {"WISP_EVENT_JSON", event.dump()},
  };
  ctx.placeholders = {{"number", ctx.number},
                      {"name", name},
                      {"callid", callId},
                      {"direction", direction},
                      {"duration", duration}};
  return ctx;
}

} // namespace wisp
