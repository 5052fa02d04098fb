#include "ipc/http_routes.h"

#include "control/api_call.h"

#include "util/text.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>

namespace wisp {
namespace {

constexpr std::string_view kPrefix = "/api/v1/";

std::string reasonFor(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 409:
    return "Conflict";
  case 413:
    return "Content Too Large";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  default:
    return "Internal Server Error";
  }
}

HttpResponse jsonResponse(int status, const Json &body) {
  HttpResponse r;
  r.status = status;
  r.reason = reasonFor(status);
  r.body = body.dump();
  return r;
}

} // namespace

HttpResponse httpErrorResponse(int status, std::string code, std::string message) {
  return jsonResponse(
      status,
      Json::object()
          .set("ok", false)
          .set("error",
               Json::object().set("code", std::move(code)).set("message", std::move(message))));
}

namespace {

HttpResponse errorResponse(int status, std::string code, std::string message) {
  return httpErrorResponse(status, std::move(code), std::move(message));
}

HttpResponse commandResponse(const Result<Reply> &result) {
  if (!result)
    return errorResponse(httpStatusFor(result.error().code), result.error().code,
                         result.error().message);
  return jsonResponse(200, Json::object().set("ok", true).set("result", resultJson(*result)));
}

// The JSON object a POST carries; an empty body counts as {}.
Result<Json> bodyObject(const HttpRequest &request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return Json::object();
  auto json = Json::parse(request.body, ParseLimits{.maxDepth = 16, .maxSize = kMaxHttpBody});
  if (!json)
    return makeError("bad_json", json.error().message);
  if (!json->isObject())
    return makeError("bad_request", "the body must be a JSON object");
  return json;
}

// An optional member as a command word: a string as is, an integer in decimal.
Result<std::optional<std::string>> word(const Json &body, std::string_view key) {
  const Json *v = body.find(key);
  if (!v || v->isNull())
    return std::optional<std::string>();
  if (v->isString())
    return std::optional<std::string>(v->asString());
  if (auto n = v->asInt())
    return std::optional<std::string>(std::to_string(*n));
  return makeError("bad_request", "\"" + std::string(key) + "\" must be a string or an integer");
}

// POST /api/v1/command: {"argv": [...]} or {"command": "one line"}.
Result<Reply> runCommandBody(PhoneControl &phone, const Json &body) {
  const Json *argv = body.find("argv");
  const Json *line = body.find("command");
  if (argv && argv->isArray()) {
    std::vector<std::string> words;
    for (const Json &w : argv->asArray()) {
      if (!w.isString())
        return makeError("bad_request", "every element of \"argv\" must be a string");
      words.push_back(w.asString());
    }
    return executeArgv(phone, words);
  }
  if (line && line->isString())
    return executeLine(phone, line->asString());
  return makeError("bad_request",
                   "a command needs \"argv\" (an array of strings) or \"command\" (a string)");
}

// The words of the other POST /api/v1/<action> requests, as the command language spells them.
Result<std::vector<std::string>> actionArgv(std::string_view action, const Json &body) {
  auto call = word(body, "call");
  if (!call)
    return call.error();
  if (action == "dial") {
    auto target = word(body, "target");
    auto account = word(body, "account");
    if (!target)
      return target.error();
    if (!account)
      return account.error();
    if (!*target)
      return makeError("missing_argument", "dial needs \"target\": a number or SIP address");
    std::vector<std::string> argv{"dial"};
    if (*account)
      argv.push_back("--account=" + **account);
    argv.push_back(**target);
    return argv;
  }
  if (action == "answer" || action == "hangup") {
    std::vector<std::string> argv{std::string(action)};
    const Json *all = body.find("all");
    if (action == "hangup" && all && all->isBool() && all->asBool())
      argv.push_back("--all");
    else if (*call)
      argv.push_back(**call);
    return argv;
  }
  if (action == "dtmf") {
    auto digits = word(body, "digits");
    if (!digits)
      return digits.error();
    if (!*digits)
      return makeError("missing_argument", "dtmf needs \"digits\", e.g. \"123#\"");
    std::vector<std::string> argv{"dtmf", **digits};
    if (*call)
      argv.push_back(**call);
    return argv;
  }
  return makeError("not_found", "no such endpoint");
}

bool isAction(std::string_view name) {
  for (std::string_view a : {"command", "dial", "answer", "hangup", "dtmf"})
    if (name == a)
      return true;
  return false;
}

void addCors(const HttpApiRules &rules, const HttpRequest &request, HttpResponse &response) {
  if (rules.corsOrigin.empty() || request.origin.empty())
    return;
  if (rules.corsOrigin != "*" && request.origin != rules.corsOrigin)
    return;
  response.headers.emplace_back("Access-Control-Allow-Origin",
                                rules.corsOrigin == "*" ? std::string("*") : request.origin);
  response.headers.emplace_back("Vary", "Origin");
}

HttpResponse route(PhoneControl &phone, const HttpApiRules &rules, const HttpRequest &request) {
  if (!request.path.starts_with(kPrefix))
    return errorResponse(404, "not_found", "no such endpoint; the API lives under /api/v1/");
  const std::string_view name = std::string_view(request.path).substr(kPrefix.size());
  const bool known = name == "state" || name == "events" || isAction(name);

  // A browser's CORS preflight carries no credentials.
  if (request.method == "OPTIONS" && known && !rules.corsOrigin.empty()) {
    HttpResponse r;
    r.status = 204;
    r.reason = reasonFor(204);
    r.contentType.clear();
    r.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                 {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                 {"Access-Control-Max-Age", "600"}};
    return r;
  }

  // Only the event stream takes ?token=: EventSource cannot set headers, and tokens in URLs
  // end up in logs, so nothing else accepts them.
  std::optional<std::string> token = bearerToken(request.authorization);
  if (!token && name == "events" && request.authorization.empty())
    token = queryParameter(request.query, "token");
  if (!token) {
    HttpResponse r =
        errorResponse(401, "unauthorized", "send the API token as \"Authorization: Bearer TOKEN\"");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"wisp\"");
    return r;
  }
  if (!tokensEqual(*token, rules.token))
    return errorResponse(403, "forbidden", "wrong API token");

  if (!known)
    return errorResponse(404, "not_found", "no such endpoint: " + request.path);
  const bool get = name == "state" || name == "events";
  if (request.method != (get ? "GET" : "POST")) {
    HttpResponse r =
        errorResponse(405, "method_not_allowed", request.path + " takes " + (get ? "GET" : "POST"));
    r.headers.emplace_back("Allow", get ? "GET" : "POST");
    return r;
  }
  if (request.contentLength > kMaxHttpBody || request.body.size() > kMaxHttpBody)
    return errorResponse(413, "too_large",
                         "the body is larger than " + std::to_string(kMaxHttpBody) + " bytes");
  if (name == "state")
    return jsonResponse(200, phone.snapshot());
  if (name == "events") {
    HttpResponse r;
    r.eventStream = true;
    r.contentType = "text/event-stream";
    return r;
  }

  auto body = bodyObject(request);
  if (!body)
    return errorResponse(400, body.error().code, body.error().message);
  if (name == "command")
    return commandResponse(runCommandBody(phone, *body));
  auto argv = actionArgv(name, *body);
  if (!argv)
    return commandResponse(argv.error());
  return commandResponse(executeArgv(phone, *argv));
}

} // namespace

HttpResponse routeHttpRequest(PhoneControl &phone, const HttpApiRules &rules,
                              const HttpRequest &request) {
  HttpResponse response = route(phone, rules, request);
  addCors(rules, request, response);
  return response;
}

bool tokensEqual(std::string_view a, std::string_view b) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> ha{}, hb{};
  SHA256(reinterpret_cast<const unsigned char *>(a.data()), a.size(), ha.data());
  SHA256(reinterpret_cast<const unsigned char *>(b.data()), b.size(), hb.data());
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

std::optional<std::string> bearerToken(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size())
    return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z')
      c = char(c - 'A' + 'a');
    if (c != scheme[i])
      return std::nullopt;
  }
  std::string_view token = authorization.substr(scheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
    token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
    token.remove_suffix(1);
  if (token.empty())
    return std::nullopt;
  return std::string(token);
}

std::optional<std::string> queryParameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name)
      continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string value;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        value += ' ';
      } else if (raw[i] == '%') {
        if (i + 2 >= raw.size())
          return std::nullopt;
        const int hi = hexDigitValue(raw[i + 1]), lo = hexDigitValue(raw[i + 2]);
        if (hi < 0 || lo < 0)
          return std::nullopt;
        value += char(hi * 16 + lo);
        i += 2;
      } else {
        value += raw[i];
      }
    }
    return value;
  }
  return std::nullopt;
}

int httpStatusFor(std::string_view code) {
  for (std::string_view c : {"bad_json", "bad_request", "bad_argument", "missing_argument",
                             "too_many_arguments", "unknown_command"})
    if (code == c)
      return 400;
  if (code == "not_found" || code.starts_with("no_such_"))
    return 404;
  if (code == "not_available")
    return 501;
  return 409;
}

} // namespace wisp
