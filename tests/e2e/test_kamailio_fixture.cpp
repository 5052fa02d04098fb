// The kamailio registrar/proxy fixture, checked with SIPp and openssl before the account and
// registration tests trust it: digest registration, refusal of a wrong password, the REGISTER
// count, the location table through contacts(), restart on the same port, a call proxied to a
// registered contact, and TLS with the throw-away CA (and rejection with an unrelated one).
#include "support/kamailio_server.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/sipp_peer.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"
#include "support/wait.h"

#include <gtest/gtest.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

SippResult registerWithSipp(const KamailioServer &server, const std::filesystem::path &workdir,
                            const std::string &scenario, const std::string &user,
                            const std::string &password, uint16_t localPort,
                            std::vector<std::string> extraArgs = {},
                            std::map<std::string, std::string> keys = {}) {
  SippOptions options;
  options.workdir = workdir;
  options.localPort = localPort;
  options.serviceUser = user;
  options.extraArgs = {"-au", user, "-ap", password};
  options.extraArgs.insert(options.extraArgs.end(), extraArgs.begin(), extraArgs.end());
  options.keys = std::move(keys);
  options.timeout = 10s;
  return runSipp(sippScenario(scenario), server.address(), options);
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(KamailioFixture, RegistersWithDigestAuthRefusesWrongPasswordAndForgetsOnRestart) {
  TempDir dir("kam");
  KamailioServer server;
  Status started = server.start({}, dir / "kamailio");
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_TRUE(server.ping());
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(server.uri("sipp"), "sip:sipp@" + server.address());
  EXPECT_TRUE(server.contacts("sipp").empty()) << server.logText();

  // The right password: 401, then 200, and the contact is in the location table.
  uint16_t sippPort = freeUdpTcpPort();
  SippResult registered =
      registerWithSipp(server, dir.path(), "reg_auth.xml", "sipp", "sipppw", sippPort);
  ASSERT_TRUE(registered.ok()) << registered.logText << server.logText();
  EXPECT_TRUE(contains(registered.logText, "WWW-Authenticate: Digest realm=\"127.0.0.1\""))
      << registered.logText;
  EXPECT_TRUE(contains(registered.logText, "qop=\"auth\"")) << registered.logText;
  std::vector<std::string> contacts = server.contacts("sipp");
  ASSERT_EQ(contacts.size(), 1u) << server.logText();
  EXPECT_EQ(contacts[0], "sip:sipp@127.0.0.1:" + std::to_string(sippPort) + ";transport=UDP");
  EXPECT_EQ(server.registerCount("sipp"), 2) << server.logText();
  EXPECT_EQ(server.acceptedRegisterCount("sipp"), 1) << server.logText();
  auto details = server.registrations("sipp");
  ASSERT_TRUE(details.ok()) << details.error().message;
  ASSERT_EQ(details->size(), 1u);
  EXPECT_EQ(details->at(0).expires, "600");
  EXPECT_EQ(details->at(0).userAgent, "SIPp reg_auth");
  EXPECT_EQ(details->at(0).socket, "udp:" + server.address());

  // A wrong password: refused, nothing registered, and exactly two REGISTERs counted.
  SippResult refused = registerWithSipp(server, dir.path(), "reg_auth_rejected.xml", "alice",
                                        "not-alicepw", freeUdpTcpPort());
  ASSERT_TRUE(refused.ok()) << refused.logText << server.logText();
  EXPECT_TRUE(server.contacts("alice").empty()) << server.logText();
  EXPECT_EQ(server.registerCount("alice"), 2) << server.logText();
  EXPECT_EQ(server.acceptedRegisterCount("alice"), 0) << server.logText();
  // The other user's registration is untouched.
  EXPECT_EQ(server.contacts("sipp").size(), 1u);

  // Over TCP: the contact is reached through the connection it registered on.
  SippResult overTcp = registerWithSipp(server, dir.path(), "reg_auth.xml", "bob", "bobpw",
                                        freeUdpTcpPort(), {"-t", "t1"});
  ASSERT_TRUE(overTcp.ok()) << overTcp.logText << server.logText();
  auto bob = server.registrations("bob");
  ASSERT_TRUE(bob.ok()) << bob.error().message;
  ASSERT_EQ(bob->size(), 1u) << server.logText();
  EXPECT_TRUE(contains(bob->at(0).uri, ";transport=TCP")) << bob->at(0).uri;
  EXPECT_TRUE(bob->at(0).received.starts_with("sip:127.0.0.1:")) << bob->at(0).received;
  EXPECT_EQ(bob->at(0).socket, "tcp:" + server.address());

  // Restart: same port, empty location table, and registering works again.
  uint16_t port = server.port();
  Status restarted = server.restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_EQ(server.port(), port);
  EXPECT_TRUE(server.ping());
  EXPECT_TRUE(server.contacts("sipp").empty()) << server.logText();
  EXPECT_TRUE(server.contacts("bob").empty()) << server.logText();
  registered = registerWithSipp(server, dir.path(), "reg_auth.xml", "sipp", "sipppw", sippPort);
  ASSERT_TRUE(registered.ok()) << registered.logText << server.logText();
  EXPECT_EQ(server.contacts("sipp").size(), 1u) << server.logText();
  // The count spans restarts.
  EXPECT_EQ(server.acceptedRegisterCount("sipp"), 2) << server.logText();

  // Expires 0 takes the contact out again (what a phone does when it exits).
  SippResult unregistered = registerWithSipp(server, dir.path(), "reg_auth.xml", "sipp", "sipppw",
                                             sippPort, {}, {{"expires", "0"}});
  ASSERT_TRUE(unregistered.ok()) << unregistered.logText << server.logText();
  EXPECT_TRUE(server.contacts("sipp").empty()) << server.logText();

  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_FALSE(server.ping(200ms));
  EXPECT_THROW(server.contacts("sipp"), std::runtime_error) << "no server, no answer";
}

TEST(KamailioFixture, UsersComeFromOptions) {
  TempDir dir("kam");
  KamailioServer server;
  KamailioServer::Options options;
  options.users = {{"1001", "secret1001"}};
  Status started = server.start(options, dir / "kamailio");
  ASSERT_TRUE(started.ok()) << started.error().message;

  // A default user is unknown now (403 at once); the numeric one registers.
  SippResult unknown = registerWithSipp(server, dir.path(), "reg_auth_rejected.xml", "alice",
                                        "alicepw", freeUdpTcpPort());
  ASSERT_TRUE(unknown.ok()) << unknown.logText << server.logText();
  EXPECT_TRUE(contains(unknown.logText, "SIP/2.0 403 Unknown user")) << unknown.logText;
  EXPECT_EQ(server.registerCount("alice"), 1) << server.logText();
  SippResult registered =
      registerWithSipp(server, dir.path(), "reg_auth.xml", "1001", "secret1001", freeUdpTcpPort());
  ASSERT_TRUE(registered.ok()) << registered.logText << server.logText();
  EXPECT_EQ(server.contacts("1001").size(), 1u) << server.logText();
  EXPECT_EQ(server.registerCount("1001"), 2);

  KamailioServer::Options bad;
  bad.users = {{"eve", "with\"quote"}};
  KamailioServer other;
  EXPECT_FALSE(other.start(bad, dir / "other").ok());
}

TEST(KamailioFixture, ProxiesAnAuthenticatedCallToARegisteredContact) {
  TempDir dir("kam");
  KamailioServer server;
  Status started = server.start({}, dir / "kamailio");
  ASSERT_TRUE(started.ok()) << started.error().message;

  // bob registers from the port where a SIPp answerer will listen.
  uint16_t bobPort = freeUdpTcpPort();
  SippResult registered =
      registerWithSipp(server, dir.path(), "reg_auth.xml", "bob", "bobpw", bobPort);
  ASSERT_TRUE(registered.ok()) << registered.logText << server.logText();
  SippOptions answererOptions;
  answererOptions.workdir = dir.path();
  answererOptions.localPort = bobPort;
  answererOptions.timeout = 10s;
  auto answerer = startSipp(sippScenario("uas_wait_bye.xml"), "", answererOptions);
  ASSERT_TRUE(answerer.ok()) << answerer.error().message;

  // The caller (From: sipp) sends INVITE sip:bob@SERVER to the proxy: 407, credentials, then
  // the proxy finds bob's contact; BYE follows the Record-Route.
  SippOptions callerOptions;
  callerOptions.workdir = dir.path();
  callerOptions.serviceUser = "bob";
  callerOptions.callDuration = 500ms;
  callerOptions.timeout = 10s;
  callerOptions.extraArgs = {"-au", "sipp", "-ap", "sipppw"};
  SippResult call = runSipp(sippScenario("uac_basic.xml"), server.address(), callerOptions);
  EXPECT_TRUE(call.ok()) << call.logText << server.logText();
  EXPECT_TRUE(contains(call.logText, "SIP/2.0 407")) << call.logText;
  SippResult answered = answerer->wait(5s);
  EXPECT_TRUE(answered.ok()) << answered.logText << server.logText();
  EXPECT_TRUE(contains(answered.logText,
                       "Record-Route: <sip:127.0.0.1:" + std::to_string(server.port()) + ";lr>"))
      << answered.logText;

  // Nobody registered as carol: 404 from the proxy.
  callerOptions.serviceUser = "carol";
  SippResult nobody = runSipp(sippScenario("uac_basic.xml"), server.address(), callerOptions);
  EXPECT_FALSE(nobody.ok());
  EXPECT_TRUE(contains(nobody.logText, "SIP/2.0 404 Not Found")) << nobody.logText;
}

// `openssl s_client` towards the TLS port, trusting `caFile`; stdin is /dev/null, so it
// ends right after the handshake.
CommandResult tlsHandshake(const KamailioServer &server, const std::filesystem::path &caFile) {
  return runCommand({"openssl", "s_client", "-connect", server.tlsAddress(), "-CAfile",
                     caFile.string(), "-verify_return_error", "-verify_ip", "127.0.0.1", "-brief"},
                    10s);
}

TEST(KamailioFixture, TlsWorksWithTheTestCaAndNotWithAnUnrelatedOne) {
  TempDir dir("kam");
  auto certificates = makeTestCertificates(dir / "certs", "127.0.0.1");
  ASSERT_TRUE(certificates.ok()) << certificates.error().message;
  KamailioServer server;
  KamailioServer::Options options;
  options.tls =
      KamailioServer::Tls{certificates->certFile, certificates->keyFile, certificates->caFile};
  Status started = server.start(options, dir / "kamailio");
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_NE(server.tlsPort(), 0);
  ASSERT_NE(server.tlsPort(), server.port());
  EXPECT_EQ(server.tlsUri("bob"),
            "sip:bob@127.0.0.1:" + std::to_string(server.tlsPort()) + ";transport=tls");

  CommandResult trusted = tlsHandshake(server, certificates->caFile);
  EXPECT_TRUE(trusted.ok()) << trusted.describe() << server.logText();
  EXPECT_TRUE(contains(trusted.err, "Verification: OK")) << trusted.describe();

  CommandResult untrusted = tlsHandshake(server, certificates->unrelatedCaFile);
  EXPECT_FALSE(untrusted.ok()) << untrusted.describe();
  EXPECT_TRUE(contains(untrusted.err, "verify error")) << untrusted.describe();

  // SIP over the TLS connection: kamailio answers an OPTIONS. The sleep only keeps s_client's
  // stdin open; the test waits for the answer itself.
  std::string options200 =
      "OPTIONS sip:" + server.tlsAddress() + ";transport=tls SIP/2.0\r\n" +
      "Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKwisptls1;rport\r\n" + "Max-Forwards: 70\r\n" +
      "From: <sip:probe@127.0.0.1>;tag=tls1\r\n" + "To: <sip:" + server.tlsAddress() + ">\r\n" +
      "Call-ID: wisp-tls-probe\r\n" + "CSeq: 1 OPTIONS\r\n" + "Content-Length: 0\r\n\r\n";
  ASSERT_TRUE(writeTextFile(dir / "options.txt", options200).ok());
  std::string pipeline = "{ cat '" + (dir / "options.txt").string() +
                         "'; sleep 10; } | openssl s_client -quiet -no_ign_eof -connect " +
                         server.tlsAddress() + " -CAfile '" + certificates->caFile.string() +
                         "' -verify_return_error -verify_ip 127.0.0.1";
  auto client = Process::start({{"sh", "-c", pipeline}, {}, {}, dir / "tls-client.log", {}});
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_TRUE(waitUntil(
      [&] {
        std::string out = readFileTail(dir / "tls-client.log");
        return contains(out, "SIP/2.0 200") && contains(out, "Call-ID: wisp-tls-probe");
      },
      5s))
      << readFileTail(dir / "tls-client.log") << server.logText();
}

} // namespace
} // namespace wisp::test
