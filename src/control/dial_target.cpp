#include "control/dial_target.h"

#include "control/command.h"
#include "util/text.h"

#include <arpa/inet.h>

#include <charconv>
#include <optional>

namespace wisp {
namespace {

constexpr const char *kBadArgument = "bad_argument";

std::string hexEscape(unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string{'%', kHex[byte >> 4], kHex[byte & 0xf]};
}

// RFC 3261 "unreserved": never needs escaping anywhere in a SIP URI.
bool isUnreserved(char c) {
  return isAsciiAlnum(c) || std::string_view("-_.!~*'()").find(c) != std::string_view::npos;
}

// Allowed in the user part (and ":password") of a sip: URI as typed; '#' is escaped later.
bool isUserInfoChar(char c) {
  return isUnreserved(c) || std::string_view("&=+$,;/:%#").find(c) != std::string_view::npos;
}

// Allowed in ";name=value" URI parameters.
bool isParamChar(char c) {
  return isUnreserved(c) || std::string_view("[]/:&+$%=").find(c) != std::string_view::npos;
}

std::string describeChar(char c) {
  auto byte = static_cast<unsigned char>(c);
  switch (c) {
  case ' ':
    return "a space";
  case '\r':
    return "a carriage return (\\r)";
  case '\n':
    return "a line feed (\\n)";
  case '\t':
    return "a tab";
  default:
    break;
  }
  if (isAsciiControl(c)) {
    return "a control character (" + quoted(std::string_view(&c, 1)) + ")";
  }
  if (byte >= 0x80) {
    return "a non-ASCII character";
  }
  return std::string("'") + c + "'";
}

// Characters that could end a SIP header or a URI inside <...> early: a target holding one
// could smuggle headers into the request, so it is refused rather than escaped.
std::optional<char> firstUnsafeChar(std::string_view s) {
  for (char c : s) {
    if (isAsciiControl(c) || c == ' ' || c == '<' || c == '>' || c == '"') {
      return c;
    }
  }
  return std::nullopt;
}

Error cannotDial(std::string_view typed, const std::string &why) {
  return makeError(kBadArgument, "cannot dial " + quoted(typed) + ": " + why);
}

Status checkSafe(std::string_view typed, std::string_view s) {
  if (auto c = firstUnsafeChar(s)) {
    return cannotDial(typed, "it contains " + describeChar(*c));
  }
  return Ok{};
}

// With onlyUnreserved, escapes of other characters stay as they are: decoding %40 or %3B
// would change the structure of a SIP URI.
Result<std::string> percentDecode(std::string_view typed, std::string_view s, bool onlyUnreserved) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !isAsciiHexDigit(s[i + 1]) || !isAsciiHexDigit(s[i + 2])) {
      return cannotDial(typed, "it has a malformed percent-escape (write '%' as %25)");
    }
    auto decoded = static_cast<char>(hexDigitValue(s[i + 1]) * 16 + hexDigitValue(s[i + 2]));
    if (onlyUnreserved && !isUnreserved(decoded) && decoded != '+') {
      out.append(s.substr(i, 3));
    } else {
      out += decoded;
    }
    i += 2;
  }
  return out;
}

// "sip" for "sip:bob@example.com"; nothing when the text before ':' is not a scheme
// ("127.0.0.1:5060", "bob@host:5060").
std::optional<std::string_view> uriScheme(std::string_view s) {
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !isAsciiAlpha(s[0])) {
    return std::nullopt;
  }
  std::string_view scheme = s.substr(0, colon);
  for (char c : scheme) {
    if (!isAsciiAlnum(c) && c != '+' && c != '-' && c != '.') {
      return std::nullopt;
    }
  }
  return scheme;
}

// Digits, '*' and '#', with an optional leading '+'.
bool isPhoneNumber(std::string_view s) {
  std::size_t start = (!s.empty() && s[0] == '+') ? 1 : 0;
  if (s.size() == start) {
    return false;
  }
  for (char c : s.substr(start)) {
    if (!isAsciiDigit(c) && c != '*' && c != '#') {
      return false;
    }
  }
  return true;
}

bool isIpv4(std::string_view s) {
  in_addr address{};
  return s.size() <= 15 && inet_pton(AF_INET, std::string(s).c_str(), &address) == 1;
}

bool isIpv6(std::string_view s) {
  in6_addr address{};
  return s.size() <= 45 && inet_pton(AF_INET6, std::string(s).c_str(), &address) == 1;
}

bool isBracketedIpv6(std::string_view s) {
  return s.size() > 2 && s.front() == '[' && s.back() == ']' && isIpv6(s.substr(1, s.size() - 2));
}

// RFC 3261 hostname: dot-separated labels of letters, digits and inner '-', the last one
// starting with a letter (so "1234" is not a host: people mean a user).
bool isHostname(std::string_view s) {
  if (!s.empty() && s.back() == '.') {
    s.remove_suffix(1);
  }
  if (s.empty() || s.size() > 253) {
    return false;
  }
  std::string_view lastLabel;
  while (true) {
    std::size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!isAsciiAlnum(c) && c != '-') {
        return false;
      }
    }
    lastLabel = label;
    if (dot == std::string_view::npos) {
      break;
    }
    s.remove_prefix(dot + 1);
  }
  return isAsciiAlpha(lastLabel.front());
}

bool isHost(std::string_view s) {
  return isIpv4(s) || isBracketedIpv6(s) || isHostname(s);
}

bool isPort(std::string_view s) {
  int port = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  return !s.empty() && isAsciiDigit(s[0]) && ec == std::errc() && end == s.data() + s.size() &&
         port >= 1 && port <= 65535;
}

struct HostPort {
  std::string_view host;
  std::optional<std::string_view> port;
};

// Splits "host[:port]", where host may be "[IPv6]"; no validation.
HostPort splitHostPort(std::string_view s) {
  std::size_t hostEnd = 0;
  if (s.starts_with("[")) {
    std::size_t close = s.find(']');
    hostEnd = close == std::string_view::npos ? s.size() : close + 1;
  } else {
    hostEnd = std::min(s.find(':'), s.size());
  }
  HostPort parts{s.substr(0, hostEnd), std::nullopt};
  if (hostEnd < s.size() && s[hostEnd] == ':') {
    parts.port = s.substr(hostEnd + 1);
  } else if (hostEnd < s.size()) {
    parts.host = s; // junk after "]": let the host check fail
  }
  return parts;
}

bool isHostPort(std::string_view s) {
  HostPort parts = splitHostPort(s);
  return isHost(parts.host) && (!parts.port || isPort(*parts.port));
}

// ";name[=value]" parameters after the host (without the first ';').
Status validateParams(std::string_view typed, std::string_view params) {
  while (true) {
    std::size_t semi = params.find(';');
    std::string_view param = params.substr(0, semi);
    if (param.empty() || param.front() == '=') {
      return cannotDial(typed, "it has an empty ;parameter");
    }
    for (char c : param) {
      if (!isParamChar(c)) {
        return cannotDial(typed, "a ;parameter contains " + describeChar(c));
      }
    }
    if (semi == std::string_view::npos) {
      return Ok{};
    }
    params.remove_prefix(semi + 1);
  }
}

Status validateEscapes(std::string_view typed, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' &&
        (i + 2 >= s.size() || !isAsciiHexDigit(s[i + 1]) || !isAsciiHexDigit(s[i + 2]))) {
      return cannotDial(typed, "it has a malformed percent-escape (write '%' as %25)");
    }
  }
  return Ok{};
}

// "host[:port][;params]": what follows '@' (or the scheme when there is no user).
Status validateHostPart(std::string_view typed, std::string_view hostPart, bool hasUser) {
  std::size_t semi = hostPart.find(';');
  std::string_view hostPort = hostPart.substr(0, semi);
  if (hostPort.empty()) {
    return cannotDial(typed, "it has no host, e.g. sip:alice@example.com");
  }
  if (!isHostPort(hostPort)) {
    if (!hasUser && isPhoneNumber(hostPort)) {
      return cannotDial(typed, quoted(hostPort) + " is a number, not a host; to call it, use " +
                                   std::string(hostPort) + "@HOST");
    }
    return cannotDial(typed, quoted(hostPort) + " is not a valid host[:port]");
  }
  if (semi != std::string_view::npos) {
    return validateParams(typed, hostPart.substr(semi + 1));
  }
  return Ok{};
}

// uri: "sip:..." or "sips:..." with a lower-case scheme.
Status validateSipUri(std::string_view typed, std::string_view uri) {
  if (Status safe = checkSafe(typed, uri); !safe) {
    return safe;
  }
  std::string_view rest = uri.substr(uri.find(':') + 1);
  if (rest.find('?') != std::string_view::npos) {
    return cannotDial(typed, "URI headers (\"?...\") are not supported");
  }
  if (Status escapes = validateEscapes(typed, rest); !escapes) {
    return escapes;
  }
  std::size_t at = rest.find('@');
  if (at == std::string_view::npos) {
    return validateHostPart(typed, rest, false);
  }
  if (rest.find('@', at + 1) != std::string_view::npos) {
    return cannotDial(typed, "it contains more than one '@' (write '@' in a user name as %40)");
  }
  std::string_view userInfo = rest.substr(0, at);
  if (userInfo.empty()) {
    return cannotDial(typed, "the user part before '@' is empty");
  }
  for (char c : userInfo) {
    if (!isUserInfoChar(c)) {
      return cannotDial(typed, "its user part contains " + describeChar(c));
    }
  }
  return validateHostPart(typed, rest.substr(at + 1), true);
}

bool isVisualSeparator(char c) {
  return c == '-' || c == '.' || c == '(' || c == ')' || c == ' ';
}

// "+1 (555) 123-4567" gives "+15551234567"; nothing if the text is not a number once the
// separators are gone, or is a host address (127.0.0.1 is not the number 127001).
std::optional<std::string> numberWithoutSeparators(std::string_view s) {
  if (looksLikeHostAddress(s)) {
    return std::nullopt;
  }
  std::string number;
  for (char c : s) {
    if (!isVisualSeparator(c)) {
      number += c;
    }
  }
  if (!isPhoneNumber(number)) {
    return std::nullopt;
  }
  return number;
}

Result<std::vector<std::string>> normalizePostDial(std::string_view typed,
                                                   std::string_view groupsText) {
  std::vector<std::string> groups;
  while (true) {
    std::size_t comma = groupsText.find(',');
    std::string_view group = groupsText.substr(0, comma);
    if (!group.empty()) {
      Result<std::string> digits = normalizeDtmfDigits(group);
      if (!digits) {
        return cannotDial(typed, "post-dial DTMF " + digits.error().message);
      }
      groups.push_back(std::move(digits).value());
    } else {
      groups.emplace_back();
    }
    if (comma == std::string_view::npos) {
      return groups;
    }
    groupsText.remove_prefix(comma + 1);
  }
}

// A word without a scheme: a number (with ",DTMF" groups), user@host or a user name.
Result<DialInput> parseSchemeless(std::string_view typed, std::string_view word) {
  if (word.empty()) {
    return cannotDial(typed, "the target is empty");
  }
  if (word.front() == '-') {
    return cannotDial(typed, "a target cannot start with '-' (options go before the target)");
  }
  std::size_t comma = word.find(',');
  std::string_view head = word.substr(0, comma);
  if (std::optional<std::string> number = numberWithoutSeparators(head)) {
    DialInput input{std::move(*number), {}};
    if (comma != std::string_view::npos) {
      auto groups = normalizePostDial(typed, word.substr(comma + 1));
      if (!groups) {
        return groups.error();
      }
      input.postDialDtmf = std::move(groups).value();
    }
    return input;
  }
  if (Status safe = checkSafe(typed, word); !safe) {
    return safe.error();
  }
  std::size_t at = word.find('@');
  if (at != std::string_view::npos) {
    if (at == 0) {
      return cannotDial(typed, "the user part before '@' is empty");
    }
    if (word.find('@', at + 1) != std::string_view::npos) {
      return cannotDial(typed, "it contains more than one '@'");
    }
    if (Status host = validateHostPart(typed, word.substr(at + 1), true); !host) {
      return host.error();
    }
    return DialInput{std::string(word), {}};
  }
  if (comma != std::string_view::npos) {
    return cannotDial(typed, "post-dial DTMF (after ',') can only follow a phone number");
  }
  if (looksLikeHostAddress(word)) {
    return cannotDial(typed, "to call a host directly, use sip:" + std::string(word));
  }
  if (word.find(':') != std::string_view::npos) {
    return cannotDial(typed, "a user name cannot contain ':'");
  }
  return DialInput{std::string(word), {}};
}

Result<DialInput> parseWord(std::string_view typed, std::string_view word, bool nested) {
  if (word.empty()) {
    return cannotDial(typed, "the target is empty");
  }
  std::optional<std::string_view> scheme = uriScheme(word);
  if (!scheme) {
    return parseSchemeless(typed, word);
  }
  std::string name = toLowerAscii(*scheme);
  std::string_view rest = word.substr(scheme->size() + 1);
  while (rest.starts_with("/")) { // "sip://bob@example.com/" from URL handlers
    rest.remove_prefix(1);
  }
  while (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (name == "sip" || name == "sips") {
    Result<std::string> decoded = percentDecode(typed, rest, true);
    if (!decoded) {
      return decoded.error();
    }
    std::string uri = name + ":" + decoded.value();
    if (Status valid = validateSipUri(typed, uri); !valid) {
      return valid.error();
    }
    return DialInput{std::move(uri), {}};
  }
  bool numberScheme = name == "tel" || name == "callto" || name == "dial" || name == "dialpad";
  if (!numberScheme || nested) {
    return cannotDial(typed, "Wisp dials sip:, sips:, tel:, callto:, dial: and dialpad: URIs, "
                             "not " +
                                 name + ": (to call a host directly, use sip:HOST[:PORT])");
  }
  Result<std::string> decoded = percentDecode(typed, rest, false);
  if (!decoded) {
    return decoded.error();
  }
  std::string_view value = decoded.value();
  if (uriScheme(value)) {
    return parseWord(typed, value, true); // callto:sip:bob@example.com
  }
  std::size_t params = value.find_first_of(";?");
  value = value.substr(0, params); // ;phone-context= and friends mean nothing to us
  if (name == "tel") {
    std::string_view head = value.substr(0, value.find(','));
    if (!numberWithoutSeparators(head)) {
      return cannotDial(typed, quoted(head) + " is not a phone number");
    }
  }
  return parseSchemeless(typed, value);
}

std::string escapeUser(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (isUnreserved(c) || std::string_view("&=+$,/").find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += hexEscape(static_cast<unsigned char>(c));
    }
  }
  return out;
}

// '#' is common in feature codes ("sip:*97#@pbx") but must be escaped in a SIP URI.
std::string escapeHashInUser(std::string_view uri) {
  std::size_t at = uri.find('@');
  if (at == std::string_view::npos) {
    return std::string(uri);
  }
  std::string out;
  for (char c : uri.substr(0, at)) {
    out += c == '#' ? std::string("%23") : std::string(1, c);
  }
  out += uri.substr(at);
  return out;
}

Result<std::string> transportParam(std::string_view transport) {
  std::string name = toLowerAscii(transport);
  if (name.empty() || name == "udp") {
    return std::string();
  }
  if (name == "tcp" || name == "tls") {
    return ";transport=" + name;
  }
  return makeError(kBadArgument,
                   "unknown transport " + quoted(transport) + "; use udp, tcp or tls");
}

bool hasTransportParam(std::string_view hostPart) {
  return toLowerAscii(hostPart).find(";transport=") != std::string::npos;
}

Result<std::string> buildUri(const std::string &target, const DialContext &ctx) {
  Result<std::string> transport = transportParam(ctx.transport);
  if (!transport) {
    return transport;
  }
  std::size_t at = target.find('@');
  if (at != std::string::npos) {
    std::string_view hostPart = std::string_view(target).substr(at + 1);
    std::string uri = "sip:" + escapeUser(target.substr(0, at)) + "@" + std::string(hostPart);
    return hasTransportParam(hostPart) ? uri : uri + transport.value();
  }
  if (ctx.defaultDomain.empty()) {
    return makeError(kBadArgument, quoted(target) +
                                       " needs an account with a domain; to call by IP, use " +
                                       target + "@HOST");
  }
  if (!isHostPort(ctx.defaultDomain)) {
    return makeError(kBadArgument, "the default account's domain " + quoted(ctx.defaultDomain) +
                                       " is not a valid host[:port]");
  }
  return "sip:" + escapeUser(target) + "@" + ctx.defaultDomain + transport.value();
}

} // namespace

Result<DialInput> parseDialInput(std::string_view typed) {
  return parseWord(typed, typed, false);
}

bool looksLikeDialTarget(std::string_view word) {
  if (word.empty() || word.front() == '-') {
    return false;
  }
  return uriScheme(word).has_value() || word.find('@') != std::string_view::npos ||
         numberWithoutSeparators(word.substr(0, word.find(','))).has_value();
}

bool looksLikeHostAddress(std::string_view word) {
  if (isIpv6(word)) {
    return true;
  }
  HostPort parts = splitHostPort(word);
  bool portLike = !parts.port || (!parts.port->empty() &&
                                  parts.port->find_first_not_of("0123456789") == std::string::npos);
  return (isIpv4(parts.host) || isBracketedIpv6(parts.host)) && portLike;
}

Result<std::string> normalizeDtmfDigits(std::string_view digits) {
  if (digits.empty()) {
    return makeError(kBadArgument, "no DTMF digits given; DTMF digits are 0-9, *, #, A-D");
  }
  std::string out;
  for (char c : digits) {
    char upper = toUpperAscii(c);
    if (!isAsciiDigit(upper) && upper != '*' && upper != '#' && (upper < 'A' || upper > 'D')) {
      return makeError(kBadArgument, quoted(digits) + " contains " + describeChar(c) +
                                         ", which DTMF cannot send; DTMF digits are 0-9, *, #, "
                                         "A-D");
    }
    out += upper;
  }
  return out;
}

Result<std::string> resolveDialTarget(std::string_view target, const DialContext &ctx) {
  Result<DialInput> input = parseDialInput(target);
  if (!input) {
    return input.error();
  }
  if (!input->postDialDtmf.empty()) {
    return cannotDial(target, "post-dial DTMF (after ',') is sent once the call is up; it is "
                              "not part of the address");
  }
  const std::string &normalized = input->target;
  Result<std::string> uri = normalized.starts_with("sip:") || normalized.starts_with("sips:")
                                ? Result<std::string>(escapeHashInUser(normalized))
                                : buildUri(normalized, ctx);
  // Every path above rejects unsafe characters; this guards the SIP headers if one forgets.
  if (uri && firstUnsafeChar(uri.value())) {
    return cannotDial(target, "it would produce an unsafe SIP URI");
  }
  return uri;
}

} // namespace wisp
