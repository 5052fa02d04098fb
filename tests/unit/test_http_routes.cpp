// The HTTP API's rules without sockets: token comparison, header and query parsing, and
// which requests reach the phone at all.
#include "ipc/http_routes.h"
#include "support/scripted_phone.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

TEST(HttpTokens, EqualOnlyWhenIdentical) {
  EXPECT_TRUE(tokensEqual("s3cret", "s3cret"));
  EXPECT_FALSE(tokensEqual("s3cret", "s3cre"));
  EXPECT_FALSE(tokensEqual("s3cret", "s3cret "));
  EXPECT_FALSE(tokensEqual("s3cret", "S3cret"));
  EXPECT_FALSE(tokensEqual("", "x"));
  EXPECT_TRUE(tokensEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(tokensEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(HttpTokens, BearerHeader) {
  EXPECT_EQ(bearerToken("Bearer abc"), "abc");
  EXPECT_EQ(bearerToken("bearer   abc  "), "abc");
  EXPECT_EQ(bearerToken("BEARER abc"), "abc");
  EXPECT_EQ(bearerToken("Basic YWJj"), std::nullopt);
  EXPECT_EQ(bearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(bearerToken("Bearer    "), std::nullopt);
  EXPECT_EQ(bearerToken(""), std::nullopt);
}

TEST(HttpQuery, ParametersArePercentDecoded) {
  EXPECT_EQ(queryParameter("token=abc", "token"), "abc");
  EXPECT_EQ(queryParameter("a=1&token=x%2By%20z+w", "token"), "x+y z w");
  EXPECT_EQ(queryParameter("tokenx=1&token=", "token"), "");
  EXPECT_EQ(queryParameter("a=1", "token"), std::nullopt);
  EXPECT_EQ(queryParameter("", "token"), std::nullopt);
  EXPECT_EQ(queryParameter("token=%2", "token"), std::nullopt);
  EXPECT_EQ(queryParameter("token=%zz", "token"), std::nullopt);
  EXPECT_EQ(queryParameter("token=%", "token"), std::nullopt);
}

TEST(HttpStatus, ForEachKindOfError) {
  EXPECT_EQ(httpStatusFor("bad_json"), 400);
  EXPECT_EQ(httpStatusFor("unknown_command"), 400);
  EXPECT_EQ(httpStatusFor("missing_argument"), 400);
  EXPECT_EQ(httpStatusFor("no_such_call"), 404);
  EXPECT_EQ(httpStatusFor("no_such_account"), 404);
  EXPECT_EQ(httpStatusFor("no_call"), 409);
  EXPECT_EQ(httpStatusFor("shutting_down"), 409);
  EXPECT_EQ(httpStatusFor("not_available"), 501);
}

// A phone that must never be reached by the requests these tests send.
ScriptedPhone untouchablePhone() {
  return ScriptedPhone([] { return Result<Reply>(makeError("not_available", "untouchable")); },
                       Json::object().set("calls", Json::array()));
}

HttpRequest req(std::string method, std::string path, std::string auth = "Bearer t0k",
                std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.authorization = std::move(auth);
  r.body = std::move(body);
  r.contentLength = r.body.size();
  return r;
}

const HttpApiRules kRules{"t0k", ""};

TEST(HttpRoutes, NothingReachesThePhoneWithoutTheToken) {
  ScriptedPhone phone = untouchablePhone();
  for (const char *path : {"/api/v1/dial", "/api/v1/command", "/api/v1/hangup"}) {
    EXPECT_EQ(routeHttpRequest(phone, kRules, req("POST", path, "", "{}")).status, 401);
    EXPECT_EQ(routeHttpRequest(phone, kRules, req("POST", path, "Bearer no", "{}")).status, 403);
  }
  HttpRequest viaQuery = req("POST", "/api/v1/dial", "", R"({"target":"1"})");
  viaQuery.query = "token=t0k";
  EXPECT_EQ(routeHttpRequest(phone, kRules, viaQuery).status, 401);
  EXPECT_EQ(phone.calls, 0);
}

TEST(HttpRoutes, EventsTakeTheTokenInTheQuery) {
  ScriptedPhone phone = untouchablePhone();
  HttpRequest r = req("GET", "/api/v1/events", "");
  r.query = "token=t0k";
  HttpResponse ok = routeHttpRequest(phone, kRules, r);
  EXPECT_TRUE(ok.eventStream);
  r.query = "token=bad";
  EXPECT_FALSE(routeHttpRequest(phone, kRules, r).eventStream);
}

TEST(HttpRoutes, MethodsPathsAndSizes) {
  ScriptedPhone phone = untouchablePhone();
  EXPECT_EQ(routeHttpRequest(phone, kRules, req("GET", "/api/v1/state")).status, 200);
  EXPECT_EQ(routeHttpRequest(phone, kRules, req("POST", "/api/v1/state")).status, 405);
  EXPECT_EQ(routeHttpRequest(phone, kRules, req("GET", "/api/v1/dial")).status, 405);
  EXPECT_EQ(routeHttpRequest(phone, kRules, req("GET", "/api/v2/state")).status, 404);
  EXPECT_EQ(routeHttpRequest(phone, kRules, req("GET", "/api/v1/../v1/state")).status, 404);
  HttpRequest big = req("POST", "/api/v1/command", "Bearer t0k", "{}");
  big.contentLength = kMaxHttpBody + 1;
  EXPECT_EQ(routeHttpRequest(phone, kRules, big).status, 413);
  for (const char *body : {"{", "[]", "null", "{\"argv\":[true]}", "{\"call\": 1.5}"}) {
    HttpResponse r =
        routeHttpRequest(phone, kRules, req("POST", "/api/v1/command", "Bearer t0k", body));
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
  }
  EXPECT_EQ(phone.calls, 0);
  // A well-formed request reaches the phone and its error comes back with our code.
  HttpResponse r = routeHttpRequest(phone, kRules,
                                    req("POST", "/api/v1/dial", "Bearer t0k", R"({"target":"1"})"));
  EXPECT_EQ(r.status, 501);
  EXPECT_NE(r.body.find("not_available"), std::string::npos);
  EXPECT_EQ(phone.calls, 1);
}

TEST(HttpRoutes, CorsHeadersOnlyForTheConfiguredOrigin) {
  ScriptedPhone phone = untouchablePhone();
  HttpRequest r = req("GET", "/api/v1/state");
  r.origin = "https://crm.example.com";
  auto has = [](const HttpResponse &resp, const std::string &name) {
    for (const auto &[n, v] : resp.headers)
      if (n == name)
        return true;
    return false;
  };
  EXPECT_FALSE(has(routeHttpRequest(phone, kRules, r), "Access-Control-Allow-Origin"));
  HttpApiRules cors{"t0k", "https://crm.example.com"};
  EXPECT_TRUE(has(routeHttpRequest(phone, cors, r), "Access-Control-Allow-Origin"));
  r.origin = "https://other.example.com";
  EXPECT_FALSE(has(routeHttpRequest(phone, cors, r), "Access-Control-Allow-Origin"));
  HttpRequest preflight = req("OPTIONS", "/api/v1/dial", "");
  preflight.origin = "https://crm.example.com";
  EXPECT_EQ(routeHttpRequest(phone, cors, preflight).status, 204);
  EXPECT_EQ(routeHttpRequest(phone, kRules, preflight).status, 401);
}

} // namespace
} // namespace wisp
