#include "support/test_certificates.h"

#include "support/process.h"
#include "support/temp_dir.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace wisp::test {

namespace {

using namespace std::chrono_literals;

constexpr const char *kCaName = "/CN=Wisp Test CA";
constexpr const char *kValidDays = "2";

Status runOpenssl(const std::vector<std::string> &args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = runCommand(argv, 10s);
  if (!result.ok()) {
    std::string command;
    for (const auto &arg : argv)
      command += (command.empty() ? "" : " ") + arg;
    return makeError("openssl", "`" + command + "` failed: " + result.describe());
  }
  return Ok{};
}

// A self-signed CA certificate and its key.
Status makeCa(const std::filesystem::path &certFile, const std::filesystem::path &keyFile) {
  return runOpenssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                     "-nodes", "-keyout", keyFile.string(), "-out", certFile.string(), "-days",
                     kValidDays, "-subj", kCaName, "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

bool isIpLiteral(const std::string &host) {
  in6_addr buffer{};
  return ::inet_pton(AF_INET, host.c_str(), &buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &buffer) == 1;
}

} // namespace

Result<TestCertificates> makeTestCertificates(const std::filesystem::path &dir,
                                              const std::string &host) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError("io", "Cannot create " + dir.string() + ": " + ec.message());

  TestCertificates files;
  files.caFile = dir / "ca.pem";
  files.certFile = dir / "server.pem";
  files.keyFile = dir / "server.key";
  files.unrelatedCaFile = dir / "unrelated-ca.pem";
  const std::filesystem::path caKey = dir / "ca.key";
  const std::filesystem::path request = dir / "server.csr";
  const std::filesystem::path extensions = dir / "server-ext.cnf";

  if (Status s = makeCa(files.caFile, caKey); !s)
    return s.error();
  if (Status s = makeCa(files.unrelatedCaFile, dir / "unrelated-ca.key"); !s)
    return s.error();

  if (Status s = runOpenssl(
          {"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", files.keyFile.string(), "-out", request.string(), "-subj", "/CN=" + host});
      !s)
    return s.error();
  // Clients check the subjectAltName, not the CN; usages as a SIP server (and client) needs.
  std::string extensionText = "basicConstraints=critical,CA:FALSE\n"
                              "keyUsage=critical,digitalSignature,keyEncipherment\n"
                              "extendedKeyUsage=serverAuth,clientAuth\n"
                              "subjectAltName=" +
                              std::string(isIpLiteral(host) ? "IP:" : "DNS:") + host + "\n";
  if (Status s = writeTextFile(extensions, extensionText); !s)
    return s.error();
  if (Status s =
          runOpenssl({"x509", "-req", "-in", request.string(), "-CA", files.caFile.string(),
                      "-CAkey", caKey.string(), "-CAcreateserial", "-out", files.certFile.string(),
                      "-days", kValidDays, "-extfile", extensions.string()});
      !s)
    return s.error();
  return files;
}

} // namespace wisp::test
