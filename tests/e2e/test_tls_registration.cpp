// Registration over TLS against kamailio with a throw-away CA: the server's certificate is
// verified (libre 1.1.0 would accept anything), a certificate from another CA is refused
// with a clear reason, and calls run over the TLS connection.
#include "support/kamailio_server.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> tlsAccount(const KamailioServer &server, const std::string &user,
                                    const std::filesystem::path &caFile) {
  return {"[Account1]",       "server=" + server.tlsAddress(), "transport=tls",
          "username=" + user, "password=" + user + "pw",       "tlsCaFile=" + caFile.string()};
}

class TlsRegistration : public ::testing::Test {
protected:
  void SetUp() override {
    auto made = makeTestCertificates(dir / "certs", "127.0.0.1");
    ASSERT_TRUE(made.ok()) << made.error().message;
    certs = *made;
    KamailioServer::Options options;
    options.tls = KamailioServer::Tls{certs.certFile, certs.keyFile, certs.caFile};
    Status s = server.start(options, dir / "kam");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  TempDir dir{"tls"};
  TestCertificates certs;
  KamailioServer server;
};

TEST_F(TlsRegistration, RegistersAndCallsOverVerifiedTls) {
  WispPhone alice, bob;
  WispPhone::Options a;
  a.extraSettings = tlsAccount(server, "alice", certs.caFile);
  ASSERT_TRUE(alice.start(a, dir / "alice").ok());
  WispPhone::Options b;
  b.extraSettings = tlsAccount(server, "bob", certs.caFile);
  b.extraSettings.insert(b.extraSettings.begin(), "autoAnswer=all");
  ASSERT_TRUE(bob.start(b, dir / "bob").ok());

  ASSERT_TRUE(waitUntil([&] { return registrationOf(alice, 1) == "registered"; }, 10s))
      << alice.logText() << server.logText();
  ASSERT_TRUE(waitUntil([&] { return registrationOf(bob, 1) == "registered"; }, 10s))
      << bob.logText();
  auto contacts = server.contacts("alice");
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_NE(contacts[0].find("transport=tls"), std::string::npos) << contacts[0];

  auto r = alice.command("dial", "bob");
  ASSERT_TRUE(r.ok()) << r.describe();
  auto call = alice.waitForCallState("established", 10s);
  ASSERT_TRUE(call) << alice.logText() << server.logText();
  EXPECT_EQ(jsonInt(*call, "account"), 1);
  auto incoming = bob.waitForCallState("established", 5s);
  ASSERT_TRUE(incoming) << bob.logText();
  EXPECT_EQ(jsonInt(*incoming, "account"), 1);
  EXPECT_TRUE(waitUntil(
      [&] {
        auto c = alice.calls();
        return !c.empty() && jsonInt(c[0], "rtp_received").value_or(0) > 25;
      },
      5s))
      << "audio flows";
  ASSERT_TRUE(alice.command("hangup").ok());
  EXPECT_TRUE(bob.waitForNoCalls(5s));
}

TEST_F(TlsRegistration, CertificateFromAnotherCaIsRejectedNotDowngraded) {
  WispPhone alice;
  WispPhone::Options a;
  a.extraSettings = tlsAccount(server, "alice", certs.unrelatedCaFile);
  ASSERT_TRUE(alice.start(a, dir / "alice").ok());
  ASSERT_TRUE(waitUntil([&] { return registrationOf(alice, 1) == "failed"; }, 10s))
      << alice.logText();
  auto acc = accountStatus(alice, 1);
  ASSERT_TRUE(acc);
  EXPECT_EQ(jsonString(*acc, "reason"), "TLS certificate rejected") << acc->dump();
  EXPECT_TRUE(server.contacts("alice").empty());
  EXPECT_EQ(server.registerCount("alice"), 0) << "nothing was sent to an unverified server";
}

} // namespace
} // namespace wisp::test
