// From what a user typed to call someone ("1234", "alice", "bob@127.0.0.1:5062",
// "tel:+1-555-1234", "sip:bob@example.com") to the SIP request URI Wisp sends.
// Pure functions: no I/O, no engine, so every form is unit tested.
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace wisp {

// One typed word, split into the target and its post-dial DTMF.
struct DialInput {
  // One of: a sip:/sips: URI (validated; escapes of unreserved characters decoded), a phone
  // number (digits, '*', '#', leading '+'), user@host[:port][;params], or a bare user name.
  std::string target;
  // "1234,,56#" gives {"", "56#"}: each group follows one pause; digits are upper case.
  std::vector<std::string> postDialDtmf;
};

// Normalizes one typed word. Schemes sip:, sips:, tel:, callto:, dial:, dialpad: (any case)
// are accepted; "//" after the scheme and trailing '/' are dropped (URL handlers add them);
// tel:/callto:/dial:/dialpad: are percent-decoded and lose visual separators (- . ( ) space)
// and ;parameters. Errors: code "bad_argument" with a sentence for the user.
// Normalizing a returned target again gives it back unchanged.
Result<DialInput> parseDialInput(std::string_view typed);

// True if a lone word should be dialled rather than taken for a command: it has a URI scheme,
// is a phone number (optionally with ",DTMF" groups) or contains '@'.
bool looksLikeDialTarget(std::string_view word);

// True for an IPv4 literal or "[IPv6]", with or without ":port": words people type to call
// a host, which only work as sip:HOST.
bool looksLikeHostAddress(std::string_view word);

// Validates DTMF digits (0-9 * # A-D, a-d accepted) and returns them upper case.
// Errors name the first bad character.
Result<std::string> normalizeDtmfDigits(std::string_view digits);

struct DialContext {
  std::string defaultDomain; // host[:port] of the default account; empty for the local account
  std::string transport;     // "udp", "tcp" or "tls" ("" = udp)
};

// The request URI for `target` (anything parseDialInput accepts, without post-dial DTMF):
//   sip:/sips: URIs stay as they are ('#' in the user part escaped);
//   user@host[:port][;params] becomes sip:user@host[:port][;params];
//   a number or user name becomes sip:NAME@DOMAIN with ctx.defaultDomain (error if empty).
// URIs built here get ";transport=tcp|tls" when ctx.transport asks for it. The result never
// contains spaces, control characters, '<', '>' or '"' (it goes into SIP headers).
Result<std::string> resolveDialTarget(std::string_view target, const DialContext &ctx);

} // namespace wisp
