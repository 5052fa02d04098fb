#include "sip/tls_server_names.h"

#include "sip/tls_host_match.h"

#include <algorithm>
#include <cerrno>

namespace wisp {
namespace {

// How long a name a certificate did not cover is refused at its address without trying.
constexpr uint64_t kRefusalMs = 60 * 1000;

} // namespace

TlsServerNames::~TlsServerNames() {
  for (auto &[_, c] : up_)
    X509_free(c.cert);
}

int TlsServerNames::expect(const void *owner, const sa &dst, const std::string &host) {
  bool proven = false;
  for (const auto &[_, c] : up_) {
    if (!sa_cmp(&c.peer, &dst, SA_ALL))
      continue;
    if (!certificateMatchesHost(c.cert, host))
      return EPROTO;
    proven = true;
  }
  const uint64_t now = tmr_jiffies();
  std::erase_if(refused_, [&](const Refusal &r) {
    return r.until <= now || (proven && r.host == host && sa_cmp(&r.peer, &dst, SA_ALL));
  });
  for (const auto &r : refused_)
    if (r.host == host && sa_cmp(&r.peer, &dst, SA_ALL))
      return EPROTO;
  owners_[owner] = Expectation{dst, host};
  return 0;
}

void TlsServerNames::forget(const void *owner) {
  owners_.erase(owner);
}

std::vector<std::string> TlsServerNames::namesFor(const sa &peer) const {
  std::vector<std::string> names;
  for (const auto &[_, e] : owners_)
    if (sa_cmp(&e.dst, &peer, SA_ALL) &&
        std::find(names.begin(), names.end(), e.host) == names.end())
      names.push_back(e.host);
  std::sort(names.begin(), names.end()); // the same SNI whoever asked first
  if (names.empty() && !fallback_.empty())
    names.push_back(fallback_);
  return names;
}

void TlsServerNames::refuseName(const sa &peer, const std::string &host) {
  std::erase_if(owners_, [&](const auto &entry) {
    return sa_cmp(&entry.second.dst, &peer, SA_ALL) && entry.second.host == host;
  });
  refused_.push_back(Refusal{peer, host, tmr_jiffies() + kRefusalMs});
}

void TlsServerNames::connectionUp(const void *conn, const sa &peer, X509 *cert) {
  connectionGone(conn);
  if (cert && X509_up_ref(cert) == 1)
    up_[conn] = Connection{peer, cert};
}

void TlsServerNames::connectionGone(const void *conn) {
  if (auto it = up_.find(conn); it != up_.end()) {
    X509_free(it->second.cert);
    up_.erase(it);
  }
}

} // namespace wisp
