// The HTTP API ([Api] http=IP:PORT): the command language as REST plus a Server-Sent Events
// stream of the phone's events, on libre's HTTP server in the loop thread. The rules
// (tokens, routes, CORS) are in http_routes.h; this is the socket side.
#pragma once

#include "config/settings.h"
#include "control/phone_control.h"
#include "ipc/http_routes.h"
#include "util/json.h"
#include "util/re_ptr.h"
#include "util/result.h"

#include <re.h>

#include <memory>
#include <vector>

namespace wisp {

class HttpApi {
public:
  explicit HttpApi(PhoneControl &phone);
  ~HttpApi();
  HttpApi(const HttpApi &) = delete;
  HttpApi &operator=(const HttpApi &) = delete;

  // Listens on api.http (validated by the settings loader). Error code "http".
  Status start(const ApiSettings &api);
  void stop();
  uint16_t port() const;
  size_t streamCount() const { return streams_.size(); }

  // Sends `data: EVENT-JSON` to every event stream. A stream whose client reads too slowly
  // (more than kMaxStreamBacklog bytes waiting) is closed; EventSource reconnects by itself.
  void publish(const Json &event);

private:
  struct Stream;
  static void onRequest(http_conn *conn, const http_msg *msg, void *arg);
  void handle(http_conn *conn, const http_msg &msg);
  void reply(http_conn *conn, const HttpResponse &response);
  void startStream(http_conn *conn, const HttpResponse &response);
  bool send(Stream &stream, const std::string &text);
  void drop(Stream *stream);
  void heartbeat();

  PhoneControl &phone_;
  HttpApiRules rules_;
  RePtr<http_sock> sock_;
  std::vector<std::unique_ptr<Stream>> streams_;
  tmr heartbeat_{};
};

} // namespace wisp
