// [Api]: D-Bus and HTTP API settings, and the checks that keep the HTTP API from being
// served without a token or to other hosts by accident.
#include "config/settings.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

constexpr const char *kPath = "/home/u/.config/wisp/wisp.ini";

ConfigResult<Settings> load(std::string_view text) {
  return loadSettingsText(text, kPath);
}

std::vector<ConfigError> errorsOf(std::string_view text) {
  auto result = load(text);
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&result))
    return *errors;
  ADD_FAILURE() << "expected errors for:\n" << text;
  return {};
}

Settings settingsOf(std::string_view text) {
  auto result = load(text);
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << formatConfigErrors(*errors);
    return {};
  }
  return std::get<Settings>(result);
}

TEST(ApiSettings, DefaultsAreDBusAutoAndNoHttp) {
  Settings s = settingsOf("[Api]\n");
  EXPECT_EQ(s.api.dbus, ApiSettings::DBus::Auto);
  EXPECT_TRUE(s.api.http.empty());
  EXPECT_FALSE(s.api.httpAllowRemote);
}

TEST(ApiSettings, DBusModes) {
  EXPECT_EQ(settingsOf("[Api]\ndbus=on\n").api.dbus, ApiSettings::DBus::On);
  EXPECT_EQ(settingsOf("[Api]\ndbus=0\n").api.dbus, ApiSettings::DBus::Off);
  EXPECT_EQ(settingsOf("[Api]\ndbus=Auto\n").api.dbus, ApiSettings::DBus::Auto);
  auto errors = errorsOf("[Api]\ndbus=maybe\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "dbus");
  EXPECT_EQ(errors[0].line, 2);
}

TEST(ApiSettings, HttpOnLoopbackWithToken) {
  Settings s = settingsOf("[Api]\nhttp=127.0.0.1:8089\nhttpToken=abc\nhttpCorsOrigin=https://x\n");
  EXPECT_EQ(s.api.http, "127.0.0.1:8089");
  EXPECT_EQ(s.api.httpToken, "abc");
  EXPECT_EQ(s.api.httpCorsOrigin, "https://x");
  EXPECT_EQ(settingsOf("[Api]\nhttp=[::1]:8089\nhttpToken=abc\n").api.http, "[::1]:8089");
}

TEST(ApiSettings, HttpWithoutTokenNamesFileLineAndKey) {
  auto errors = errorsOf("[Api]\ndbus=off\nhttp=127.0.0.1:8089\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "httpToken");
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].toString().find(kPath), std::string::npos) << errors[0].toString();
  EXPECT_NE(errors[0].toString().find("httpToken"), std::string::npos) << errors[0].toString();
}

TEST(ApiSettings, NonLoopbackBindNeedsHttpAllowRemote) {
  auto errors = errorsOf("[Api]\nhttp=0.0.0.0:8089\nhttpToken=abc\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "http");
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_NE(errors[0].message.find("httpAllowRemote"), std::string::npos) << errors[0].message;
  EXPECT_EQ(errorsOf("[Api]\nhttp=[::]:8089\nhttpToken=abc\n").size(), 1u);

  Settings s = settingsOf("[Api]\nhttp=0.0.0.0:8089\nhttpToken=abc\nhttpAllowRemote=1\n");
  EXPECT_TRUE(s.api.httpAllowRemote);
  // 127.0.0.0/8 is loopback, not just 127.0.0.1.
  EXPECT_EQ(settingsOf("[Api]\nhttp=127.0.0.2:8089\nhttpToken=abc\n").api.http, "127.0.0.2:8089");
}

TEST(ApiSettings, BadHttpAddresses) {
  for (const char *bad :
       {"localhost:8089", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "::1:8089", "garbage"}) {
    auto errors = errorsOf(std::string("[Api]\nhttp=") + bad + "\nhttpToken=abc\n");
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].key, "http") << bad;
  }
}

TEST(ApiSettings, UnknownKeyAndMisspeltSection) {
  auto errors = errorsOf("[Api]\nhttpTokn=abc\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("httpToken"), std::string::npos) << errors[0].message;
  errors = errorsOf("[api]\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("[Api]"), std::string::npos) << errors[0].message;
}

} // namespace
} // namespace wisp
