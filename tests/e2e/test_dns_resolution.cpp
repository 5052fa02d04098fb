// An account whose server is a host name: Wisp finds the registrar the RFC 3263 way (NAPTR,
// then SRV, then A; just A when the name comes with a port), asking only the name servers of
// [Settings] dnsSrvNs. The name server is the tests' own (dns_server.h) with a zone under
// .test that leads to a kamailio registrar on a port nothing but the SRV record tells, and it
// records the questions, so each test checks the path the lookup took as well as the outcome.
#include "support/dns_server.h"
#include "support/kamailio_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kRegisterTimeout = 5s;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

class DnsResolution : public ::testing::Test {
protected:
  void SetUp() override {
    Status s = kamailio.start({}, dir / "kam");
    ASSERT_TRUE(s.ok()) << s.error().message;
    // kamailio's port is in no name and no A record: only the SRV records lead to it.
    const uint16_t port = kamailio.port();
    DnsZone zone;
    zone.addNaptr("pbx.test", {10, 10, "s", "SIP+D2U", "", "_sip._udp.pbx.test"});
    zone.addSrv("_sip._udp.pbx.test", {10, 10, port, "sip1.pbx.test"});
    zone.addSrv("_sip._udp.pbx2.test", {10, 10, port, "sip1.pbx.test"});
    zone.addA("sip1.pbx.test", "127.0.0.1");
    s = dns.start(std::move(zone));
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // Starts the phone with our name server and alice's account on `server`.
  void startPhone(const std::string &server) {
    WispPhone::Options o;
    o.extraSettings = {"dnsSrvNs=" + dns.address(), "[Account1]", "server=" + server,
                       "username=alice", "password=alicepw",
                       // kamailio's domain (and digest realm); the AOR must not need DNS.
                       "domain=127.0.0.1"};
    Status s = phone.start(o, dir / "phone");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  bool waitForRegistration(const std::string &state) const {
    return waitUntil([&] { return registrationOf(phone) == state; }, kRegisterTimeout, 50ms);
  }

  bool aliceRegistered() const {
    auto found = kamailio.registrations("alice");
    return found.ok() && !found->empty();
  }

  // Everything a reader of a failure needs: the phone's view, the questions, the registrar.
  std::string context() const {
    auto s = phone.status();
    return "\n=== status ===\n" + (s.ok() ? s->dump() : s.error().message) +
           "\n=== DNS questions ===\n" + dns.describeQueries() + "\n=== phone ===\n" +
           phone.logText() + "\n=== kamailio ===\n" + kamailio.logText(16 * 1024);
  }

  // How many questions of `type` were asked, whatever the name.
  size_t questionsOfType(uint16_t type) const {
    auto all = dns.queries();
    return static_cast<size_t>(std::count_if(all.begin(), all.end(),
                                             [&](const DnsQuestion &q) { return q.type == type; }));
  }

  // Declared in this order so that the phone (which un-registers, looking the name up
  // again) goes first, then the name server, then the registrar.
  TempDir dir{"wisp-dns"};
  KamailioServer kamailio;
  DnsServer dns;
  WispPhone phone;
};

TEST_F(DnsResolution, FollowsNaptrToSrvToA) {
  startPhone("pbx.test");
  ASSERT_TRUE(waitForRegistration("registered")) << context();
  EXPECT_TRUE(aliceRegistered()) << context();

  EXPECT_GE(dns.queryCount("pbx.test", dns_type::kNaptr), 1u) << context();
  EXPECT_GE(dns.queryCount("_sip._udp.pbx.test", dns_type::kSrv), 1u) << context();
  EXPECT_GE(dns.queryCount("sip1.pbx.test", dns_type::kA), 1u) << context();
  // The NAPTR answer named the SRV record: no guessing of _sip._tcp, and no A lookup of the
  // domain itself (which has no address).
  EXPECT_EQ(dns.queryCount("_sip._tcp.pbx.test", dns_type::kSrv), 0u) << context();
  EXPECT_EQ(dns.queryCount("pbx.test", dns_type::kA), 0u) << context();
  // In that order, NAPTR first.
  auto questions = dns.queries();
  ASSERT_GE(questions.size(), 3u) << context();
  EXPECT_EQ(questions[0].name, "pbx.test");
  EXPECT_EQ(questions[0].type, dns_type::kNaptr);
  EXPECT_EQ(questions[1].name, "_sip._udp.pbx.test");
  EXPECT_EQ(questions[1].type, dns_type::kSrv);
  EXPECT_EQ(questions[2].name, "sip1.pbx.test");
  EXPECT_EQ(questions[2].type, dns_type::kA);

  // The request went to the name, not to an address written into the URI.
  EXPECT_TRUE(contains(kamailio.logText(), "REQ REGISTER sip:pbx.test from 127.0.0.1:"))
      << context();
}

TEST_F(DnsResolution, UsesSrvWhenThereIsNoNaptr) {
  startPhone("pbx2.test");
  ASSERT_TRUE(waitForRegistration("registered")) << context();
  EXPECT_TRUE(aliceRegistered()) << context();

  EXPECT_GE(dns.queryCount("pbx2.test", dns_type::kNaptr), 1u) << context();
  EXPECT_GE(dns.queryCount("_sip._udp.pbx2.test", dns_type::kSrv), 1u) << context();
  EXPECT_GE(dns.queryCount("sip1.pbx.test", dns_type::kA), 1u) << context();
  // The SRV record answered: the domain's own address was never needed.
  EXPECT_EQ(dns.queryCount("pbx2.test", dns_type::kA), 0u) << context();
  EXPECT_TRUE(contains(kamailio.logText(), "REQ REGISTER sip:pbx2.test from 127.0.0.1:"))
      << context();
}

TEST_F(DnsResolution, UnknownNameFailsWithADnsReason) {
  startPhone("nowhere.test");
  ASSERT_TRUE(waitForRegistration("failed")) << context();
  auto a = accountStatus(phone, 1);
  ASSERT_TRUE(a) << context();
  EXPECT_EQ(jsonString(*a, "reason"), "DNS lookup failed") << context();
  // Our name server was asked (all of RFC 3263's steps), so the failure is its NXDOMAINs,
  // not some other resolver's.
  EXPECT_GE(dns.queryCount("nowhere.test", dns_type::kNaptr), 1u) << context();
  EXPECT_GE(dns.queryCount("_sip._udp.nowhere.test", dns_type::kSrv), 1u) << context();
  EXPECT_GE(dns.queryCount("nowhere.test", dns_type::kA), 1u) << context();
  EXPECT_EQ(kamailio.registerCount("alice"), 0) << context();
  EXPECT_FALSE(aliceRegistered()) << context();
}

TEST_F(DnsResolution, ExplicitPortMeansAddressLookupOnly) {
  startPhone("sip1.pbx.test:" + std::to_string(kamailio.port()));
  ASSERT_TRUE(waitForRegistration("registered")) << context();
  EXPECT_TRUE(aliceRegistered()) << context();

  EXPECT_GE(dns.queryCount("sip1.pbx.test", dns_type::kA), 1u) << context();
  // RFC 3263 4.1/4.2: with a port there is no NAPTR and no SRV step.
  EXPECT_EQ(questionsOfType(dns_type::kNaptr), 0u) << context();
  EXPECT_EQ(questionsOfType(dns_type::kSrv), 0u) << context();
  auto questions = dns.queries();
  EXPECT_TRUE(std::all_of(questions.begin(), questions.end(), [](const DnsQuestion &q) {
    return q.name == "sip1.pbx.test";
  })) << context();
}

// RFC 3263 4.1: the NAPTR records' order decides the transport. TCP comes first here and
// leads to the registrar; UDP comes second and leads to a port where nobody listens, so only
// the TCP path can register.
TEST_F(DnsResolution, NaptrOrderChoosesTheTransport) {
  DnsZone zone;
  zone.addNaptr("pbx3.test", {20, 10, "s", "SIP+D2U", "", "_sip._udp.pbx3.test"});
  zone.addNaptr("pbx3.test", {10, 10, "s", "SIP+D2T", "", "_sip._tcp.pbx3.test"});
  zone.addSrv("_sip._udp.pbx3.test", {10, 10, 9, "sip1.pbx.test"}); // 9: discard, unused
  zone.addSrv("_sip._tcp.pbx3.test", {10, 10, kamailio.port(), "sip1.pbx.test"});
  zone.addA("sip1.pbx.test", "127.0.0.1");
  dns.setZone(std::move(zone));
  startPhone("pbx3.test");
  ASSERT_TRUE(waitForRegistration("registered")) << context();

  auto found = kamailio.registrations("alice");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1u) << context();
  EXPECT_EQ(found->front().socket, "tcp:" + kamailio.address()) << context();
  EXPECT_GE(dns.queryCount("_sip._tcp.pbx3.test", dns_type::kSrv), 1u) << context();
  EXPECT_EQ(dns.queryCount("_sip._udp.pbx3.test", dns_type::kSrv), 0u) << context();
}

} // namespace
} // namespace wisp::test
