// What happens in the phone, as JSON events for other programs: the control socket's
// subscribers, D-Bus signals and the HTTP event stream (hooks later). Loop thread only.
#pragma once

#include "util/json.h"

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace wisp {

// Every event type the phone publishes (docs/api.md), e.g. for [Hooks] to check its keys.
std::span<const std::string_view> publishedEventTypes();

class EventBus {
public:
  using Listener = std::function<void(const Json &event)>;

  int subscribe(Listener listener);
  void unsubscribe(int id);
  // Sends {"event": type, "time": unix milliseconds, ...data's members} to every listener.
  void publish(const std::string &type, const Json &data);

private:
  std::map<int, Listener> listeners_;
  int nextId_ = 1;
};

} // namespace wisp
