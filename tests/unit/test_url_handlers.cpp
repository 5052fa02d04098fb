#include "app/url_handlers.h"

#include "util/atomic_file.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

// `make install` ships data/wisp.desktop; --register-handlers writes the same entry.
TEST(UrlHandlers, InstalledDesktopFileMatchesTheGeneratedOne) {
  auto installed = readFile(std::filesystem::path(WISP_TEST_FIXTURES) / "../../data/wisp.desktop");
  ASSERT_TRUE(installed.ok()) << installed.error().message;
  EXPECT_EQ(*installed, desktopEntry("wisp %u"));
  for (std::string_view scheme : urlHandlerSchemes())
    EXPECT_NE(installed->find("x-scheme-handler/" + std::string(scheme) + ";"), std::string::npos)
        << scheme;
}

TEST(UrlHandlers, ExecQuotesWhatTheSpecReserves) {
  EXPECT_EQ(desktopExec("/usr/bin/wisp", std::nullopt), "/usr/bin/wisp %u");
  EXPECT_EQ(desktopExec("/opt/wisp/wisp", std::filesystem::path("/home/a/phone")),
            "/opt/wisp/wisp --profile /home/a/phone %u");
  EXPECT_EQ(desktopExec("/my apps/wisp", std::filesystem::path("/p/$x\"100%")),
            "\"/my apps/wisp\" --profile \"/p/\\$x\\\"100%%\" %u");
}

} // namespace
} // namespace wisp
