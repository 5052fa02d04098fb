#include "support/dns_server.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace wisp::test {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxUdpReply = 512; // RFC 1035 4.2.1, without EDNS
constexpr size_t kMaxWireName = 255; // RFC 1035 3.1, length bytes and the final 0 included
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxTextName = 253;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kClassAny = 255;
constexpr uint16_t kFlagResponse = 0x8000;
constexpr uint16_t kFlagAuthoritative = 0x0400;
constexpr uint16_t kFlagTruncated = 0x0200;
constexpr uint16_t kFlagRecursionDesired = 0x0100;
// A pointer to offset 12, where the question's name starts in every reply.
constexpr uint16_t kPointerToQuestion = 0xC000 | kHeaderSize;

uint16_t get16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>(p[at] << 8 | p[at + 1]);
}

void put16(std::vector<uint8_t> &out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

void put32(std::vector<uint8_t> &out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xFFFF));
}

bool isHostNameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

unsigned char lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// The form names are kept and compared in: lower case, no final dot. Empty if `name` is not a
// host name by the zone's rules (such a name then matches nothing).
std::string canonicalName(std::string_view name) {
  if (name.ends_with('.'))
    name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxTextName)
    return {};
  std::string out;
  size_t labelLength = 0;
  for (char ch : name) {
    unsigned char c = lower(static_cast<unsigned char>(ch));
    if (c == '.') {
      if (labelLength == 0)
        return {};
      labelLength = 0;
    } else if (!isHostNameChar(c) || ++labelLength > kMaxLabel) {
      return {};
    }
    out.push_back(static_cast<char>(c));
  }
  return labelLength == 0 ? std::string() : out;
}

std::string checkedName(std::string_view name) {
  std::string canonical = canonicalName(name);
  if (canonical.empty())
    throw std::invalid_argument("DnsZone: \"" + std::string(name) + "\" is not a host name");
  return canonical;
}

// A canonical name (or "" for the root) in wire form, uncompressed.
void putName(std::vector<uint8_t> &out, std::string_view canonical) {
  while (!canonical.empty()) {
    size_t dot = canonical.find('.');
    std::string_view label = canonical.substr(0, dot);
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    canonical = dot == std::string_view::npos ? std::string_view() : canonical.substr(dot + 1);
  }
  out.push_back(0);
}

// A <character-string> (RFC 1035 3.3): a length byte and up to 255 bytes.
void putText(std::vector<uint8_t> &out, std::string_view text) {
  if (text.size() > 255)
    throw std::invalid_argument("DnsZone: a NAPTR text is longer than 255 bytes");
  out.push_back(static_cast<uint8_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

// The name starting at `at`, in DnsQuestion's form; `at` moves past it. An error for a
// compression pointer, an extended label type, a label or name too long, or the packet
// ending first.
Result<std::string> readQuestionName(std::span<const uint8_t> packet, size_t &at) {
  std::string name;
  size_t wireLength = 0;
  while (true) {
    if (at >= packet.size())
      return makeError("format", "the question's name runs past the end of the packet");
    const uint8_t length = packet[at];
    if ((length & 0xC0) == 0xC0)
      return makeError("format", "a compression pointer in the question");
    if (length & 0xC0)
      return makeError("format", "an extended label type in the question");
    wireLength += 1u + length;
    if (wireLength > kMaxWireName)
      return makeError("format", "the question's name is longer than 255 bytes");
    ++at;
    if (length == 0)
      return name;
    if (packet.size() - at < length)
      return makeError("format", "a label of the question runs past the end of the packet");
    if (!name.empty())
      name.push_back('.');
    for (size_t i = 0; i < length; ++i) {
      const unsigned char c = lower(packet[at + i]);
      if (isHostNameChar(c)) {
        name.push_back(static_cast<char>(c));
      } else {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\%03u", c);
        name += escaped;
      }
    }
    at += length;
  }
}

// A reply without records: just the header (with no question).
std::vector<uint8_t> bareReply(std::span<const uint8_t> query, uint8_t rcode) {
  std::vector<uint8_t> out;
  put16(out, get16(query, 0));
  const uint16_t flags = get16(query, 2);
  put16(out, static_cast<uint16_t>(kFlagResponse | (flags & 0x7800) |
                                   (flags & kFlagRecursionDesired) | rcode));
  for (int i = 0; i < 4; ++i)
    put16(out, 0);
  return out;
}

} // namespace

std::string dnsTypeName(uint16_t type) {
  switch (type) {
  case dns_type::kA:
    return "A";
  case dns_type::kAaaa:
    return "AAAA";
  case dns_type::kSrv:
    return "SRV";
  case dns_type::kNaptr:
    return "NAPTR";
  case dns_type::kAny:
    return "ANY";
  default:
    return "TYPE" + std::to_string(type);
  }
}

// ---- DnsZone ----

DnsZone &DnsZone::add(std::string_view name, WireRecord record) {
  records_[checkedName(name)].push_back(std::move(record));
  return *this;
}

DnsZone &DnsZone::addA(std::string_view name, std::string_view ipv4) {
  in_addr addr{};
  if (::inet_pton(AF_INET, std::string(ipv4).c_str(), &addr) != 1)
    throw std::invalid_argument("DnsZone: \"" + std::string(ipv4) + "\" is not an IPv4 address");
  WireRecord r{dns_type::kA, {}};
  const auto *bytes = reinterpret_cast<const uint8_t *>(&addr.s_addr); // network order
  r.rdata.assign(bytes, bytes + 4);
  return add(name, std::move(r));
}

DnsZone &DnsZone::addSrv(std::string_view name, const SrvRecord &record) {
  WireRecord r{dns_type::kSrv, {}};
  put16(r.rdata, record.priority);
  put16(r.rdata, record.weight);
  put16(r.rdata, record.port);
  putName(r.rdata, checkedName(record.target));
  return add(name, std::move(r));
}

DnsZone &DnsZone::addNaptr(std::string_view name, const NaptrRecord &record) {
  WireRecord r{dns_type::kNaptr, {}};
  put16(r.rdata, record.order);
  put16(r.rdata, record.preference);
  putText(r.rdata, record.flags);
  putText(r.rdata, record.service);
  putText(r.rdata, record.regexp);
  const bool root = record.replacement.empty() || record.replacement == ".";
  putName(r.rdata, root ? std::string() : checkedName(record.replacement));
  return add(name, std::move(r));
}

bool DnsZone::has(std::string_view name) const {
  return records_.contains(canonicalName(name));
}

std::vector<DnsZone::WireRecord> DnsZone::find(std::string_view name, uint16_t type) const {
  std::vector<WireRecord> out;
  auto it = records_.find(canonicalName(name));
  if (it == records_.end())
    return out;
  for (const WireRecord &r : it->second)
    if (type == dns_type::kAny || r.type == type)
      out.push_back(r);
  return out;
}

// ---- Queries and answers ----

Result<DnsQuery> parseDnsQuery(std::span<const uint8_t> packet) {
  if (packet.size() < kHeaderSize)
    return makeError("short", "shorter than a DNS header");
  const uint16_t flags = get16(packet, 2);
  if (flags & kFlagResponse)
    return makeError("response", "a response, not a query");
  DnsQuery query;
  query.id = get16(packet, 0);
  query.opcode = static_cast<uint8_t>((flags >> 11) & 0x0F);
  query.recursionDesired = (flags & kFlagRecursionDesired) != 0;
  if (query.opcode != 0)
    return makeError("opcode", "opcode " + std::to_string(query.opcode) + " is not QUERY");
  const uint16_t questions = get16(packet, 4);
  if (questions != 1)
    return makeError("format", std::to_string(questions) + " questions instead of 1");
  // Answer, authority and additional records (an EDNS OPT, say) are not looked at.
  size_t at = kHeaderSize;
  auto name = readQuestionName(packet, at);
  if (!name)
    return name.error();
  if (packet.size() - at < 4)
    return makeError("format", "the question's type and class are missing");
  query.question.name = std::move(*name);
  query.question.type = get16(packet, at);
  query.question.qclass = get16(packet, at + 2);
  query.questionEnd = at + 4;
  return query;
}

std::vector<uint8_t> answerDnsQuery(std::span<const uint8_t> packet, const DnsZone &zone) {
  auto parsed = parseDnsQuery(packet);
  if (!parsed) {
    const std::string &code = parsed.error().code;
    if (code == "short" || code == "response")
      return {};
    return bareReply(packet, code == "opcode" ? dns_rcode::kNotImp : dns_rcode::kFormErr);
  }
  const DnsQuery &query = *parsed;
  const DnsQuestion &q = query.question;

  uint8_t rcode = dns_rcode::kNoError;
  std::vector<DnsZone::WireRecord> answers;
  if (q.qclass != kClassIn && q.qclass != kClassAny)
    rcode = dns_rcode::kRefused;
  else if (!zone.has(q.name))
    rcode = dns_rcode::kNxDomain;
  else
    answers = zone.find(q.name, q.type);

  uint16_t flags = static_cast<uint16_t>(kFlagResponse | kFlagAuthoritative | rcode);
  if (query.recursionDesired)
    flags |= kFlagRecursionDesired;
  auto header = [&](uint16_t answerCount) {
    std::vector<uint8_t> out;
    put16(out, query.id);
    put16(out, flags);
    put16(out, 1);
    put16(out, answerCount);
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), packet.begin() + kHeaderSize, packet.begin() + query.questionEnd);
    return out;
  };

  std::vector<uint8_t> reply = header(static_cast<uint16_t>(answers.size()));
  for (const DnsZone::WireRecord &r : answers) {
    put16(reply, kPointerToQuestion);
    put16(reply, r.type);
    put16(reply, kClassIn);
    put32(reply, zone.ttl());
    put16(reply, static_cast<uint16_t>(r.rdata.size()));
    reply.insert(reply.end(), r.rdata.begin(), r.rdata.end());
  }
  if (reply.size() > kMaxUdpReply) {
    flags |= kFlagTruncated;
    reply = header(0);
  }
  return reply;
}

// ---- DnsServer ----

DnsServer::~DnsServer() {
  stop();
}

Status DnsServer::start(DnsZone zone) {
  if (thread_.joinable())
    return makeError("state", "the DNS server is already running");
  setZone(std::move(zone));
  clearQueries();
  malformed_ = 0;

  // CLOEXEC: the phone and the peers are children of the test; they must not hold our socket.
  socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (socket_ < 0)
    return makeError("io", std::string("DNS server: socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0; // the kernel's choice is free by definition, and ours until we close it
  socklen_t length = sizeof addr;
  if (::bind(socket_, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0 ||
      ::getsockname(socket_, reinterpret_cast<sockaddr *>(&addr), &length) != 0) {
    std::string why = std::strerror(errno);
    stop();
    return makeError("io", "DNS server: cannot bind 127.0.0.1: " + why);
  }
  port_ = ntohs(addr.sin_port);
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) {
    std::string why = std::strerror(errno);
    stop();
    return makeError("io", "DNS server: eventfd: " + why);
  }
  thread_ = std::thread([this] { serve(); });
  return Ok{};
}

void DnsServer::stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    // An eventfd write of 1 cannot fail short of a counter overflow.
    [[maybe_unused]] ssize_t written = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
  }
  if (socket_ >= 0)
    ::close(socket_);
  if (wakeFd_ >= 0)
    ::close(wakeFd_);
  socket_ = -1;
  wakeFd_ = -1;
}

std::string DnsServer::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void DnsServer::setZone(DnsZone zone) {
  std::lock_guard lock(mutex_);
  zone_ = std::move(zone);
}

std::vector<DnsQuestion> DnsServer::queries() const {
  std::lock_guard lock(mutex_);
  return queries_;
}

size_t DnsServer::queryCount(std::string_view name, uint16_t type) const {
  const std::string wanted = canonicalName(name);
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const DnsQuestion &q : queries_)
    if (q.type == type && q.name == wanted)
      ++count;
  return count;
}

std::string DnsServer::describeQueries() const {
  std::string out;
  for (const DnsQuestion &q : queries()) {
    if (!out.empty())
      out += ", ";
    out += dnsTypeName(q.type) + " " + (q.name.empty() ? "." : q.name);
  }
  return out.empty() ? "(no queries)" : out;
}

void DnsServer::clearQueries() {
  std::lock_guard lock(mutex_);
  queries_.clear();
}

void DnsServer::serve() {
  // The largest UDP payload; anything longer would be cut, and is counted as malformed.
  std::vector<uint8_t> buffer(65536);
  while (true) {
    pollfd fds[2] = {{wakeFd_, POLLIN, 0}, {socket_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[0].revents)
      return;
    if (!(fds[1].revents & POLLIN))
      continue;
    sockaddr_storage from{};
    socklen_t fromLength = sizeof from;
    ssize_t got = ::recvfrom(socket_, buffer.data(), buffer.size(), MSG_TRUNC,
                             reinterpret_cast<sockaddr *>(&from), &fromLength);
    if (got < 0)
      continue; // EAGAIN, or an ICMP error of an earlier reply: nothing to answer
    if (static_cast<size_t>(got) > buffer.size()) {
      ++malformed_;
      continue;
    }
    handle(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(got)), &from, fromLength);
  }
}

void DnsServer::handle(std::span<const uint8_t> packet, const void *from, unsigned fromLength) {
  std::vector<uint8_t> reply;
  {
    std::lock_guard lock(mutex_);
    if (auto query = parseDnsQuery(packet))
      queries_.push_back(query->question);
    else
      ++malformed_;
    reply = answerDnsQuery(packet, zone_);
  }
  if (!reply.empty())
    ::sendto(socket_, reply.data(), reply.size(), 0, static_cast<const sockaddr *>(from),
             static_cast<socklen_t>(fromLength));
}

} // namespace wisp::test
