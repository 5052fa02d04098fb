// The details of Wisp's own REGISTER client against kamailio: SHA-256 digest challenges, the
// expiry the registrar grants (not the one asked for), 423 Interval Too Brief, and a TCP
// registration whose connection dies registering again at once.
#include "support/kamailio_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> accountLines(const KamailioServer &server, const std::string &transport,
                                      std::vector<std::string> extras = {}) {
  std::vector<std::string> lines = {"[Account1]", "server=" + server.address(), "username=alice",
                                    "password=alicepw", "transport=" + transport};
  lines.insert(lines.end(), extras.begin(), extras.end());
  return lines;
}

std::string dump(const WispPhone &p, const KamailioServer &k) {
  auto s = p.status();
  return (s.ok() ? s->dump() : s.error().message) + "\n" + p.logText() + "\n=== kamailio ===\n" +
         k.logText(16 * 1024);
}

struct PhoneAndRegistrar {
  PhoneAndRegistrar(const std::string &name, const KamailioServer::Options &kamOptions,
                    const std::string &transport, std::vector<std::string> accountExtras = {})
      : dir(name) {
    Status s = kam.start(kamOptions, dir / "kam");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (!s.ok())
      return;
    WispPhone::Options o;
    o.extraSettings = accountLines(kam, transport, std::move(accountExtras));
    s = phone.start(o, dir / "p");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    started = s.ok();
  }
  bool registered(std::chrono::milliseconds timeout = 5s) {
    return waitUntil([&] { return registrationOf(phone) == "registered"; }, timeout, 100ms);
  }

  TempDir dir;
  KamailioServer kam;
  WispPhone phone;
  bool started = false;
};

TEST(RegistrationProtocol, AnswersASha256DigestChallenge) {
  KamailioServer::Options o;
  o.digestAlgorithm = "SHA-256";
  PhoneAndRegistrar s("regsha", o, "udp");
  ASSERT_TRUE(s.started);
  ASSERT_TRUE(s.registered()) << dump(s.phone, s.kam);
  EXPECT_EQ(s.kam.contacts("alice").size(), 1u);
  EXPECT_EQ(s.kam.registerCount("alice"), 2) << "one challenge, one answer";
  EXPECT_EQ(s.kam.acceptedRegisterCount("alice"), 1);
}

// The phone asks for 300 s; the registrar grants 2 s. The phone must refresh on the 2 s, not
// let the binding lapse for most of 300 s.
TEST(RegistrationProtocol, RefreshesOnTheGrantedExpiry) {
  KamailioServer::Options o;
  o.maxExpires = 2;
  PhoneAndRegistrar s("regexp", o, "udp");
  ASSERT_TRUE(s.started);
  ASSERT_TRUE(s.registered()) << dump(s.phone, s.kam);
  const int first = s.kam.acceptedRegisterCount("alice");
  EXPECT_TRUE(
      waitUntil([&] { return s.kam.acceptedRegisterCount("alice") >= first + 3; }, 6s, 100ms))
      << dump(s.phone, s.kam);
  auto details = s.kam.registrations("alice");
  ASSERT_TRUE(details.ok());
  ASSERT_EQ(details->size(), 1u) << "refreshes keep one binding\n" << s.kam.logText();
  EXPECT_LE(std::stoi(details->front().expires), 2);
  EXPECT_EQ(registrationOf(s.phone), "registered");
}

// registerRefresh=60 below the registrar's 120: 423 with Min-Expires, then 120 is asked for.
TEST(RegistrationProtocol, FollowsMinExpiresOf423) {
  KamailioServer::Options o;
  o.minExpires = 120;
  o.rejectBriefExpires = true;
  PhoneAndRegistrar s("reg423", o, "udp", {"registerRefresh=60"});
  ASSERT_TRUE(s.started);
  ASSERT_TRUE(s.registered()) << dump(s.phone, s.kam);
  auto details = s.kam.registrations("alice");
  ASSERT_TRUE(details.ok());
  ASSERT_EQ(details->size(), 1u);
  EXPECT_GT(std::stoi(details->front().expires), 60) << s.kam.logText();
  EXPECT_LE(std::stoi(details->front().expires), 120);
}

// Over TCP the keep-alives are CRLF pings on the registration's connection (keepAlive=15, so
// an OPTIONS would not go out for 15 s): when the registrar's end of the connection closes,
// the phone registers again without waiting for a keep-alive or the refresh.
TEST(RegistrationProtocol, TcpConnectionLossRegistersAgainSoon) {
  PhoneAndRegistrar s("regtcp", {}, "tcp", {"keepAlive=15"});
  ASSERT_TRUE(s.started);
  ASSERT_TRUE(s.registered()) << dump(s.phone, s.kam);
  Status restarted = s.kam.restart(); // forgets every binding; closes the connection
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_TRUE(waitUntil(
      [&] {
        try {
          return !s.kam.contacts("alice").empty();
        } catch (const std::exception &) {
          return false;
        }
      },
      9s, 200ms))
      << dump(s.phone, s.kam);
  EXPECT_TRUE(s.registered(3s)) << dump(s.phone, s.kam);
}

// A registrar without outbound support need not answer CRLF keep-alives (RFC 5626 4.4.1):
// the phone keeps pinging every second but does not take the silence for a dead connection.
TEST(RegistrationProtocol, TcpRegistrarThatNeverAnswersPingsKeepsTheConnection) {
  KamailioServer::Options o;
  o.answerCrlfPings = false;
  PhoneAndRegistrar s("regnopong", o, "tcp", {"keepAlive=1"});
  ASSERT_TRUE(s.started);
  ASSERT_TRUE(s.registered()) << dump(s.phone, s.kam);
  std::this_thread::sleep_for(33s);
  EXPECT_EQ(registrationOf(s.phone), "registered");
  const std::string log = s.phone.logText();
  EXPECT_EQ(log.find("connection to the registrar lost"), std::string::npos)
      << dump(s.phone, s.kam);
}

} // namespace
} // namespace wisp::test
