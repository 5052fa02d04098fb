// The HTTP API's rules, apart from sockets: authentication, routing, CORS and the JSON
// replies (docs/api.md, "HTTP API v1"). http_api.cpp feeds it requests from libre's server.
#pragma once

#include "control/phone_control.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wisp {

inline constexpr size_t kMaxHttpBody = 64 * 1024;

struct HttpRequest {
  std::string method;        // "GET"
  std::string path;          // "/api/v1/state"
  std::string query;         // after the "?", without it
  std::string authorization; // the Authorization header, "" if absent
  std::string origin;        // the Origin header, "" if absent
  std::string body;
  size_t contentLength = 0; // as announced (the body may be cut short by a limit)
};

struct HttpResponse {
  int status = 200;
  std::string reason = "OK";
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers; // extra headers
  bool eventStream = false; // authorised GET /api/v1/events: the caller starts the stream
};

struct HttpApiRules {
  std::string token;
  std::string corsOrigin; // "" = no CORS headers; "*" = any origin
};

// Decides the reply. Commands run against `phone`; the event stream is only flagged.
HttpResponse routeHttpRequest(PhoneControl &phone, const HttpApiRules &rules,
                              const HttpRequest &request);

// {"ok": false, "error": {"code", "message"}} with that status.
HttpResponse httpErrorResponse(int status, std::string code, std::string message);

// Equal, in a time that depends on neither content nor length (both are hashed first).
bool tokensEqual(std::string_view a, std::string_view b);

// "Bearer TOKEN" -> TOKEN (scheme case-insensitive); nullopt for anything else.
std::optional<std::string> bearerToken(std::string_view authorization);

// The percent-decoded value of name=... in "a=1&token=x%2By"; nullopt if absent or malformed.
std::optional<std::string> queryParameter(std::string_view query, std::string_view name);

// Our stable error codes as HTTP statuses: 400 bad input, 404 no such thing, 409 the phone's
// state does not allow it, 501 not available in this version.
int httpStatusFor(std::string_view errorCode);

} // namespace wisp
