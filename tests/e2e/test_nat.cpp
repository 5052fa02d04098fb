// A phone behind a NAT (network namespaces built by the test, see nat_network.h; their
// addresses exist only inside them): Wisp in "lan", a masquerading router, kamailio and a
// second Wisp in "wan". The registrar must end up with the NAT's public address as Alice's Contact
// (Wisp learns it from the top Via of the 200 and registers again), and a call from the wan side to
// Alice's address of record must reach her through the NAT, with audio both ways.
#include "support/audio_analysis.h"
#include "support/expect_audio.h"
#include "support/kamailio_server.h"
#include "support/nat_network.h"
#include "support/stun_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

// A field of the first call in `status`, "" if there is none.
std::string callField(const WispPhone &p, const char *field) {
  auto s = p.status();
  if (!s.ok() || !s->find("calls") || s->find("calls")->asArray().empty())
    return "";
  return jsonString(s->find("calls")->asArray().front(), field);
}

// A number of the first call in `status`, -1 if there is none.
int64_t callCount(const WispPhone &p, const char *field) {
  auto s = p.status();
  if (!s.ok() || !s->find("calls") || s->find("calls")->asArray().empty())
    return -1;
  return jsonInt(s->find("calls")->asArray().front(), field).value_or(-1);
}

// A phone in namespace `ns` listening on `ip`, registered as `user` with kamailio, playing
// `source` and recording what it hears.
struct NamespacedPhone {
  NamespacedPhone(const TempDir &dir, const NatNetwork &net, const std::string &ns,
                  const std::string &ip, const KamailioServer &kam, const std::string &user,
                  const std::vector<int16_t> &source, std::vector<std::string> accountExtras = {},
                  std::vector<std::string> settingsExtras = {})
      : recording(dir / (user + "-heard.wav")) {
    WispPhone::Options o;
    o.name = user;
    o.commandPrefix = net.prefix(ns);
    const auto wav = dir / (user + "-source.wav");
    EXPECT_TRUE(writeWav(wav, source).ok());
    o.audioIn = "file:" + wav.string();
    o.audioOut = "file:" + recording.string();
    o.extraSettings = {"listenAddress=" + ip};
    o.extraSettings.insert(o.extraSettings.end(), settingsExtras.begin(), settingsExtras.end());
    for (const std::string &line : std::initializer_list<std::string>{
             "[Account1]", "server=" + kam.address(), "username=" + user, "password=" + user + "pw",
             "transport=udp"})
      o.extraSettings.push_back(line);
    o.extraSettings.insert(o.extraSettings.end(), accountExtras.begin(), accountExtras.end());
    Status s = phone.start(o, dir / user);
    started = s.ok();
    EXPECT_TRUE(started) << user << ": " << (s.ok() ? "" : s.error().message);
  }
  bool registered() {
    return waitUntil([&] { return registrationOf(phone) == "registered"; }, 8s, 100ms);
  }

  std::filesystem::path recording;
  WispPhone phone;
  bool started = false;
};

class Nat : public ::testing::Test {
protected:
  void SetUp() override {
    if (std::string why = NatNetwork::unavailableReason(); !why.empty())
      GTEST_SKIP() << "NAT test skipped: " << why;
    Status s = net.create(dir.path(), portMapping());
    ASSERT_TRUE(s.ok()) << s.error().message;
    KamailioServer::Options o;
    o.host = NatNetwork::kWanAddress;
    o.commandPrefix = net.prefix(net.wan());
    s = kam.start(o, dir / "kam");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  virtual NatNetwork::PortMapping portMapping() const { return NatNetwork::PortMapping::Kept; }

  std::string kamDump() { return "\n=== kamailio ===\n" + kam.logText(16 * 1024); }

  TempDir dir{"nat"};
  NatNetwork net; // declared before the processes: removed after they stopped
  KamailioServer kam;
};

TEST_F(Nat, RegistersTheNatAddressAndTakesCallsThroughIt) {
  NamespacedPhone alice(dir, net, net.lan(), NatNetwork::kLanAddress, kam, "alice", signalA());
  NamespacedPhone bob(dir, net, net.wan(), NatNetwork::kWanAddress, kam, "bob", signalB());
  ASSERT_TRUE(alice.started && bob.started);
  ASSERT_TRUE(alice.registered()) << dump(alice.phone) << kamDump();
  ASSERT_TRUE(bob.registered()) << dump(bob.phone) << kamDump();

  // One binding, at the router's public address: the private one was replaced and removed.
  auto contacts = kam.registrations("alice");
  ASSERT_TRUE(contacts.ok()) << contacts.error().message;
  ASSERT_EQ(contacts->size(), 1u) << kamDump();
  const std::string uri = contacts->front().uri;
  EXPECT_TRUE(contains(uri, std::string("@") + NatNetwork::kRouterWanAddress + ":")) << uri;
  EXPECT_FALSE(contains(uri, NatNetwork::kLanAddress)) << uri;
  // `status` shows the same Contact.
  auto status = alice.phone.status();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(contains(status->dump(), "\"contact\":\"" + uri + "\"")) << status->dump();

  // Bob calls Alice by name through kamailio; the INVITE crosses the NAT to her.
  auto dialed = bob.phone.command("dial", "alice");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(alice.phone.waitForCallState("ringing", 5s)) << dump(alice.phone) << kamDump();
  ASSERT_TRUE(alice.phone.command("answer").ok());
  ASSERT_TRUE(alice.phone.waitForCallState("established", 5s)) << dump(alice.phone);
  ASSERT_TRUE(bob.phone.waitForCallState("established", 5s)) << dump(bob.phone) << kamDump();
  std::this_thread::sleep_for(3500ms);
  ASSERT_TRUE(bob.phone.command("hangup").ok());
  EXPECT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone);
  EXPECT_TRUE(bob.phone.waitForNoCalls(5s)) << dump(bob.phone);
  // Alice's SDP carries the NAT's address, so Bob's RTP reaches her through the router.
  expectHeard(alice.recording, signalB(), signalA(), "alice");
  expectHeard(bob.recording, signalA(), signalB(), "bob");
}

// publicAddr given: it is the Contact from the first REGISTER on, with no second round.
TEST_F(Nat, PublicAddrIsTheContact) {
  NamespacedPhone alice(dir, net, net.lan(), NatNetwork::kLanAddress, kam, "alice", signalA(),
                        {std::string("publicAddr=") + NatNetwork::kRouterWanAddress});
  ASSERT_TRUE(alice.started);
  ASSERT_TRUE(alice.registered()) << dump(alice.phone) << kamDump();
  auto contacts = kam.registrations("alice");
  ASSERT_TRUE(contacts.ok()) << contacts.error().message;
  ASSERT_EQ(contacts->size(), 1u) << kamDump();
  EXPECT_TRUE(contains(contacts->front().uri, std::string("@") + NatNetwork::kRouterWanAddress +
                                                  ":" + std::to_string(alice.phone.sipPort())))
      << contacts->front().uri;
  EXPECT_EQ(kam.registerCount("alice"), 2) << "one challenge, one answer" << kamDump();
}

// enableSTUN: the address comes from a STUN server on the wan side, asked from the SIP socket
// (the Via of the registrar's answers is then not used to learn it).
TEST_F(Nat, StunTellsThePublicAddress) {
  StunServer stun;
  Status s = stun.start(NatNetwork::kWanAddress, 3478, net.wan());
  ASSERT_TRUE(s.ok()) << s.error().message;
  NamespacedPhone alice(dir, net, net.lan(), NatNetwork::kLanAddress, kam, "alice", signalA(), {},
                        {"enableSTUN=1", std::string("STUN=") + NatNetwork::kWanAddress});
  ASSERT_TRUE(alice.started);
  ASSERT_TRUE(alice.registered()) << dump(alice.phone) << kamDump();
  std::string uri;
  EXPECT_TRUE(waitUntil(
      [&] {
        auto contacts = kam.registrations("alice");
        uri = contacts.ok() && contacts->size() == 1 ? contacts->front().uri : "";
        return contains(uri, std::string("@") + NatNetwork::kRouterWanAddress + ":");
      },
      5s, 100ms))
      << uri << "\n"
      << dump(alice.phone) << kamDump();
  ASSERT_GE(stun.requests(), 1);
  // The Contact is exactly the mapping the STUN server saw.
  const std::string seen = stun.sources().front();
  EXPECT_TRUE(contains(uri, "@" + seen)) << uri << " vs STUN " << seen;
  EXPECT_TRUE(contains(alice.phone.logText(), "(STUN)")) << alice.phone.logText();
}

// A local address that appears or disappears makes every account register again (a new
// binding replaces the old one), well before any refresh is due.
// NetworkMonitor::kSettleMs: how long the phone waits for a burst of changes to end.
constexpr auto NetworkMonitorSettle = 1000ms;

TEST_F(Nat, RegistersAgainWhenALocalAddressChanges) {
  NamespacedPhone alice(dir, net, net.lan(), NatNetwork::kLanAddress, kam, "alice", signalA());
  ASSERT_TRUE(alice.registered()) << dump(alice.phone) << kamDump();
  auto bindingCallId = [&]() -> std::string {
    auto contacts = kam.registrations("alice");
    return contacts.ok() && contacts->size() == 1 ? contacts->front().callId : "";
  };
  // Settled: the NAT rewrite is done and one binding is left.
  ASSERT_TRUE(waitUntil([&] { return !bindingCallId().empty(); }, 5s, 100ms)) << kamDump();
  const std::string before = bindingCallId();

  // A refresh of an address's lifetimes (what a router advertisement or a DHCP renewal does)
  // also comes as RTM_NEWADDR, and is no change: nothing registers again.
  Status refreshed =
      net.run(net.lan(), {"ip", "addr", "change", std::string(NatNetwork::kLanAddress) + "/24",
                          "dev", "eth0", "valid_lft", "3600", "preferred_lft", "3600"});
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
  std::this_thread::sleep_for(NetworkMonitorSettle + 1500ms);
  EXPECT_FALSE(contains(alice.phone.logText(), "local addresses changed")) << alice.phone.logText();
  EXPECT_EQ(bindingCallId(), before);

  Status added =
      net.run(net.lan(), {"ip", "addr", "add", NatNetwork::kLanSecondPrefix, "dev", "eth0"});
  ASSERT_TRUE(added.ok()) << added.error().message;
  std::string after;
  EXPECT_TRUE(waitUntil(
      [&] {
        after = bindingCallId();
        return !after.empty() && after != before;
      },
      5s, 100ms))
      << "still " << before << "\n"
      << dump(alice.phone) << kamDump();
  EXPECT_TRUE(contains(alice.phone.logText(), "local addresses changed"));

  // And when it goes away again (at most one report per 5 s: allow for that).
  Status removed =
      net.run(net.lan(), {"ip", "addr", "del", NatNetwork::kLanSecondPrefix, "dev", "eth0"});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  std::string third;
  EXPECT_TRUE(waitUntil(
      [&] {
        third = bindingCallId();
        return !third.empty() && third != after;
      },
      9s, 100ms))
      << dump(alice.phone) << kamDump();
  EXPECT_EQ(registrationOf(alice.phone), "registered");
}

// A router that does not keep source ports: each lan RTP/RTCP port leaves from another public
// port (NatNetwork::PortMapping::Shifted), so the local RTP port in an SDP would be wrong.
class NatShiftingPorts : public Nat {
protected:
  NatNetwork::PortMapping portMapping() const override { return NatNetwork::PortMapping::Shifted; }
  std::vector<std::string> shiftedRtpPorts() const {
    return {"rtpPortMin=" + std::to_string(NatNetwork::kShiftedPortMin),
            "rtpPortMax=" + std::to_string(NatNetwork::kShiftedPortMax)};
  }
};

// enableSTUN: before its SDP goes out, each call asks the STUN server for the public
// address:port of its RTP and RTCP sockets, and offers those; RTCP is not at the RTP port + 1
// there, so the SDP says where it is (a=rtcp). Calls both ways have their audio.
TEST_F(NatShiftingPorts, StunGivesEachCallItsPublicRtpPort) {
  StunServer stun;
  Status s = stun.start(NatNetwork::kWanAddress, 3478, net.wan());
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::vector<std::string> aliceSettings = shiftedRtpPorts();
  aliceSettings.push_back("enableSTUN=1");
  aliceSettings.push_back(std::string("STUN=") + NatNetwork::kWanAddress);
  NamespacedPhone alice(dir, net, net.lan(), NatNetwork::kLanAddress, kam, "alice", signalA(), {},
                        aliceSettings);
  NamespacedPhone bob(dir, net, net.wan(), NatNetwork::kWanAddress, kam, "bob", signalB());
  ASSERT_TRUE(alice.started && bob.started);
  ASSERT_TRUE(alice.registered()) << dump(alice.phone) << kamDump();
  ASSERT_TRUE(bob.registered()) << dump(bob.phone) << kamDump();

  // What Bob's side must have been told: a port the router maps a lan RTP port to, and that
  // the STUN server saw; RTCP at the mapping of the RTP port + 1.
  auto expectMappedMedia = [&](const std::string &who) {
    const std::string rtp = callField(bob.phone, "remote_rtp");
    const std::string rtcp = callField(bob.phone, "remote_rtcp");
    const std::string prefix = std::string(NatNetwork::kRouterWanAddress) + ":";
    ASSERT_TRUE(rtp.starts_with(prefix)) << who << ": " << rtp << "\n" << dump(bob.phone);
    const int port = std::stoi(rtp.substr(prefix.size()));
    const int lanPort = port - 10000;
    ASSERT_TRUE(lanPort >= NatNetwork::kShiftedPortMin && lanPort < NatNetwork::kShiftedPortMax)
        << who << ": " << rtp;
    EXPECT_EQ(rtcp, prefix + std::to_string(NatNetwork::shiftedPort(uint16_t(lanPort + 1)))) << who;
    const auto seen = stun.sources();
    EXPECT_NE(std::find(seen.begin(), seen.end(), rtp), seen.end()) << who << ": " << rtp;
  };

  // Alice calls: her INVITE waits for the STUN answers.
  auto dialed = alice.phone.command("dial", "bob");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(bob.phone.waitForCallState("ringing", 5s)) << dump(alice.phone) << kamDump();
  ASSERT_TRUE(bob.phone.command("answer").ok());
  ASSERT_TRUE(alice.phone.waitForCallState("established", 5s)) << dump(alice.phone);
  ASSERT_TRUE(bob.phone.waitForCallState("established", 5s)) << dump(bob.phone) << kamDump();
  expectMappedMedia("outgoing call");
  std::this_thread::sleep_for(3500ms);
  ASSERT_TRUE(alice.phone.command("hangup").ok());
  EXPECT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone);
  EXPECT_TRUE(bob.phone.waitForNoCalls(5s)) << dump(bob.phone);
  expectHeard(alice.recording, signalB(), signalA(), "alice");
  expectHeard(bob.recording, signalA(), signalB(), "bob");
  EXPECT_TRUE(contains(alice.phone.logText(), "the SDP carries the public RTP address"))
      << alice.phone.logText();

  // Bob calls: Alice's 200 (with her SDP) waits for the STUN answers; media flows both ways.
  dialed = bob.phone.command("dial", "alice");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(alice.phone.waitForCallState("ringing", 5s)) << dump(alice.phone) << kamDump();
  ASSERT_TRUE(alice.phone.command("answer").ok());
  ASSERT_TRUE(bob.phone.waitForCallState("established", 5s)) << dump(bob.phone) << kamDump();
  expectMappedMedia("incoming call");
  EXPECT_TRUE(waitUntil([&] { return callCount(alice.phone, "rtp_received") > 20; }, 3s, 100ms))
      << dump(alice.phone);
  ASSERT_TRUE(bob.phone.command("hangup").ok());
  EXPECT_TRUE(alice.phone.waitForNoCalls(5s)) << dump(alice.phone);
}

// Without STUN, the same router: Alice's SDP names her local RTP port, which the router maps
// nowhere, so nothing Bob sends reaches her (what the STUN mapping above is for).
TEST_F(NatShiftingPorts, WithoutStunTheLocalRtpPortIsUnreachable) {
  NamespacedPhone alice(dir, net, net.lan(), NatNetwork::kLanAddress, kam, "alice", signalA(), {},
                        shiftedRtpPorts());
  NamespacedPhone bob(dir, net, net.wan(), NatNetwork::kWanAddress, kam, "bob", signalB(), {},
                      {"autoAnswer=all"});
  ASSERT_TRUE(alice.started && bob.started);
  ASSERT_TRUE(alice.registered()) << dump(alice.phone) << kamDump();
  ASSERT_TRUE(bob.registered()) << dump(bob.phone) << kamDump();
  auto dialed = alice.phone.command("dial", "bob");
  ASSERT_TRUE(dialed.ok()) << dialed.describe();
  ASSERT_TRUE(alice.phone.waitForCallState("established", 5s)) << dump(alice.phone) << kamDump();
  // Bob does hear Alice (her packets create the router's mapping) ...
  ASSERT_TRUE(waitUntil([&] { return callCount(bob.phone, "rtp_received") > 25; }, 3s, 100ms))
      << dump(bob.phone);
  const std::string rtp = callField(bob.phone, "remote_rtp");
  const std::string prefix = std::string(NatNetwork::kRouterWanAddress) + ":";
  ASSERT_TRUE(rtp.starts_with(prefix)) << rtp;
  EXPECT_LT(std::stoi(rtp.substr(prefix.size())), NatNetwork::kShiftedPortMax) << rtp;
  // ... but by then Bob has sent as long to the port in her SDP, and none of it arrived.
  EXPECT_GT(callCount(bob.phone, "rtp_sent"), 25);
  EXPECT_EQ(callCount(alice.phone, "rtp_received"), 0) << dump(alice.phone);
  ASSERT_TRUE(alice.phone.command("hangup").ok());
  EXPECT_TRUE(bob.phone.waitForNoCalls(5s)) << dump(bob.phone);
}

} // namespace
} // namespace wisp::test
