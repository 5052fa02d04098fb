// A tiny authoritative DNS server for the tests that make the phone resolve SIP server names
// (RFC 3263: NAPTR, then SRV, then A). It answers over UDP on 127.0.0.1, on a port the kernel
// picks, from a table the test fills in, and remembers every question it was asked, so that a
// test can check which lookups the phone really made.
//
// What it answers (always authoritative, AA set, never recursive):
// - a name the zone has records for: the records of the asked type (all of them for ANY);
//   none, with NOERROR, if it has no record of that type (NODATA);
// - any other name: NXDOMAIN (no SOA: the clients under test don't cache negative answers);
// - a question of a class other than IN (or ANY): REFUSED; an opcode other than QUERY: NOTIMP;
// - a malformed query (anything but one question; a label or name too long; a compression
//   pointer in the question; a packet that ends too early): FORMERR, or nothing at all when
//   even the header is missing or the packet is itself a response.
// Answers never exceed 512 bytes (plain DNS over UDP): a longer one is sent without records
// and with TC set. No TCP: the zones of the tests are small.
//
// Use only names under .test (RFC 2606) in zones, so that a resolver that ends up asking a
// real name server by mistake gets NXDOMAIN instead of somebody's address.
#pragma once

#include "util/result.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace wisp::test {

// The record types the tests deal with (RFC 1035, 3596, 2782, 3403).
namespace dns_type {
constexpr uint16_t kA = 1;
constexpr uint16_t kAaaa = 28;
constexpr uint16_t kSrv = 33;
constexpr uint16_t kNaptr = 35;
constexpr uint16_t kAny = 255;
} // namespace dns_type

// "A", "SRV", "NAPTR", ... or "TYPE<n>" for the others, for messages.
std::string dnsTypeName(uint16_t type);

namespace dns_rcode {
constexpr uint8_t kNoError = 0;
constexpr uint8_t kFormErr = 1;
constexpr uint8_t kNxDomain = 3;
constexpr uint8_t kNotImp = 4;
constexpr uint8_t kRefused = 5;
} // namespace dns_rcode

struct SrvRecord {
  uint16_t priority = 0;
  uint16_t weight = 0;
  uint16_t port = 0;
  std::string target; // a host name of the zone
};

struct NaptrRecord {
  uint16_t order = 0;
  uint16_t preference = 0;
  std::string flags = "s"; // "s": the replacement is an SRV name
  std::string service;     // "SIP+D2U" (UDP), "SIP+D2T" (TCP), "SIPS+D2T" (TLS)
  std::string regexp;      // empty when a replacement is given
  std::string replacement; // e.g. "_sip._udp.pbx.test"; empty for the root (".")
};

// The records the server answers from. Names are compared without regard to ASCII case and
// may be written with or without the final dot.
class DnsZone {
public:
  // These throw std::invalid_argument for a name that is not a host name (labels of 1-63
  // letters, digits, '-' and '_', at most 253 characters), an address that is not dotted
  // IPv4, or a NAPTR text longer than 255 bytes: mistakes in the test itself.
  DnsZone &addA(std::string_view name, std::string_view ipv4);
  DnsZone &addSrv(std::string_view name, const SrvRecord &record);
  DnsZone &addNaptr(std::string_view name, const NaptrRecord &record);

  // True if `name` has records of any type.
  bool has(std::string_view name) const;

  // A record as it goes on the wire: its type and RDATA (names in it uncompressed).
  struct WireRecord {
    uint16_t type;
    std::vector<uint8_t> rdata;
  };
  // The records of `name` (in the order they were added) of `type`, or all for kAny.
  std::vector<WireRecord> find(std::string_view name, uint16_t type) const;

  uint32_t ttl() const { return ttl_; }
  void setTtl(uint32_t seconds) { ttl_ = seconds; }

private:
  DnsZone &add(std::string_view name, WireRecord record);

  std::map<std::string, std::vector<WireRecord>> records_; // key: canonical name
  uint32_t ttl_ = 60;
};

// One question of a query, as the server understood it.
struct DnsQuestion {
  std::string name; // lower case, no final dot; bytes other than [a-z0-9-_] written as \DDD
  uint16_t type = 0;
  uint16_t qclass = 0;
};

// The parts of a query the answer depends on.
struct DnsQuery {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool recursionDesired = false;
  DnsQuestion question;
  // Where the question section ends: the reply repeats bytes [12, questionEnd) as they came.
  size_t questionEnd = 0;
};

// Parses a DNS query. Errors (Error::code): "short" (no complete header), "response" (the
// QR bit is set), "opcode" (not a standard QUERY), "format" (anything else wrong).
Result<DnsQuery> parseDnsQuery(std::span<const uint8_t> packet);

// The reply the server sends to `packet` from `zone`; empty if it sends none. Never reads
// outside `packet`, whatever it holds.
std::vector<uint8_t> answerDnsQuery(std::span<const uint8_t> packet, const DnsZone &zone);

class DnsServer {
public:
  DnsServer() = default;
  ~DnsServer(); // stop()
  DnsServer(const DnsServer &) = delete;
  DnsServer &operator=(const DnsServer &) = delete;

  // Binds a UDP socket on 127.0.0.1 (a port the kernel picks) and answers from `zone` on a
  // thread of its own until stop().
  Status start(DnsZone zone);
  // Stops answering and closes the socket. Safe to call twice.
  void stop();

  uint16_t port() const { return port_; }
  // "127.0.0.1:PORT", as wisp.ini's dnsSrvNs wants it.
  std::string address() const;

  // Replaces the records while running (later queries see the new ones).
  void setZone(DnsZone zone);

  // Every question asked since start() (or clearQueries()), in the order they came.
  std::vector<DnsQuestion> queries() const;
  // How many times `name` was asked for with `type` (name compared as in the zone).
  size_t queryCount(std::string_view name, uint16_t type) const;
  // "NAPTR pbx.test, SRV _sip._udp.pbx.test, A sip1.pbx.test" for failure messages.
  std::string describeQueries() const;
  void clearQueries();
  // Datagrams that could not be parsed as a query (answered FORMERR, NOTIMP, or dropped).
  size_t malformedCount() const { return malformed_.load(); }

private:
  void serve();
  void handle(std::span<const uint8_t> packet, const void *from, unsigned fromLength);

  int socket_ = -1;
  int wakeFd_ = -1; // an eventfd that tells the thread to stop
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_; // zone_ and queries_
  DnsZone zone_;
  std::vector<DnsQuestion> queries_;
  std::atomic<size_t> malformed_{0};
};

} // namespace wisp::test
