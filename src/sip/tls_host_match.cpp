#include "sip/tls_host_match.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

namespace wisp {

bool isIpLiteral(std::string_view host) {
  const std::string text(host);
  in6_addr buffer{};
  return inet_pton(AF_INET, text.c_str(), &buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &buffer) == 1;
}

bool certificateMatchesHost(X509 *cert, std::string_view host) {
  if (!cert || host.empty())
    return false;
  if (isIpLiteral(host))
    return X509_check_ip_asc(cert, std::string(host).c_str(), 0) == 1;
  return X509_check_host(cert, host.data(), host.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                         nullptr) == 1;
}

std::string serverHostName(std::string_view hostPort) {
  if (hostPort.starts_with('[')) {
    const size_t close = hostPort.find(']');
    return std::string(close == std::string_view::npos ? hostPort.substr(1)
                                                       : hostPort.substr(1, close - 1));
  }
  const size_t colon = hostPort.find(':');
  // Two colons or more: a bare IPv6 address, no port.
  if (colon != std::string_view::npos && hostPort.find(':', colon + 1) == std::string_view::npos)
    return std::string(hostPort.substr(0, colon));
  return std::string(hostPort);
}

} // namespace wisp
