// What happens in the phone, as JSON events for other programs: the control socket's
// subscribers, D-Bus signals and the HTTP event stream (hooks later). Loop thread only.
#pragma once

#include "util/json.h"

#include <functional>
#include <map>
#include <string>

namespace wisp {

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
