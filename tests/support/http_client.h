// A raw HTTP/1.1 client on 127.0.0.1 for the phone's HTTP API: one request per connection,
// and a Server-Sent Events stream kept open. Deliberately small and strict, so that the tests
// see exactly what the phone sends.
#pragma once

#include "util/json.h"
#include "util/result.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wisp::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;
  std::string error; // set when there was no complete response

  Json json() const;             // the body parsed, null if it is not JSON
  std::string errorCode() const; // the body's error.code, "" if none
  bool has(const std::string &header) const { return headers.count(header) > 0; }
};

// One request on a new connection; waits up to 5 s for the whole response.
HttpResult httpRequest(uint16_t port, const std::string &method, const std::string &target,
                       const std::vector<std::string> &headers = {}, const std::string &body = "");

// "Authorization: Bearer TOKEN"
std::string bearerHeader(const std::string &token);

// GET of an event stream (/api/v1/events), kept open; events() parses the data: lines so far.
class SseStream {
public:
  SseStream() = default;
  SseStream(const SseStream &) = delete;
  SseStream &operator=(const SseStream &) = delete;
  ~SseStream();
  // receiveBuffer > 0: a small SO_RCVBUF, for a client that stops reading. Returns once the
  // response head is in (whatever its status).
  Status open(uint16_t port, const std::string &target, const std::vector<std::string> &headers,
              int receiveBuffer = 0);
  const HttpResult &head() const { return head_; }
  std::vector<Json> events();
  bool has(const std::string &type);
  const std::string &raw() const { return raw_; }
  // True once the phone has closed the stream (reads everything that is left first).
  bool closedByPeer();

private:
  int fd_ = -1;
  std::string raw_;
  HttpResult head_;
};

} // namespace wisp::test
