// The HTTP API: a raw HTTP/1.1 client on 127.0.0.1 against the phone's REST endpoints and
// its Server-Sent Events stream, with a second phone as the far end of the calls.
#include "support/http_client.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

constexpr const char *kToken = "s3cret-t0ken-for-tests";

std::string bearer(const std::string &token = kToken) {
  return bearerHeader(token);
}

HttpResult post(uint16_t port, const std::string &path, const std::string &body) {
  return httpRequest(port, "POST", path, {bearer(), "Content-Type: application/json"}, body);
}

struct HttpPhone {
  WispPhone phone;
  uint16_t port = 0;

  Status start(const std::filesystem::path &dir, std::vector<std::string> extraApi = {}) {
    port = freeUdpTcpPort();
    WispPhone::Options o;
    o.name = "http";
    o.env = {{"DBUS_SESSION_BUS_ADDRESS", ""}};
    o.extraIni = {"[Api]", "dbus=off", "http=127.0.0.1:" + std::to_string(port),
                  std::string("httpToken=") + kToken};
    o.extraIni.insert(o.extraIni.end(), extraApi.begin(), extraApi.end());
    return phone.start(o, dir);
  }
};

TEST(HttpApi, TokensMethodsAndBadRequests) {
  TempDir dir("http");
  HttpPhone api;
  ASSERT_TRUE(api.start(dir / "phone").ok());
  const uint16_t port = api.port;

  auto none = httpRequest(port, "GET", "/api/v1/state");
  EXPECT_EQ(none.status, 401) << none.error << none.body;
  EXPECT_EQ(none.errorCode(), "unauthorized");
  EXPECT_TRUE(none.has("www-authenticate"));
  auto wrong = httpRequest(port, "GET", "/api/v1/state", {bearer("nope")});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  auto prefix =
      httpRequest(port, "GET", "/api/v1/state", {bearer(std::string(kToken).substr(0, 5))});
  EXPECT_EQ(prefix.status, 403) << prefix.body;
  // ?token= is for the event stream only.
  auto inUrl = httpRequest(port, "GET", std::string("/api/v1/state?token=") + kToken);
  EXPECT_EQ(inUrl.status, 401) << inUrl.body;

  auto state = httpRequest(port, "GET", "/api/v1/state", {bearer()});
  ASSERT_EQ(state.status, 200) << state.error << state.body;
  EXPECT_EQ(state.headers["content-type"], "application/json");
  ASSERT_NE(state.json().find("calls"), nullptr) << state.body;
  EXPECT_FALSE(state.has("access-control-allow-origin")); // no CORS unless configured

  EXPECT_EQ(httpRequest(port, "GET", "/api/v1/nothing", {bearer()}).status, 404);
  EXPECT_EQ(httpRequest(port, "GET", "/", {bearer()}).status, 404);
  auto getCommand = httpRequest(port, "GET", "/api/v1/command", {bearer()});
  EXPECT_EQ(getCommand.status, 405);
  EXPECT_EQ(getCommand.headers["allow"], "POST");
  EXPECT_EQ(httpRequest(port, "OPTIONS", "/api/v1/state", {bearer()}).status, 405);

  for (const char *bad : {"{", "{\"argv\": [1, 2]}", "[1]", "\"x\"", "{\"argv\": \"status\"}",
                          "\xff\xfe", "{\"command\": 5}"}) {
    auto r = post(port, "/api/v1/command", bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_FALSE(r.errorCode().empty()) << r.body;
  }
  auto unknown = post(port, "/api/v1/command", R"({"argv": ["frobnicate"]})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.errorCode(), "unknown_command") << unknown.body;
  auto big = post(port, "/api/v1/command",
                  R"({"command": "status", "pad": ")" + std::string(100 * 1024, 'x') + "\"}");
  EXPECT_EQ(big.status, 413) << big.error << big.body.substr(0, 200);
  EXPECT_EQ(big.errorCode(), "too_large");
  auto noCall = post(port, "/api/v1/answer", "");
  EXPECT_EQ(noCall.status, 409) << noCall.body;
  EXPECT_EQ(noCall.errorCode(), "no_call");
  EXPECT_EQ(post(port, "/api/v1/hangup", R"({"call": 99})").status, 404);
  EXPECT_EQ(post(port, "/api/v1/dial", "{}").errorCode(), "missing_argument");

  // Every command of the language through /command: 200 with a result, or its error code
  // with the matching status (no calls and no accounts here, so some must fail).
  struct Case {
    std::vector<std::string> argv;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{"status"}, 200, ""},
      {{"status", "--json"}, 200, ""},
      {{"help"}, 200, ""},
      {{"help", "dial"}, 200, ""},
      {{"reload"}, 200, ""},
      {{"answer"}, 409, "no_call"},
      {{"hangup"}, 409, "no_call"},
      {{"hangup", "--all"}, 200, ""},
      {{"dtmf", "1"}, 409, "no_call"},
      {{"register"}, 409, "no_account"},
      {{"unregister"}, 409, "no_account"},
      {{"hold"}, 501, "not_available"},
      {{"dial"}, 400, "missing_argument"},
  };
  for (const Case &c : cases) {
    Json argv = Json::array();
    for (const auto &w : c.argv)
      argv.push(w);
    auto r = post(port, "/api/v1/command", Json::object().set("argv", argv).dump());
    EXPECT_EQ(r.status, c.status) << c.argv[0] << ": " << r.body;
    EXPECT_EQ(r.errorCode(), c.code) << c.argv[0] << ": " << r.body;
    if (c.status == 200) {
      EXPECT_NE(r.json().find("result"), nullptr) << r.body;
    }
  }

  // After all that, the phone is fine and still serves.
  EXPECT_TRUE(api.phone.status().ok());
  EXPECT_EQ(httpRequest(port, "GET", "/api/v1/state", {bearer()}).status, 200);
  // And `exit` stops it.
  EXPECT_EQ(post(port, "/api/v1/command", R"({"command": "exit"})").status, 200);
  EXPECT_TRUE(api.phone.process().waitFor(5s).has_value());
}

TEST(HttpApi, ClickToDialAndWatchTheCall) {
  TempDir dir("http-call");
  HttpPhone api;
  ASSERT_TRUE(api.start(dir / "alice").ok());
  WispPhone bob;
  WispPhone::Options bobOptions;
  bobOptions.name = "bob";
  ASSERT_TRUE(bob.start(bobOptions, dir / "bob").ok());
  const uint16_t port = api.port;

  SseStream stream; // the way EventSource does it: the token in the URL
  ASSERT_TRUE(stream.open(port, std::string("/api/v1/events?token=") + kToken, {}).ok())
      << stream.raw();
  EXPECT_EQ(stream.head().status, 200);
  EXPECT_EQ(stream.head().headers.at("content-type"), "text/event-stream");
  SseStream denied;
  ASSERT_TRUE(denied.open(port, "/api/v1/events?token=wrong", {}).ok());
  EXPECT_EQ(denied.head().status, 403);

  auto dialed = post(port, "/api/v1/dial", R"({"target": ")" + bob.uri("bob") + R"("})");
  ASSERT_EQ(dialed.status, 200) << dialed.body;
  ASSERT_TRUE(dialed.json().find("ok")->asBool());
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s)) << bob.logText();
  ASSERT_TRUE(bob.command("answer").ok());
  ASSERT_TRUE(api.phone.waitForCallState("established", 5s));

  auto state = httpRequest(port, "GET", "/api/v1/state", {bearer()});
  ASSERT_EQ(state.json().find("calls")->asArray().size(), 1u) << state.body;
  EXPECT_EQ(post(port, "/api/v1/dtmf", R"({"digits": "42"})").status, 200);
  EXPECT_TRUE(waitUntil(
      [&] {
        auto calls = bob.calls();
        return !calls.empty() && jsonString(calls[0], "dtmf_received") == "42";
      },
      5s));
  auto status = post(port, "/api/v1/command", R"({"argv": ["status", "--json"]})");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_NE(status.json().find("result")->find("data")->find("calls"), nullptr);
  EXPECT_EQ(post(port, "/api/v1/hangup", "{}").status, 200);
  ASSERT_TRUE(bob.waitForNoCalls(5s));

  // The other way round: answer over HTTP, then hang up everything with a command line.
  ASSERT_TRUE(bob.command("dial", api.phone.uri("alice")).ok());
  ASSERT_TRUE(api.phone.waitForCallState("ringing", 5s));
  EXPECT_EQ(post(port, "/api/v1/answer", R"({"call": null})").status, 200);
  ASSERT_TRUE(bob.waitForCallState("established", 5s));
  EXPECT_EQ(post(port, "/api/v1/command", R"({"command": "hangup --all"})").status, 200);
  ASSERT_TRUE(bob.waitForNoCalls(5s));

  ASSERT_TRUE(waitUntil([&] { return stream.has("call.ended"); }, 5s)) << stream.raw();
  for (const char *type : {"call.outgoing", "call.state", "call.incoming", "call.ended"})
    EXPECT_TRUE(stream.has(type)) << type << "\n" << stream.raw();
  EXPECT_EQ(api.phone.stop(), 0) << api.phone.logText();
}

TEST(HttpApi, AStreamThatStopsReadingIsClosedAndOthersGoOn) {
  TempDir dir("http-lag");
  HttpPhone api;
  ASSERT_TRUE(api.start(dir / "phone").ok());
  WispPhone bob; // a far end that answers at once, so hung-up calls end cleanly
  ASSERT_TRUE(bob.start({}, dir / "bob").ok());
  const uint16_t port = api.port;
  SseStream stalled, reader;
  ASSERT_TRUE(stalled.open(port, "/api/v1/events", {bearer()}, 4096).ok());
  ASSERT_TRUE(reader.open(port, "/api/v1/events", {bearer()}).ok());

  // Calls hung up at once, each an outgoing and an ended event (~5 KB with this long name),
  // until the stalled stream's 256 KiB backlog (plus 64 KiB in the kernel) overflows.
  const std::string dial = R"({"target": ")" + bob.uri(std::string(1000, 'n')) + R"("})";
  bool dropped = false;
  for (int i = 0; i < 3000 && !dropped; ++i) {
    ASSERT_EQ(post(port, "/api/v1/dial", dial).status, 200) << api.phone.logText();
    ASSERT_EQ(post(port, "/api/v1/hangup", R"({"all": true})").status, 200);
    if (i % 10 == 9) {
      reader.events(); // keep this one drained
      dropped = readFileTail(api.phone.logPath()).find("fell behind") != std::string::npos;
    }
  }
  ASSERT_TRUE(dropped) << api.phone.logText();
  EXPECT_TRUE(stalled.closedByPeer());
  // The reader still gets new events.
  const size_t before = reader.events().size();
  ASSERT_EQ(post(port, "/api/v1/dial", dial).status, 200);
  EXPECT_TRUE(waitUntil([&] { return reader.events().size() > before; }, 5s));
  EXPECT_EQ(post(port, "/api/v1/hangup", R"({"all": true})").status, 200);
  EXPECT_TRUE(api.phone.running());
  EXPECT_EQ(httpRequest(port, "GET", "/api/v1/state", {bearer()}).status, 200);
  EXPECT_EQ(api.phone.stop(), 0) << api.phone.logText(); // with a stream still open
}

TEST(HttpApi, CorsOnlyForTheConfiguredOrigin) {
  TempDir dir("http-cors");
  HttpPhone api;
  ASSERT_TRUE(api.start(dir / "phone", {"httpCorsOrigin=https://crm.example.com"}).ok());
  const uint16_t port = api.port;

  auto preflight =
      httpRequest(port, "OPTIONS", "/api/v1/dial",
                  {"Origin: https://crm.example.com", "Access-Control-Request-Method: POST",
                   "Access-Control-Request-Headers: authorization, content-type"});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], "https://crm.example.com");
  EXPECT_NE(preflight.headers["access-control-allow-headers"].find("Authorization"),
            std::string::npos);
  EXPECT_NE(preflight.headers["access-control-allow-methods"].find("POST"), std::string::npos);

  auto state =
      httpRequest(port, "GET", "/api/v1/state", {bearer(), "Origin: https://crm.example.com"});
  EXPECT_EQ(state.status, 200);
  EXPECT_EQ(state.headers["access-control-allow-origin"], "https://crm.example.com");
  auto other =
      httpRequest(port, "GET", "/api/v1/state", {bearer(), "Origin: https://evil.example"});
  EXPECT_EQ(other.status, 200);
  EXPECT_FALSE(other.has("access-control-allow-origin"));
  // A preflight does not open the API: the real request still needs the token.
  EXPECT_EQ(httpRequest(port, "GET", "/api/v1/state", {"Origin: https://crm.example.com"}).status,
            401);
}

TEST(HttpApi, HttpWithoutATokenDoesNotStart) {
  TempDir dir("http-cfg");
  WispPhone phone;
  WispPhone::Options o;
  o.extraIni = {"[Api]", "dbus=off", "http=127.0.0.1:" + std::to_string(freeUdpTcpPort())};
  Status s = phone.start(o, dir / "phone");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("wisp.ini:"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("httpToken"), std::string::npos) << s.error().message;
}

} // namespace
} // namespace wisp::test
