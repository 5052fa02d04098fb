// [Settings] STUN with host names: Wisp looks them up with its own DNS client (the name
// servers of dnsSrvNs, here the tests' DNS server) and asks the servers in list order, moving
// on when one does not answer. On 127.0.0.1 the STUN server sees the local addresses, so the
// registration keeps its Contact; what the test checks is who was asked, from which socket.
#include "support/dns_server.h"
#include "support/kamailio_server.h"
#include "support/ports.h"
#include "support/stun_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

std::string firstCallField(const WispPhone &p, const char *field) {
  auto s = p.status();
  if (!s.ok() || !s->find("calls") || s->find("calls")->asArray().empty())
    return "";
  return jsonString(s->find("calls")->asArray().front(), field);
}

bool registered(const WispPhone &p) {
  return waitUntil(
      [&] {
        auto s = p.status();
        if (!s.ok() || !s->find("accounts"))
          return false;
        for (const Json &a : s->find("accounts")->asArray())
          if (jsonInt(a, "id") == 1)
            return jsonString(a, "registration") == "registered";
        return false;
      },
      5s, 50ms);
}

TEST(StunServerNames, AreResolvedAndTriedInOrder) {
  TempDir dir{"wisp-stun"};
  KamailioServer kamailio;
  Status s = kamailio.start({}, dir / "kam");
  ASSERT_TRUE(s.ok()) << s.error().message;
  StunServer stun;
  const uint16_t stunPort = freeUdpTcpPort();
  s = stun.start("127.0.0.1", stunPort);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const uint16_t silentPort = freeUdpTcpPort(); // nobody listens: requests go unanswered
  DnsZone zone;
  zone.addA("silent.test", "127.0.0.1");
  zone.addA("stun.test", "127.0.0.1");
  DnsServer dns;
  s = dns.start(std::move(zone));
  ASSERT_TRUE(s.ok()) << s.error().message;

  auto start = [&](WispPhone &phone, const std::string &user, std::vector<std::string> extra) {
    WispPhone::Options o;
    o.name = user;
    o.extraSettings = std::move(extra);
    for (const std::string &line :
         std::initializer_list<std::string>{"[Account1]", "server=" + kamailio.address(),
                                            "username=" + user, "password=" + user + "pw"})
      o.extraSettings.push_back(line);
    return phone.start(o, dir / user);
  };
  WispPhone alice, bob;
  // A name with no address, one whose server stays silent, then the one that answers.
  s = start(alice, "alice",
            {"dnsSrvNs=" + dns.address(), "enableSTUN=1",
             "STUN=nowhere.test, silent.test:" + std::to_string(silentPort) +
                 ", stun.test:" + std::to_string(stunPort)});
  ASSERT_TRUE(s.ok()) << s.error().message;
  s = start(bob, "bob", {"autoAnswer=all"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE(registered(alice)) << alice.logText();
  ASSERT_TRUE(registered(bob)) << bob.logText();

  // The registration's SIP socket reaches the third server after the second kept silent.
  const std::string sipSource = "127.0.0.1:" + std::to_string(alice.sipPort());
  ASSERT_TRUE(waitUntil(
      [&] {
        auto seen = stun.sources();
        return std::find(seen.begin(), seen.end(), sipSource) != seen.end();
      },
      5s, 50ms))
      << alice.logText() << "\n"
      << dns.describeQueries();
  EXPECT_GE(dns.queryCount("nowhere.test", dns_type::kA), 1u) << dns.describeQueries();
  EXPECT_GE(dns.queryCount("silent.test", dns_type::kA), 1u) << dns.describeQueries();
  EXPECT_GE(dns.queryCount("stun.test", dns_type::kA), 1u) << dns.describeQueries();
  const std::string log = alice.logText();
  EXPECT_TRUE(contains(log, "silent.test:" + std::to_string(silentPort))) << log;
  EXPECT_TRUE(contains(log, "did not answer in time")) << log;

  // A call asks the server that answered, from its RTP socket, before the INVITE goes out.
  auto dialed = alice.command("dial", "bob");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(alice.waitForCallState("established", 5s)) << alice.logText();
  const std::string rtp = firstCallField(bob, "remote_rtp");
  auto seen = stun.sources();
  EXPECT_NE(std::find(seen.begin(), seen.end(), rtp), seen.end()) << rtp;
  EXPECT_TRUE(contains(alice.logText(), "the SDP carries the public RTP address " + rtp))
      << alice.logText();
  ASSERT_TRUE(alice.command("hangup").ok());
  EXPECT_TRUE(bob.waitForNoCalls(5s));
}

// No STUN server answers: a call's SDP waits at most 1.5 s for one, then goes out with the
// local RTP port as without STUN, in both directions: the INVITE of the caller and the 200 of
// the callee (who answers at once, automatically).
TEST(StunServerNames, ACallGoesOnWhenNoServerAnswers) {
  TempDir dir{"wisp-stun-silent"};
  KamailioServer kamailio;
  Status s = kamailio.start({}, dir / "kam");
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string silent = "STUN=127.0.0.1:" + std::to_string(freeUdpTcpPort());
  auto start = [&](WispPhone &phone, const std::string &user, std::vector<std::string> extra) {
    WispPhone::Options o;
    o.name = user;
    o.extraSettings = std::move(extra);
    for (const std::string &line :
         std::initializer_list<std::string>{"[Account1]", "server=" + kamailio.address(),
                                            "username=" + user, "password=" + user + "pw"})
      o.extraSettings.push_back(line);
    return phone.start(o, dir / user);
  };
  WispPhone alice, bob;
  s = start(alice, "alice", {"enableSTUN=1", silent});
  ASSERT_TRUE(s.ok()) << s.error().message;
  s = start(bob, "bob", {"enableSTUN=1", silent, "autoAnswer=all"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE(registered(alice)) << alice.logText();
  ASSERT_TRUE(registered(bob)) << bob.logText();

  auto dialed = alice.command("dial", "bob");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(alice.waitForCallState("established", 6s)) << alice.logText() << bob.logText();
  const std::string fallback = "no STUN answer for the RTP socket within 1500 ms";
  EXPECT_TRUE(contains(alice.logText(), fallback)) << alice.logText();
  EXPECT_TRUE(contains(bob.logText(), fallback)) << bob.logText();
  // Each side was told the other's local RTP port.
  auto port = [](const std::string &hostPort) { return hostPort.substr(hostPort.rfind(':') + 1); };
  const std::string aliceRtp = firstCallField(bob, "remote_rtp");
  const std::string bobRtp = firstCallField(alice, "remote_rtp");
  EXPECT_TRUE(contains(alice.logText(), "local RTP port " + port(aliceRtp))) << aliceRtp;
  EXPECT_TRUE(contains(bob.logText(), "local RTP port " + port(bobRtp))) << bobRtp;
  ASSERT_TRUE(alice.command("hangup").ok());
  EXPECT_TRUE(bob.waitForNoCalls(5s));
}

} // namespace
} // namespace wisp::test
