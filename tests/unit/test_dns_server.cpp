// The tests' DNS server (tests/support/dns_server.h): queries are built byte by byte here and
// the replies are read back with libre's DNS decoder (the one the phone uses), so the encoder
// is checked by code that is not its own. Junk must never crash it or stop it answering.
#include "support/dns_server.h"

#include "util/re_ptr.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <random>
#include <sys/socket.h>
#include <unistd.h>

namespace wisp::test {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes &out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

// A standard query with one question; `name` in dotted form, labels written as given.
Bytes makeQuery(uint16_t id, const std::string &name, uint16_t type, uint16_t qclass = 1,
                uint16_t flags = 0x0100 /* RD */) {
  Bytes out;
  put16(out, id);
  put16(out, flags);
  put16(out, 1); // QDCOUNT
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos)
      dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  put16(out, type);
  put16(out, qclass);
  return out;
}

struct DecodedReply {
  dnshdr header{};
  std::string questionName;
  uint16_t questionType = 0;
  uint16_t questionClass = 0;
  std::vector<RePtr<dnsrr>> answers;
};

// libre's reading of a reply; nullopt (with a gtest failure) if it can't read all of it.
std::optional<DecodedReply> decode(const Bytes &bytes) {
  RePtr<mbuf> mb(mbuf_alloc(bytes.size() + 1));
  if (!mb || mbuf_write_mem(mb.get(), bytes.data(), bytes.size()) != 0) {
    ADD_FAILURE() << "mbuf";
    return std::nullopt;
  }
  mb->pos = 0;
  DecodedReply out;
  if (int err = dns_hdr_decode(mb.get(), &out.header)) {
    ADD_FAILURE() << "dns_hdr_decode: " << err;
    return std::nullopt;
  }
  for (uint16_t i = 0; i < out.header.nq; ++i) {
    char *name = nullptr;
    if (int err = dns_dname_decode(mb.get(), &name, 0)) {
      ADD_FAILURE() << "dns_dname_decode: " << err;
      return std::nullopt;
    }
    out.questionName = name;
    mem_deref(name);
    if (mbuf_get_left(mb.get()) < 4) {
      ADD_FAILURE() << "question cut short";
      return std::nullopt;
    }
    out.questionType = ntohs(mbuf_read_u16(mb.get()));
    out.questionClass = ntohs(mbuf_read_u16(mb.get()));
  }
  for (uint16_t i = 0; i < out.header.nans; ++i) {
    dnsrr *rr = nullptr;
    if (int err = dns_rr_decode(mb.get(), &rr, 0)) {
      ADD_FAILURE() << "dns_rr_decode of answer " << i << ": " << err;
      return std::nullopt;
    }
    out.answers.emplace_back(rr);
  }
  EXPECT_EQ(out.header.nauth, 0);
  EXPECT_EQ(out.header.nadd, 0);
  EXPECT_EQ(mbuf_get_left(mb.get()), 0u) << "bytes after the last record";
  return out;
}

DnsZone sipZone() {
  DnsZone zone;
  zone.addNaptr("pbx.test", {10, 20, "s", "SIP+D2U", "", "_sip._udp.pbx.test"});
  zone.addNaptr("pbx.test", {20, 10, "s", "SIP+D2T", "", "_sip._tcp.pbx.test."});
  zone.addSrv("_sip._udp.pbx.test", {5, 7, 5071, "sip1.pbx.test"});
  zone.addA("SIP1.Pbx.Test.", "127.0.0.1");
  zone.addA("sip1.pbx.test", "127.1.2.3");
  return zone;
}

TEST(DnsServerAnswers, ARecordsAsLibreReadsThem) {
  const Bytes query = makeQuery(0xBEEF, "sip1.pbx.test", dns_type::kA);
  auto reply = decode(answerDnsQuery(query, sipZone()));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header.id, 0xBEEF);
  EXPECT_TRUE(reply->header.qr);
  EXPECT_TRUE(reply->header.aa);
  EXPECT_TRUE(reply->header.rd);
  EXPECT_FALSE(reply->header.tc);
  EXPECT_EQ(reply->header.rcode, dns_rcode::kNoError);
  EXPECT_EQ(reply->header.nq, 1);
  EXPECT_EQ(reply->questionName, "sip1.pbx.test");
  EXPECT_EQ(reply->questionType, dns_type::kA);
  EXPECT_EQ(reply->questionClass, 1);
  ASSERT_EQ(reply->answers.size(), 2u);
  EXPECT_EQ(std::string(reply->answers[0]->name), "sip1.pbx.test");
  EXPECT_EQ(reply->answers[0]->type, DNS_TYPE_A);
  EXPECT_EQ(reply->answers[0]->dnsclass, DNS_CLASS_IN);
  EXPECT_EQ(reply->answers[0]->ttl, 60);
  EXPECT_EQ(reply->answers[0]->rdata.a.addr, 0x7F000001u); // libre: host order
  EXPECT_EQ(reply->answers[1]->rdata.a.addr, 0x7F010203u);
}

TEST(DnsServerAnswers, SrvAndNaptrAsLibreReadsThem) {
  auto srv = decode(answerDnsQuery(makeQuery(1, "_sip._udp.PBX.test", dns_type::kSrv), sipZone()));
  ASSERT_TRUE(srv);
  EXPECT_EQ(srv->header.rcode, dns_rcode::kNoError);
  EXPECT_EQ(srv->questionName, "_sip._udp.PBX.test") << "the question is repeated as asked";
  ASSERT_EQ(srv->answers.size(), 1u);
  const dnsrr &s = *srv->answers[0];
  EXPECT_EQ(s.type, DNS_TYPE_SRV);
  EXPECT_EQ(s.rdata.srv.pri, 5);
  EXPECT_EQ(s.rdata.srv.weight, 7);
  EXPECT_EQ(s.rdata.srv.port, 5071);
  EXPECT_EQ(std::string(s.rdata.srv.target), "sip1.pbx.test");

  auto naptr = decode(answerDnsQuery(makeQuery(2, "pbx.test", dns_type::kNaptr), sipZone()));
  ASSERT_TRUE(naptr);
  ASSERT_EQ(naptr->answers.size(), 2u);
  const dnsrr &n = *naptr->answers[0];
  EXPECT_EQ(n.type, DNS_TYPE_NAPTR);
  EXPECT_EQ(n.rdata.naptr.order, 10);
  EXPECT_EQ(n.rdata.naptr.pref, 20);
  EXPECT_EQ(std::string(n.rdata.naptr.flags), "s");
  EXPECT_EQ(std::string(n.rdata.naptr.services), "SIP+D2U");
  EXPECT_EQ(std::string(n.rdata.naptr.regexp), "");
  EXPECT_EQ(std::string(n.rdata.naptr.replace), "_sip._udp.pbx.test");
  EXPECT_EQ(std::string(naptr->answers[1]->rdata.naptr.services), "SIP+D2T");
  EXPECT_EQ(std::string(naptr->answers[1]->rdata.naptr.replace), "_sip._tcp.pbx.test");

  auto any = decode(answerDnsQuery(makeQuery(3, "pbx.test", dns_type::kAny), sipZone()));
  ASSERT_TRUE(any);
  EXPECT_EQ(any->answers.size(), 2u);
}

TEST(DnsServerAnswers, NxDomainNoDataRefused) {
  const DnsZone zone = sipZone();
  auto unknown = decode(answerDnsQuery(makeQuery(7, "nowhere.test", dns_type::kA), zone));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->header.rcode, dns_rcode::kNxDomain);
  EXPECT_TRUE(unknown->header.aa);
  EXPECT_EQ(unknown->answers.size(), 0u);
  EXPECT_EQ(unknown->questionName, "nowhere.test");

  // A parent of a known name is not a known name in this server's simple world.
  auto parent = decode(answerDnsQuery(makeQuery(8, "test", dns_type::kA), zone));
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->header.rcode, dns_rcode::kNxDomain);

  auto noData = decode(answerDnsQuery(makeQuery(9, "sip1.pbx.test", dns_type::kAaaa), zone));
  ASSERT_TRUE(noData);
  EXPECT_EQ(noData->header.rcode, dns_rcode::kNoError);
  EXPECT_EQ(noData->answers.size(), 0u);

  auto chaos = decode(answerDnsQuery(makeQuery(10, "sip1.pbx.test", dns_type::kA, 3), zone));
  ASSERT_TRUE(chaos);
  EXPECT_EQ(chaos->header.rcode, dns_rcode::kRefused);
  EXPECT_EQ(chaos->answers.size(), 0u);
}

TEST(DnsServerAnswers, TooManyRecordsForUdpAreTruncated) {
  DnsZone zone;
  for (int i = 0; i < 40; ++i) // 40 * 16 bytes of A records: more than 512
    zone.addA("many.test", "127.0.0." + std::to_string(i + 1));
  auto reply = decode(answerDnsQuery(makeQuery(11, "many.test", dns_type::kA), zone));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->header.tc);
  EXPECT_EQ(reply->answers.size(), 0u);

  DnsZone fits;
  for (int i = 0; i < 20; ++i)
    fits.addA("many.test", "127.0.0." + std::to_string(i + 1));
  auto whole = decode(answerDnsQuery(makeQuery(12, "many.test", dns_type::kA), fits));
  ASSERT_TRUE(whole);
  EXPECT_FALSE(whole->header.tc);
  EXPECT_EQ(whole->answers.size(), 20u);
}

TEST(DnsZoneTest, RejectsWhatIsNotAHostName) {
  DnsZone zone;
  EXPECT_THROW(zone.addA("bad name.test", "127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(zone.addA("a..test", "127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(zone.addA("", "127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(zone.addA(std::string(64, 'a') + ".test", "127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(zone.addA("ok.test", "127.0.0"), std::invalid_argument);
  EXPECT_THROW(zone.addSrv("_sip._udp.ok.test", {0, 0, 5060, "bad/target"}), std::invalid_argument);
  EXPECT_THROW(zone.addNaptr("ok.test", {0, 0, "s", std::string(256, 'x'), "", "a.test"}),
               std::invalid_argument);
  EXPECT_FALSE(zone.has("ok.test")) << "a rejected record must leave no trace";
  zone.addA(std::string(63, 'a') + ".test", "127.0.0.1");
  EXPECT_TRUE(zone.has(std::string(63, 'A') + ".TEST."));
}

// ---- Malformed queries ----

uint8_t rcodeOf(const Bytes &reply) {
  return reply.size() >= 4 ? reply[3] & 0x0F : 0xFF;
}

TEST(DnsServerParser, RejectsMalformedQueriesWithFormErr) {
  const DnsZone zone = sipZone();
  const Bytes good = makeQuery(0x1234, "pbx.test", dns_type::kNaptr);
  ASSERT_TRUE(parseDnsQuery(good).ok());

  Bytes noQuestion = good;
  noQuestion[5] = 0;
  Bytes twoQuestions = good;
  twoQuestions[5] = 2;
  Bytes pointer = good;
  pointer[12] = 0xC0; // a compression pointer where the first label starts
  pointer[13] = 0x0C;
  Bytes extended = good;
  extended[12] = 0x43; // 01xxxxxx: an extended label type
  Bytes labelTooLong = makeQuery(0x1234, std::string(64, 'a') + ".test", dns_type::kA);
  std::string longName;
  for (int i = 0; i < 5; ++i)
    longName += std::string(60, 'b') + ".";
  longName += "test";
  Bytes nameTooLong = makeQuery(0x1234, longName, dns_type::kA);
  Bytes labelPastEnd = good;
  labelPastEnd[12] = 50; // claims 50 bytes, the packet holds fewer
  Bytes noType(good.begin(), good.end() - 3);

  for (const auto &[what, packet] :
       std::vector<std::pair<std::string, Bytes>>{{"no question", noQuestion},
                                                  {"two questions", twoQuestions},
                                                  {"compression pointer", pointer},
                                                  {"extended label", extended},
                                                  {"64-byte label", labelTooLong},
                                                  {"name over 255 bytes", nameTooLong},
                                                  {"label past the end", labelPastEnd},
                                                  {"type and class cut off", noType}}) {
    auto parsed = parseDnsQuery(packet);
    EXPECT_FALSE(parsed.ok()) << what;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, "format") << what;
    }
    const Bytes reply = answerDnsQuery(packet, zone);
    ASSERT_EQ(reply.size(), 12u) << what;
    EXPECT_EQ(reply[0], 0x12) << what;
    EXPECT_EQ(reply[1], 0x34) << what;
    EXPECT_TRUE(reply[2] & 0x80) << what << ": QR";
    EXPECT_EQ(rcodeOf(reply), dns_rcode::kFormErr) << what;
  }

  // A 63-byte label and a name of exactly 255 wire bytes are fine.
  EXPECT_TRUE(parseDnsQuery(makeQuery(1, std::string(63, 'a') + ".test", dns_type::kA)).ok());
  std::string maxName;
  for (int i = 0; i < 3; ++i)
    maxName += std::string(63, 'c') + ".";
  maxName += std::string(61, 'd'); // 3 * 64 + 62 + 1 = 255 bytes on the wire
  auto longest = parseDnsQuery(makeQuery(1, maxName, dns_type::kA));
  ASSERT_TRUE(longest.ok()) << longest.error().message;
  EXPECT_EQ(longest->question.name, maxName);
}

TEST(DnsServerParser, DropsWhatIsNoQueryAndRefusesOtherOpcodes) {
  const DnsZone zone = sipZone();
  const Bytes good = makeQuery(0x4242, "pbx.test", dns_type::kNaptr);
  for (size_t n = 0; n < 12; ++n)
    EXPECT_TRUE(answerDnsQuery(std::span(good.data(), n), zone).empty()) << n << " bytes";
  Bytes response = good;
  response[2] |= 0x80;
  EXPECT_TRUE(answerDnsQuery(response, zone).empty()) << "a response must never be answered";
  Bytes status = good;
  status[2] |= 2 << 3; // opcode STATUS
  const Bytes reply = answerDnsQuery(status, zone);
  EXPECT_EQ(rcodeOf(reply), dns_rcode::kNotImp);
  EXPECT_EQ((reply[2] >> 3) & 0x0F, 2) << "the opcode is repeated";
}

TEST(DnsServerParser, UnusualBytesInNamesAreEscapedNotMatched) {
  Bytes query = makeQuery(5, "pbx.test", dns_type::kNaptr);
  query[14] = '.'; // "p.x" as one label: must not be read as two
  auto parsed = parseDnsQuery(query);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->question.name, "p\\046x.test");
  auto reply = decode(answerDnsQuery(query, sipZone()));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header.rcode, dns_rcode::kNxDomain);
}

TEST(DnsServerParser, SurvivesEveryPrefixAndRandomJunk) {
  const DnsZone zone = sipZone();
  const Bytes good = makeQuery(9, "_sip._udp.pbx.test", dns_type::kSrv);
  for (size_t n = 0; n <= good.size(); ++n) {
    const Bytes reply = answerDnsQuery(std::span(good.data(), n), zone);
    if (n < 12)
      EXPECT_TRUE(reply.empty());
    else if (n < good.size())
      EXPECT_EQ(rcodeOf(reply), dns_rcode::kFormErr) << n << " bytes";
    else
      EXPECT_EQ(rcodeOf(reply), dns_rcode::kNoError);
  }

  std::mt19937 random(20240611); // fixed: a failure must be reproducible
  size_t answered = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes junk = good;
    // Flip a few bytes of a valid query (so the parser gets past the header), or pure noise.
    if (i % 4 == 0) {
      junk.resize(random() % 80);
      for (auto &b : junk)
        b = static_cast<uint8_t>(random());
    } else {
      for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips)
        junk[random() % junk.size()] = static_cast<uint8_t>(random());
      junk.resize(random() % (junk.size() + 8), 0xAA);
    }
    const Bytes reply = answerDnsQuery(junk, zone);
    if (reply.empty())
      continue;
    ++answered;
    ASSERT_GE(reply.size(), 12u);
    ASSERT_LE(reply.size(), 512u);
    EXPECT_EQ(reply[0], junk[0]);
    EXPECT_EQ(reply[1], junk[1]);
    EXPECT_TRUE(reply[2] & 0x80);
  }
  EXPECT_GT(answered, 1000u) << "the junk hardly ever got past the header";
}

// ---- The server on a socket ----

class UdpClient {
public:
  UdpClient() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~UdpClient() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  bool send(uint16_t port, const Bytes &packet) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr *>(&to),
                    sizeof to) == static_cast<ssize_t>(packet.size());
  }
  std::optional<Bytes> receive(int timeoutMs = 2000) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeoutMs) != 1)
      return std::nullopt;
    Bytes buffer(4096);
    ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (got < 0)
      return std::nullopt;
    buffer.resize(static_cast<size_t>(got));
    return buffer;
  }

private:
  int fd_;
};

TEST(DnsServerSocket, AnswersRecordsQueriesAndOutlivesJunk) {
  DnsServer server;
  ASSERT_TRUE(server.start(sipZone()).ok());
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));
  UdpClient client;

  ASSERT_TRUE(client.send(server.port(), {0x01, 0x02, 0x03}));
  ASSERT_TRUE(client.send(server.port(), Bytes(12, 0xFF))); // a "response": dropped
  Bytes pointer = makeQuery(77, "pbx.test", dns_type::kNaptr);
  pointer[12] = 0xC0;
  ASSERT_TRUE(client.send(server.port(), pointer));
  auto formErr = client.receive();
  ASSERT_TRUE(formErr) << "no FORMERR";
  EXPECT_EQ(rcodeOf(*formErr), dns_rcode::kFormErr);

  ASSERT_TRUE(client.send(server.port(), makeQuery(78, "pbx.test", dns_type::kNaptr)));
  auto raw = client.receive();
  ASSERT_TRUE(raw) << "no answer after junk";
  auto reply = decode(*raw);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header.id, 78);
  EXPECT_EQ(reply->answers.size(), 2u);

  ASSERT_TRUE(client.send(server.port(), makeQuery(79, "_SIP._udp.pbx.test", dns_type::kSrv)));
  ASSERT_TRUE(client.receive());
  ASSERT_TRUE(client.send(server.port(), makeQuery(80, "nowhere.test", dns_type::kA)));
  auto nx = client.receive();
  ASSERT_TRUE(nx);
  EXPECT_EQ(rcodeOf(*nx), dns_rcode::kNxDomain);

  EXPECT_EQ(server.describeQueries(), "NAPTR pbx.test, SRV _sip._udp.pbx.test, A nowhere.test");
  EXPECT_EQ(server.queryCount("pbx.test.", dns_type::kNaptr), 1u);
  EXPECT_EQ(server.queryCount("_sip._udp.PBX.test", dns_type::kSrv), 1u);
  EXPECT_EQ(server.queryCount("pbx.test", dns_type::kA), 0u);
  EXPECT_EQ(server.malformedCount(), 3u);

  // A new zone takes effect at once.
  DnsZone other;
  other.addA("nowhere.test", "127.0.0.9");
  server.setZone(other);
  ASSERT_TRUE(client.send(server.port(), makeQuery(81, "nowhere.test", dns_type::kA)));
  auto now = client.receive();
  ASSERT_TRUE(now);
  auto decoded = decode(*now);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->answers.size(), 1u);
  EXPECT_EQ(decoded->answers[0]->rdata.a.addr, 0x7F000009u);

  server.clearQueries();
  EXPECT_TRUE(server.queries().empty());
  const auto before = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1));
  server.stop(); // twice is fine
  ASSERT_TRUE(client.send(server.port(), makeQuery(82, "pbx.test", dns_type::kNaptr)));
  EXPECT_FALSE(client.receive(200)) << "answered after stop()";
}

TEST(DnsServerSocket, TwoServersGetTheirOwnPorts) {
  DnsServer a, b;
  ASSERT_TRUE(a.start(sipZone()).ok());
  ASSERT_TRUE(b.start(DnsZone()).ok());
  EXPECT_NE(a.port(), b.port());
  EXPECT_FALSE(a.start(DnsZone()).ok()) << "started twice";
  UdpClient client;
  ASSERT_TRUE(client.send(b.port(), makeQuery(1, "pbx.test", dns_type::kNaptr)));
  auto reply = client.receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(rcodeOf(*reply), dns_rcode::kNxDomain) << "b has an empty zone";
  EXPECT_EQ(a.queries().size(), 0u);
  EXPECT_EQ(b.queries().size(), 1u);
}

} // namespace
} // namespace wisp::test
