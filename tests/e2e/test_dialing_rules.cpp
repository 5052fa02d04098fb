// An account's MicroSIP dialing rules on real calls: dialingPrefix and dialPlan rewrite the
// number Wisp calls (checked on the far end), and hideCID hides the caller from the callee
// but not from the provider (SIPp checks the INVITE's headers and the digest answer).
#include "support/ports.h"
#include "support/sipp_peer.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

TEST(DialingRules, DialPlanRewritesNumbersAndRefusesWhatNoRuleMatches) {
  TempDir dir("dialplan");
  WispPhone bob;
  WispPhone::Options b;
  b.name = "bob";
  b.extraSettings = {"autoAnswer=all"};
  ASSERT_TRUE(bob.start(b, dir / "bob").ok());
  const std::string domain = "127.0.0.1:" + std::to_string(bob.sipPort());
  WispPhone alice;
  WispPhone::Options a;
  a.name = "alice";
  // The prefix goes first, then the plan sees "0" + the number.
  a.extraSettings = {"[Account1]", "username=alice", "domain=" + domain, "dialingPrefix=0",
                     "dialPlan=(<00:+>x. | <0:+4930>[1-9]xxxx | [1-9]xx)"};
  ASSERT_TRUE(alice.start(a, dir / "alice").ok()) << alice.logText();

  struct Case {
    std::string typed, called;
  };
  for (const Case &c :
       {Case{"049301234", "+49301234"}, Case{"12345", "+493012345"}, Case{"112", "112"}}) {
    SCOPED_TRACE(c.typed);
    auto r = alice.command("dial", c.typed);
    ASSERT_TRUE(r.ok()) << r.describe();
    auto incoming = bob.waitForCallState("established", 5s);
    ASSERT_TRUE(incoming) << dump(bob);
    auto calls = alice.calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(jsonString(calls[0], "remote"), "sip:" + c.called + "@" + domain);
    ASSERT_TRUE(alice.command("hangup").ok());
    ASSERT_TRUE(bob.waitForNoCalls(5s)) << dump(bob);
  }
  // No rule matches "1234" (prefixed: "01234"): refused, nothing is called.
  auto refused = alice.command("dial", "1234");
  EXPECT_EQ(refused.exitCode, 1) << refused.describe();
  EXPECT_NE(refused.err.find("matches no rule"), std::string::npos) << refused.err;
  EXPECT_TRUE(alice.calls().empty());
  // Addresses are dialled as written.
  auto direct = alice.command("dial", bob.uri("carol"));
  EXPECT_TRUE(direct.ok()) << direct.describe();
  EXPECT_TRUE(bob.waitForCallState("established", 5s)) << dump(bob);
}

TEST(DialingRules, HiddenCallerIdIsAnonymousButStillAuthenticates) {
  TempDir dir("hidecid");
  // The check needs our address of record, whose domain is SIPp's address: choose its port.
  SippOptions options;
  options.workdir = dir.path();
  options.timeout = 20s;
  options.localPort = freeUdpTcpPort();
  const std::string domain = "127.0.0.1:" + std::to_string(options.localPort);
  options.keys["ppi"] = "sip:alice@" + domain;
  options.keys["auth_user"] = "alice-auth";
  auto sipp = startSipp(sippScenario("uas_check_privacy.xml"), "", options);
  ASSERT_TRUE(sipp.ok()) << sipp.error().message;

  WispPhone alice;
  WispPhone::Options a;
  a.name = "alice";
  a.extraSettings = {"[Account1]",      "username=alice",   "authID=alice-auth",
                     "password=secret", "domain=" + domain, "displayName=Alice Real",
                     "hideCID=1"};
  ASSERT_TRUE(alice.start(a, dir / "alice").ok()) << alice.logText();
  auto r = alice.command("dial", "1234");
  ASSERT_TRUE(r.ok()) << r.describe();
  auto ended = alice.waitForEndedCall(1, 10s);
  ASSERT_TRUE(ended) << dump(alice) << sipp->logText();
  EXPECT_EQ(jsonInt(*ended, "sip_code"), 486) << ended->dump();
  SippResult result = sipp->wait(10s);
  EXPECT_TRUE(result.ok()) << "exit " << result.exitCode << "\n" << result.logText;
  EXPECT_EQ(result.logText.find("Alice Real"), std::string::npos) << result.logText;
}

} // namespace
} // namespace wisp::test
