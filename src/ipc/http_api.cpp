#include "ipc/http_api.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace wisp {
namespace {

constexpr size_t kMaxStreams = 16;
constexpr size_t kMaxStreamBacklog = 256 * 1024; // bytes of events a stream may lag behind
constexpr size_t kKernelSendBuffer = 64 * 1024;
constexpr uint64_t kHeartbeatMs = 25000; // keeps proxies from closing idle streams

std::string headerValue(const http_msg &msg, http_hdrid id) {
  const http_hdr *h = http_msg_hdr(&msg, id);
  return h ? fromPl(h->val) : std::string();
}

std::string headerLines(const HttpResponse &response) {
  std::string out;
  for (const auto &[name, value] : response.headers)
    out += name + ": " + value + "\r\n";
  return out;
}

} // namespace

// An event stream: the TCP connection taken over from libre's HTTP server once the response
// head is sent, so the server's idle timer and request parser leave it alone.
struct HttpApi::Stream {
  HttpApi *api = nullptr;
  RePtr<tcp_conn> tc;
};

HttpApi::HttpApi(PhoneControl &phone) : phone_(phone) {}

HttpApi::~HttpApi() {
  stop();
}

Status HttpApi::start(const ApiSettings &api) {
  stop();
  sa addr{};
  if (sa_decode(&addr, api.http.data(), api.http.size()) != 0)
    return makeError("http", "http = " + api.http + " is not IP:PORT");
  http_sock *sock = nullptr;
  if (int err = http_listen(&sock, &addr, &HttpApi::onRequest, this); err != 0)
    return makeError("http", "cannot serve the HTTP API on " + api.http + ": " + strerror(err));
  sock_.reset(sock);
  rules_ = HttpApiRules{api.httpToken, api.httpCorsOrigin};
  tmr_start(
      &heartbeat_, kHeartbeatMs,
      [](void *arg) {
        guardCallback("http heartbeat", [&] { static_cast<HttpApi *>(arg)->heartbeat(); });
      },
      this);
  return Ok{};
}

void HttpApi::stop() {
  tmr_cancel(&heartbeat_);
  streams_.clear();
  sock_.reset();
}

uint16_t HttpApi::port() const {
  sa local{};
  if (!sock_ || tcp_sock_local_get(http_sock_tcp(sock_.get()), &local) != 0)
    return 0;
  return sa_port(&local);
}

void HttpApi::onRequest(http_conn *conn, const http_msg *msg, void *arg) {
  auto *api = static_cast<HttpApi *>(arg);
  bool done = false;
  guardCallback("http request", [&] {
    api->handle(conn, *msg);
    done = true;
  });
  if (!done)
    http_creply(conn, 500, "Internal Server Error", "application/json", "%s",
                R"({"ok":false,"error":{"code":"internal","message":"internal error"}})");
}

void HttpApi::handle(http_conn *conn, const http_msg &msg) {
  HttpRequest request;
  request.method = fromPl(msg.met);
  request.path = fromPl(msg.path);
  request.query = fromPl(msg.prm);
  if (!request.query.empty() && request.query.front() == '?')
    request.query.erase(0, 1);
  request.authorization = headerValue(msg, HTTP_HDR_AUTHORIZATION);
  if (const http_hdr *origin = http_msg_xhdr(&msg, "Origin"))
    request.origin = fromPl(origin->val);
  request.contentLength = msg.clen;
  if (msg.mb && msg.clen <= kMaxHttpBody)
    request.body.assign(reinterpret_cast<const char *>(mbuf_buf(msg.mb)), mbuf_get_left(msg.mb));

  HttpResponse response = routeHttpRequest(phone_, rules_, request);
  if (response.eventStream) {
    if (streams_.size() >= kMaxStreams)
      reply(conn, httpErrorResponse(503, "too_many_streams",
                                    "already " + std::to_string(kMaxStreams) + " event streams"));
    else
      startStream(conn, response);
    return;
  }
  reply(conn, response);
}

void HttpApi::reply(http_conn *conn, const HttpResponse &response) {
  std::string head = headerLines(response);
  if (!response.contentType.empty())
    head += "Content-Type: " + response.contentType + "\r\n";
  head += "Cache-Control: no-store\r\n";
  // A client without the right token gets no kept-alive connection to hold on to (libre
  // keeps an idle one for 10 minutes): the small refusal is sent, then the connection closes.
  const bool refused = response.status == 401 || response.status == 403;
  if (refused)
    head += "Connection: close\r\n";
  head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  head += response.body;
  http_reply(conn, uint16_t(response.status), response.reason.c_str(), "%b", head.data(),
             head.size());
  if (refused)
    http_conn_close(conn);
}

void HttpApi::startStream(http_conn *conn, const HttpResponse &response) {
  tcp_conn *tc = http_conn_tcp(conn);
  if (!tc)
    return;
  // No Content-Length: the body is the stream, until either side closes.
  std::string head = headerLines(response) +
                     "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n\r\n"
                     "retry: 2000\n\n";
  if (http_reply(conn, 200, "OK", "%b", head.data(), head.size()) != 0)
    return;
  auto stream = std::make_unique<Stream>();
  stream->api = this;
  stream->tc.reset(static_cast<tcp_conn *>(mem_ref(tc)));
  tcp_set_handlers(
      tc, nullptr, [](mbuf *, void *) {}, // a client has nothing to say on an event stream
      [](int, void *arg) {
        auto *s = static_cast<Stream *>(arg);
        guardCallback("http stream close", [&] { s->api->drop(s); });
      },
      stream.get());
  tcp_conn_txqsz_set(tc, kMaxStreamBacklog);
  // A fixed kernel buffer: autotuning would let a client that stops reading hold megabytes
  // in the kernel before libre's queue (and so our limit) ever fills.
  const int sendBuffer = int(kKernelSendBuffer);
  setsockopt(tcp_conn_fd(tc), SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
  // The server lets go of the connection (its reference, timer and parser); ours keeps it.
  http_conn_close(conn);
  streams_.push_back(std::move(stream));
}

bool HttpApi::send(Stream &stream, const std::string &text) {
  RePtr<mbuf> mb(mbuf_alloc(text.size()));
  if (!mb ||
      mbuf_write_mem(mb.get(), reinterpret_cast<const uint8_t *>(text.data()), text.size()) != 0)
    return false;
  mb->pos = 0;
  return tcp_send(stream.tc.get(), mb.get()) == 0;
}

void HttpApi::publish(const Json &event) {
  if (streams_.empty())
    return;
  const std::string text = "data: " + event.dump() + "\n\n";
  std::vector<Stream *> lagging;
  for (const auto &s : streams_)
    if (!send(*s, text))
      lagging.push_back(s.get());
  for (Stream *s : lagging) {
    log::warn("http", "closed an event stream that fell behind");
    drop(s);
  }
}

void HttpApi::heartbeat() {
  std::vector<Stream *> dead;
  for (const auto &s : streams_)
    if (!send(*s, ":\n\n"))
      dead.push_back(s.get());
  for (Stream *s : dead)
    drop(s);
  tmr_start(
      &heartbeat_, kHeartbeatMs,
      [](void *arg) {
        guardCallback("http heartbeat", [&] { static_cast<HttpApi *>(arg)->heartbeat(); });
      },
      this);
}

void HttpApi::drop(Stream *stream) {
  std::erase_if(streams_, [&](const auto &s) { return s.get() == stream; });
}

} // namespace wisp
