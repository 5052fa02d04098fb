// Wisp as the desktop's handler for tel:, sip:, callto: ... links, with a private HOME and
// XDG folders: `wisp --register-handlers` writes the user's desktop entry and asks xdg-mime to
// make it the default; then `xdg-open URL` (xdg-utils, in its generic mode) runs Wisp, which
// hands the call to the running phone.
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include "util/atomic_file.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

TEST(UrlHandlers, RegisteredWispDialsLinksOpenedWithXdgOpen) {
  TempDir dir("xdg");
  WispPhone bob;
  WispPhone::Options b;
  b.name = "bob";
  ASSERT_TRUE(bob.start(b, dir / "bob").ok());
  const std::string domain = "127.0.0.1:" + std::to_string(bob.sipPort());
  WispPhone alice;
  WispPhone::Options a;
  a.name = "alice";
  a.extraSettings = {"[Account1]", "username=alice", "domain=" + domain};
  ASSERT_TRUE(alice.start(a, dir / "alice").ok()) << alice.logText();

  for (const char *sub : {"home", "data", "config", "sysdata"})
    std::filesystem::create_directories(dir / sub);
  // Nothing from the machine's own desktop: only what Wisp registers. xdg-open's generic mode
  // asks xdg-mime for x-scheme-handler/SCHEME only when it believes a display exists.
  const EnvVars env = {{"HOME", (dir / "home").string()},
                       {"XDG_DATA_HOME", (dir / "data").string()},
                       {"XDG_CONFIG_HOME", (dir / "config").string()},
                       {"XDG_DATA_DIRS", (dir / "sysdata").string()},
                       {"XDG_CURRENT_DESKTOP", "X-Generic"},
                       {"DISPLAY", ":0"},
                       {"BROWSER", "false"}};
  auto registered = runCommand(
      {WISP_BINARY, "--profile", alice.profileDir().string(), "--register-handlers"}, 10s, env);
  ASSERT_TRUE(registered.ok()) << registered.describe();
  const auto desktopFile = dir / "data" / "applications" / "wisp.desktop";
  auto entry = readFile(desktopFile);
  ASSERT_TRUE(entry.ok()) << registered.describe();
  EXPECT_NE(entry->find("x-scheme-handler/tel;"), std::string::npos) << *entry;
  auto query = runCommand({"xdg-mime", "query", "default", "x-scheme-handler/callto"}, 10s, env);
  EXPECT_EQ(query.out, "wisp.desktop\n") << query.describe();

  struct Case {
    std::string url, called;
  };
  for (const Case &c : {Case{"tel:+15551234", "sip:+15551234@" + domain},
                        Case{"callto://+1%20555%201234/", "sip:+15551234@" + domain},
                        Case{"sip:carol@" + domain, "sip:carol@" + domain}}) {
    SCOPED_TRACE(c.url);
    auto opened = runCommand({"xdg-open", c.url}, 15s, env);
    ASSERT_TRUE(opened.ok()) << opened.describe() << alice.logText();
    auto calls = alice.calls();
    ASSERT_EQ(calls.size(), 1u) << dump(alice);
    EXPECT_EQ(jsonString(calls[0], "remote"), c.called);
    EXPECT_TRUE(bob.waitForCallState("ringing", 5s)) << dump(bob);
    ASSERT_TRUE(alice.command("hangup", "--all").ok());
    ASSERT_TRUE(bob.waitForNoCalls(5s)) << dump(bob);
    ASSERT_TRUE(alice.waitForNoCalls(5s)) << dump(alice);
  }
}

} // namespace
} // namespace wisp::test
