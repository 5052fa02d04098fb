// The phone's private control socket: a Unix stream socket in a 0700 folder, mode 0600,
// that only processes of the same user may use (checked with SO_PEERCRED). Each line a
// client sends is one JSON request; each reply is one JSON line. Runs in the loop thread.
#pragma once

#include "util/json.h"
#include "util/result.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wisp {

class ControlServer {
public:
  using RequestHandler = std::function<Json(const Json &request)>;

  ControlServer();
  ~ControlServer();
  ControlServer(const ControlServer &) = delete;
  ControlServer &operator=(const ControlServer &) = delete;

  // Fails if another phone already answers on this path; removes a stale socket file.
  Status listen(const std::filesystem::path &socketPath, RequestHandler handler);
  void close();

  size_t clientCount() const { return clients_.size(); }

  // Sends an event line to every client that asked for events ({"method": "subscribe"}).
  // A client that falls too far behind gets a final error event and is dropped, so a slow
  // reader never holds the phone up.
  void broadcast(const Json &event);

private:
  struct Client;
  void acceptClient();
  static void onFdEvent(int flags, void *arg);
  bool isClient(const Client *client) const;
  void onClientEvent(Client &client, int flags);
  void handleLine(Client &client, std::string_view line);
  void send(Client &client, const std::string &line);
  void flush(Client &client);
  void drop(Client &client);

  int listenFd_ = -1;
  std::filesystem::path path_;
  RequestHandler handler_;
  std::vector<std::unique_ptr<Client>> clients_;
};

} // namespace wisp
