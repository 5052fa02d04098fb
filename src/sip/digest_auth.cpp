#include "sip/digest_auth.h"

#include "util/re_ptr.h"

#include <openssl/evp.h>

#include <cstdio>
#include <strings.h>

#include <vector>

namespace wisp {
namespace {

std::string hexDigest(const EVP_MD *md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr))
    return {};
  static const char hex[] = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 15];
  }
  return s;
}

bool isSha256(std::string_view algorithm) {
  return algorithm.size() == 7 && strncasecmp(algorithm.data(), "SHA-256", 7) == 0;
}

bool isMd5(std::string_view algorithm) {
  return algorithm.empty() ||
         (algorithm.size() == 3 && strncasecmp(algorithm.data(), "MD5", 3) == 0);
}

// "auth", "auth,auth-int", "auth-int, auth": whether the token auth is offered.
bool offersAuth(std::string_view qop) {
  size_t i = 0;
  while (i < qop.size()) {
    size_t j = qop.find(',', i);
    if (j == std::string_view::npos)
      j = qop.size();
    std::string_view token = qop.substr(i, j - i);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
      token.remove_suffix(1);
    if (token == "auth")
      return true;
    i = j + 1;
  }
  return false;
}

struct Candidate {
  bool proxy = false;
  httpauth_digest_chall chall{};
  int strength = 0; // 2 SHA-256, 1 MD5
};

struct Collector {
  bool proxy = false;
  std::vector<Candidate> found;
};

bool collect(const sip_hdr *hdr, const sip_msg *, void *arg) {
  auto *c = static_cast<Collector *>(arg);
  Candidate cand;
  cand.proxy = c->proxy;
  if (httpauth_digest_challenge_decode(&cand.chall, &hdr->val) != 0)
    return false;
  const std::string_view alg(cand.chall.algorithm.p ? cand.chall.algorithm.p : "",
                             cand.chall.algorithm.l);
  cand.strength = isSha256(alg) ? 2 : isMd5(alg) ? 1 : 0;
  const std::string_view qop(cand.chall.qop.p ? cand.chall.qop.p : "", cand.chall.qop.l);
  if (cand.strength && (qop.empty() || offersAuth(qop))) {
    try { // this runs inside libre's header walk: nothing may be thrown through it
      c->found.push_back(cand);
    } catch (...) {
      return true; // out of memory: stop the walk with what was found
    }
  }
  return false;
}

// The inside of a quoted-string (RFC 3261 25.1): a user name such as DOMAIN\user keeps its
// backslash, and a quote cannot end the parameter early.
std::string quotedStringBody(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

std::string digestResponse(std::string_view algorithm, std::string_view user,
                           std::string_view realm, std::string_view password,
                           std::string_view method, std::string_view uri, std::string_view nonce,
                           std::string_view qop, std::string_view nc, std::string_view cnonce) {
  const EVP_MD *md = isSha256(algorithm) ? EVP_sha256() : EVP_md5();
  const std::string ha1 =
      hexDigest(md, std::string(user) + ":" + std::string(realm) + ":" + std::string(password));
  const std::string ha2 = hexDigest(md, std::string(method) + ":" + std::string(uri));
  if (qop.empty())
    return hexDigest(md, ha1 + ":" + std::string(nonce) + ":" + ha2);
  return hexDigest(md, ha1 + ":" + std::string(nonce) + ":" + std::string(nc) + ":" +
                           std::string(cnonce) + ":" + std::string(qop) + ":" + ha2);
}

Result<DigestAnswer> answerDigestChallenge(const sip_msg &response, std::string_view method,
                                           std::string_view uri, const DigestCredentials &creds) {
  Collector www{false, {}};
  sip_msg_hdr_apply(&response, true, SIP_HDR_WWW_AUTHENTICATE, collect, &www);
  Collector proxy{true, {}};
  sip_msg_hdr_apply(&response, true, SIP_HDR_PROXY_AUTHENTICATE, collect, &proxy);
  www.found.insert(www.found.end(), proxy.found.begin(), proxy.found.end());
  if (www.found.empty())
    return makeError("auth", "the server asks for an authentication method Wisp does not support");
  const Candidate *best = &www.found.front();
  for (const auto &c : www.found)
    if (c.strength > best->strength)
      best = &c;

  const auto &ch = best->chall;
  const std::string realm = fromPl(ch.realm);
  const std::string nonce = fromPl(ch.nonce);
  const std::string algorithm = best->strength == 2 ? "SHA-256" : "MD5";
  const bool withQop = ch.qop.l > 0;
  char cnonce[17];
  snprintf(cnonce, sizeof cnonce, "%016llx", static_cast<unsigned long long>(rand_u64()));
  const std::string nc = "00000001"; // a fresh nonce per request: we never reuse one
  const std::string response_ = digestResponse(algorithm, creds.user, realm, creds.password, method,
                                               uri, nonce, withQop ? "auth" : "", nc, cnonce);
  if (response_.empty())
    return makeError("auth", "cannot compute the digest");

  std::string h = best->proxy ? "Proxy-Authorization: " : "Authorization: ";
  h += "Digest username=\"" + quotedStringBody(creds.user) + "\", realm=\"" + realm +
       "\", nonce=\"" + nonce + "\", uri=\"" + std::string(uri) + "\", response=\"" + response_ +
       "\", algorithm=" + algorithm;
  if (withQop)
    h += ", cnonce=\"" + std::string(cnonce) + "\", qop=auth, nc=" + nc;
  if (ch.opaque.l)
    h += ", opaque=\"" + fromPl(ch.opaque) + "\"";
  h += "\r\n";
  DigestAnswer answer;
  answer.header = std::move(h);
  answer.stale = ch.stale.l == 4 && strncasecmp(ch.stale.p, "true", 4) == 0;
  return answer;
}

} // namespace wisp
