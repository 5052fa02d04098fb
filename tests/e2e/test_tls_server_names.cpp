// Several TLS accounts with different servers share libre's one TLS context: each connection's
// certificate is still checked against the name of the server that connection is for.
//
// Two kamailio registrars on 127.0.0.1 (two TLS ports): Account1 names its server by IP
// (certificate for IP:127.0.0.1), Account2 by a name our test DNS server resolves to
// 127.0.0.1 (certificate for DNS:pbx-b.test). Each CA is trusted, so only the name can tell
// a right certificate from a wrong one.
#include "support/dns_server.h"
#include "support/kamailio_server.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

constexpr const char *kNameB = "pbx-b.test";

std::string reason(const WispPhone &phone, int64_t id) {
  auto a = accountStatus(phone, id);
  return a ? jsonString(*a, "reason") : "";
}

class TlsServerNames : public ::testing::Test {
protected:
  void SetUp() override {
    auto a = makeTestCertificates(dir / "certs-a", "127.0.0.1");
    ASSERT_TRUE(a.ok()) << a.error().message;
    certsA = *a;
    auto b = makeTestCertificates(dir / "certs-b", kNameB);
    ASSERT_TRUE(b.ok()) << b.error().message;
    certsB = *b;
    DnsZone zone;
    zone.addA(kNameB, "127.0.0.1");
    Status s = dns.start(std::move(zone));
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // The registrars present these certificates (those of certsA or certsB).
  void startServers(const TestCertificates &presentedByA, const TestCertificates &presentedByB) {
    KamailioServer::Options a;
    a.tls = KamailioServer::Tls{presentedByA.certFile, presentedByA.keyFile, {}};
    Status s = serverA.start(a, dir / "kam-a");
    ASSERT_TRUE(s.ok()) << s.error().message;
    KamailioServer::Options b;
    b.tls = KamailioServer::Tls{presentedByB.certFile, presentedByB.keyFile, {}};
    s = serverB.start(b, dir / "kam-b");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // Account1: alice at serverA by IP; Account2: bob at serverB by name (its AOR domain stays
  // kamailio's 127.0.0.1).
  void startPhone() {
    WispPhone::Options o;
    o.extraSettings = {"dnsSrvNs=" + dns.address(),
                       "[Account1]",
                       "server=" + serverA.tlsAddress(),
                       "transport=tls",
                       "username=alice",
                       "password=alicepw",
                       "tlsCaFile=" + certsA.caFile.string(),
                       "[Account2]",
                       "server=" + std::string(kNameB) + ":" + std::to_string(serverB.tlsPort()),
                       "domain=127.0.0.1",
                       "transport=tls",
                       "username=bob",
                       "password=bobpw",
                       "tlsCaFile=" + certsB.caFile.string()};
    Status s = phone.start(o, dir / "phone");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  std::string context() const {
    return "\n=== phone ===\n" + phone.logText() + "\n=== DNS ===\n" + dns.describeQueries();
  }

  TempDir dir{"tls-names"};
  TestCertificates certsA, certsB;
  DnsServer dns;
  KamailioServer serverA, serverB;
  WispPhone phone;
};

TEST_F(TlsServerNames, EachAccountRegistersWhenItsServerProvesItsOwnName) {
  startServers(certsA, certsB);
  startPhone();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 1) == "registered"; }, 10s))
      << context();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 2) == "registered"; }, 10s))
      << context();
  EXPECT_EQ(serverA.contacts("alice").size(), 1u);
  EXPECT_EQ(serverB.contacts("bob").size(), 1u);
  const std::string log = phone.logText();
  EXPECT_NE(log.find("certificate valid for 127.0.0.1"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate valid for pbx-b.test"), std::string::npos) << log;
  EXPECT_EQ(log.find("different servers"), std::string::npos) << "no warning any more: " << log;
}

TEST_F(TlsServerNames, ServerWithTheOtherAccountsCertificateIsRejected) {
  // serverB presents a certificate for 127.0.0.1, signed by a trusted CA: valid, but not
  // for pbx-b.test.
  startServers(certsA, certsA);
  startPhone();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 2) == "failed"; }, 10s)) << context();
  EXPECT_EQ(reason(phone, 2), "TLS certificate rejected") << context();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 1) == "registered"; }, 10s))
      << context();
  EXPECT_EQ(serverB.registerCount("bob"), 0) << "nothing was sent to the wrong server";
  EXPECT_TRUE(serverB.contacts("bob").empty());
  EXPECT_EQ(serverA.contacts("alice").size(), 1u);
  EXPECT_NE(phone.logText().find("not valid for pbx-b.test"), std::string::npos) << context();
}

TEST_F(TlsServerNames, ServerOfTheIpAccountWithACertificateForTheNameIsRejected) {
  startServers(certsB, certsB);
  startPhone();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 1) == "failed"; }, 10s)) << context();
  EXPECT_EQ(reason(phone, 1), "TLS certificate rejected") << context();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 2) == "registered"; }, 10s))
      << context();
  EXPECT_EQ(serverA.registerCount("alice"), 0) << "nothing was sent to the wrong server";
  EXPECT_EQ(serverB.contacts("bob").size(), 1u);
}

// Two accounts whose servers are one address (127.0.0.1 by IP, and pbx-a.test resolving to
// it) share libre's one connection there: its certificate (for 127.0.0.1 only) must not
// carry pbx-a.test's REGISTERs, while the account that named 127.0.0.1 registers.
TEST_F(TlsServerNames, AccountsSharingAnAddressAreEachCheckedAgainstTheirOwnName) {
  KamailioServer::Options options;
  options.tls = KamailioServer::Tls{certsA.certFile, certsA.keyFile, {}};
  ASSERT_TRUE(serverA.start(options, dir / "kam-a").ok());
  DnsZone zone;
  zone.addA("pbx-a.test", "127.0.0.1");
  dns.stop();
  ASSERT_TRUE(dns.start(std::move(zone)).ok());
  WispPhone::Options o;
  o.extraSettings = {"dnsSrvNs=" + dns.address(),
                     "[Account1]",
                     "server=" + serverA.tlsAddress(),
                     "transport=tls",
                     "username=alice",
                     "password=alicepw",
                     "tlsCaFile=" + certsA.caFile.string(),
                     "[Account2]",
                     "server=pbx-a.test:" + std::to_string(serverA.tlsPort()),
                     "domain=127.0.0.1",
                     "transport=tls",
                     "username=bob",
                     "password=bobpw"};
  ASSERT_TRUE(phone.start(o, dir / "phone").ok());
  // If bob's REGISTER joined the first connection while its handshake ran, that connection
  // was refused for both: alice's retry (5 s later) then goes alone.
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 1) == "registered"; }, 10s))
      << context();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(phone, 2) == "failed"; }, 10s)) << context();
  EXPECT_EQ(reason(phone, 2), "TLS certificate rejected") << context();
  EXPECT_EQ(serverA.registerCount("bob"), 0) << "bob's REGISTER never rode alice's connection";
  EXPECT_TRUE(serverA.contacts("bob").empty());
  EXPECT_EQ(serverA.contacts("alice").size(), 1u);
}

// SNI: `openssl s_server` presents certsA's certificate (from a CA the phone does not trust)
// unless the ClientHello names pbx-b.test; then it presents certsB's. The phone can only
// accept the server if it sent the name.
TEST_F(TlsServerNames, SendsTheServerNameSoTheServerCanPickItsCertificate) {
  const uint16_t port = freeUdpTcpPort();
  auto server = Process::start(
      {{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
        certsA.certFile.string(), "-key", certsA.keyFile.string(), "-cert2",
        certsB.certFile.string(), "-key2", certsB.keyFile.string(), "-servername", kNameB, "-www"},
       {},
       dir.path(),
       dir / "s_server.log",
       {}});
  ASSERT_TRUE(server.ok()) << server.error().message;
  ASSERT_TRUE(waitUntil([&] { return server->logText().find("ACCEPT") != std::string::npos; }, 5s))
      << server->logText();
  WispPhone::Options o;
  o.extraSettings = {"dnsSrvNs=" + dns.address(),
                     "[Account1]",
                     "server=" + std::string(kNameB) + ":" + std::to_string(port),
                     "domain=127.0.0.1",
                     "transport=tls",
                     "username=bob",
                     "password=bobpw",
                     "tlsCaFile=" + certsB.caFile.string()};
  ASSERT_TRUE(phone.start(o, dir / "phone").ok());
  EXPECT_TRUE(waitUntil(
      [&] { return phone.logText().find("certificate valid for pbx-b.test") != std::string::npos; },
      10s))
      << context() << "\n=== s_server ===\n"
      << server->logText();
  server->terminate();
}

} // namespace
} // namespace wisp::test
