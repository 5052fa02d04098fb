#include "control/event_hooks.h"

#include "control/hook_events.h"
#include "util/log.h"

namespace wisp {
namespace {

// The loader checked every command; one that fails here anyway is logged and skipped.
void addHook(std::vector<std::pair<std::string, HookCommand>> &hooks, const std::string &name,
             const std::string &text) {
  if (text.empty())
    return;
  auto command = parseHookCommand(text);
  if (!command) {
    log::error("hook", "%s: %s", name.c_str(), command.error().message.c_str());
    return;
  }
  hooks.emplace_back(name, std::move(*command));
}

} // namespace

EventHooks::EventHooks(EventBus &bus) : bus_(bus) {}

EventHooks::~EventHooks() {
  if (subscription_)
    bus_.unsubscribe(subscription_);
}

void EventHooks::configure(const Settings &settings) {
  const HookSettings &h = settings.hooks;
  microsip_.clear();
  byEvent_.clear();
  for (std::string_view key : microsipHookKeys())
    if (const std::string *text = h.microsipCommand(key))
      addHook(microsip_, std::string(key), *text);
  for (const auto &[event, text] : h.byEvent)
    addHook(byEvent_, event, text);
  incomingCallsRing_ = !(settings.autoAnswer == AutoAnswer::All && settings.autoAnswerDelay == 0);
  HookLimits limits;
  limits.maxRunning = size_t(h.maxRunning);
  limits.timeout = std::chrono::seconds(h.timeout);
  runner_.setLimits(limits);
  // Listening only with hooks to run: without listeners the bus does not even build events.
  const bool wanted = !microsip_.empty() || !byEvent_.empty();
  if (wanted && !subscription_) {
    subscription_ = bus_.subscribe([this](const Json &event) { onEvent(event); });
  } else if (!wanted && subscription_) {
    bus_.unsubscribe(subscription_);
    subscription_ = 0;
  }
}

void EventHooks::onEvent(const Json &event) {
  for (std::string_view key : microsipHooksFiredBy(event, incomingCallsRing_))
    for (const auto &[name, command] : microsip_)
      if (name == key) {
        HookContext ctx = hookContextOf(event, name);
        // MicroSIP appends the number to the command line as its last argument.
        std::vector<std::string> argv = expandHookCommand(command, ctx.placeholders);
        argv.push_back(ctx.number);
        runner_.submit(HookJob{name, std::move(argv), std::move(ctx.env)});
      }
  const Json *type = event.find("event");
  if (!type || !type->isString())
    return;
  for (const auto &[name, command] : byEvent_)
    if (name == type->asString()) {
      HookContext ctx = hookContextOf(event, name);
      runner_.submit(
          HookJob{name, expandHookCommand(command, ctx.placeholders), std::move(ctx.env)});
    }
}

} // namespace wisp
