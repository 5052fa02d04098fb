// Throw-away certificates for the TLS tests, made with the `openssl` command-line tool: a test
// CA, a server certificate it signed, and an unrelated CA for the "untrusted server" case.
//
// Keys are ECDSA P-256 (instant to generate, unlike RSA), nothing is encrypted, and everything
// is valid from now for two days.
#pragma once

#include "util/result.h"

#include <filesystem>
#include <string>

namespace wisp::test {

struct TestCertificates {
  std::filesystem::path caFile;   // PEM: the CA that signed certFile (what a client trusts)
  std::filesystem::path certFile; // PEM: server certificate, CN and subjectAltName = host
  std::filesystem::path keyFile;  // PEM: its private key, unencrypted
  // PEM: another CA with the same subject name as caFile but its own key. A client that
  // trusts only this one must reject certFile: the name matches, the signature does not.
  std::filesystem::path unrelatedCaFile;
};

// Writes the files into `dir` (created if needed). `host` is an IP literal (subjectAltName
// IP:...) or a DNS name (DNS:...). The error includes openssl's output.
Result<TestCertificates> makeTestCertificates(const std::filesystem::path &dir,
                                              const std::string &host);

} // namespace wisp::test
