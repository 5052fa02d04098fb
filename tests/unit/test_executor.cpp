#include "control/executor.h"
#include "support/scripted_phone.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

// Found by fuzz/fuzz_handle_request: members missing from a snapshot read as 0 or "".
TEST(FormatStatus, SurvivesSnapshotsWithMissingMembers) {
  auto snap = Json::parse(R"({"calls":[{}, {"id":"x","duration":"1"}],"accounts":[{}],
                              "listen":[{}], "pid":"no"})");
  ASSERT_TRUE(snap.ok());
  const std::string text = formatStatus(*snap);
  EXPECT_NE(text.find("pid 0"), std::string::npos) << text;
  EXPECT_NE(text.find("account 0"), std::string::npos) << text;
  EXPECT_NE(text.find("call 0"), std::string::npos) << text;
  EXPECT_EQ(formatStatus(Json()), "Wisp , pid 0\n  no calls");
}

TEST(HandleRequest, BadRequestsGetStableCodes) {
  ScriptedPhone phone(
      [] { return Result<Reply>(makeError("unexpected", "the phone was called")); });
  auto code = [&](const char *request) {
    auto json = Json::parse(request);
    EXPECT_TRUE(json.ok()) << request;
    const Json reply = handleRequest(phone, *json);
    const Json *error = reply.find("error");
    return error && error->find("code") ? error->find("code")->asString() : std::string("ok");
  };
  EXPECT_EQ(code(R"({"id":1})"), "bad_request");
  EXPECT_EQ(code(R"({"id":1,"argv":"dial"})"), "bad_request");
  EXPECT_EQ(code(R"({"id":1,"argv":[1]})"), "bad_request");
  EXPECT_EQ(code(R"({"id":1,"argv":[]})"), "missing_argument");
  EXPECT_EQ(code(R"({"id":1,"argv":["frobnicate"]})"), "unknown_command");
  EXPECT_EQ(code(R"({"id":1,"argv":["msip:hold"]})"), "not_available");
  EXPECT_EQ(code(R"({"id":1,"argv":["hide"]})"), "not_available");
  EXPECT_EQ(code(R"({"id":1,"argv":["1234","hi"]})"), "not_available");
  EXPECT_EQ(code(R"({"id":1,"argv":["/hangupincoming"]})"), "unexpected");
  EXPECT_EQ(code(R"({"id":1,"argv":["status"]})"), "ok");
}

} // namespace
} // namespace wisp
