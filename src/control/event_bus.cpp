#include "control/event_bus.h"

#include <array>
#include <chrono>
#include <vector>

namespace wisp {

std::span<const std::string_view> publishedEventTypes() {
  static constexpr std::array<std::string_view, 7> kTypes{
      "call.incoming", "call.outgoing", "call.state",  "call.media",
      "call.dtmf",     "call.ended",    "registration"};
  return kTypes;
}

int EventBus::subscribe(Listener listener) {
  listeners_[nextId_] = std::move(listener);
  return nextId_++;
}

void EventBus::unsubscribe(int id) { listeners_.erase(id); }

void EventBus::publish(const std::string &type, const Json &data) {
  if (listeners_.empty())
    return;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  Json event = Json::object();
  event.set("event", type);
  event.set("time", int64_t(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
  if (data.isObject())
    for (const auto &[key, value] : data.asObject())
      event.set(key, value);
  // A listener may unsubscribe (a client dropped) while we deliver.
  std::vector<int> ids;
  for (const auto &[id, _] : listeners_)
    ids.push_back(id);
  for (int id : ids)
    if (auto it = listeners_.find(id); it != listeners_.end())
      it->second(event);
}

} // namespace wisp
