// TlsServerNames (which names a TLS connection to an address must prove) and the name
// matching behind it, with certificates built in memory.
#include "sip/tls_host_match.h"
#include "sip/tls_server_names.h"

#include <gtest/gtest.h>

#include <openssl/x509v3.h>

#include <cerrno>
#include <memory>

namespace wisp {
namespace {

struct X509Free {
  void operator()(X509 *x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

// A certificate with these subjectAltNames ("DNS:a.test,IP:127.0.0.1"); unsigned, which
// name matching does not look at.
Cert certificate(const char *subjectAltNames) {
  Cert x(X509_new());
  X509_set_version(x.get(), 2);
  X509_NAME *name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char *>("cn.test"), -1, -1, 0);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subjectAltNames);
  EXPECT_NE(ext, nullptr);
  X509_add_ext(x.get(), ext, -1);
  X509_EXTENSION_free(ext);
  return x;
}

sa address(const char *ip, uint16_t port) {
  sa a{};
  EXPECT_EQ(sa_set_str(&a, ip, port), 0);
  return a;
}

const char kOwner1 = 0, kOwner2 = 0; // their addresses tell owners apart

TEST(TlsHostMatch, DnsNamesMatchDnsSubjectAltNamesOnly) {
  Cert c = certificate("DNS:pbx.test,DNS:*.wild.test,IP:127.0.0.1");
  EXPECT_TRUE(certificateMatchesHost(c.get(), "pbx.test"));
  EXPECT_TRUE(certificateMatchesHost(c.get(), "PBX.test"));
  EXPECT_FALSE(certificateMatchesHost(c.get(), "other.test"));
  EXPECT_TRUE(certificateMatchesHost(c.get(), "a.wild.test"));
  EXPECT_FALSE(certificateMatchesHost(c.get(), "a.b.wild.test")) << "one label only";
  EXPECT_FALSE(certificateMatchesHost(c.get(), "cn.test")) << "the CN does not count beside SANs";
  EXPECT_FALSE(certificateMatchesHost(c.get(), ""));
  EXPECT_FALSE(certificateMatchesHost(nullptr, "pbx.test"));
}

TEST(TlsHostMatch, IpAddressesMatchIpSubjectAltNamesOnly) {
  Cert c = certificate("IP:127.0.0.1,IP:::1,DNS:127.0.0.3");
  EXPECT_TRUE(certificateMatchesHost(c.get(), "127.0.0.1"));
  EXPECT_TRUE(certificateMatchesHost(c.get(), "::1"));
  EXPECT_FALSE(certificateMatchesHost(c.get(), "127.0.0.2"));
  EXPECT_FALSE(certificateMatchesHost(c.get(), "127.0.0.3")) << "a DNS entry is not an address";
}

TEST(TlsHostMatch, ServerHostNameDropsThePort) {
  EXPECT_EQ(serverHostName("pbx.test:5061"), "pbx.test");
  EXPECT_EQ(serverHostName("pbx.test"), "pbx.test");
  EXPECT_EQ(serverHostName("192.0.2.1:5061"), "192.0.2.1");
  EXPECT_EQ(serverHostName("[::1]:5061"), "::1");
  EXPECT_EQ(serverHostName("[::1]"), "::1");
  EXPECT_EQ(serverHostName("::1"), "::1");
  EXPECT_TRUE(isIpLiteral("::1"));
  EXPECT_TRUE(isIpLiteral("127.0.0.1"));
  EXPECT_FALSE(isIpLiteral("pbx.test"));
}

TEST(TlsServerNamesTest, NamesBelongToTheExactAddressAndPort) {
  TlsServerNames names;
  EXPECT_EQ(names.expect(&kOwner1, address("127.0.0.1", 5061), "a.test"), 0);
  EXPECT_EQ(names.expect(&kOwner2, address("127.0.0.1", 5062), "b.test"), 0);
  EXPECT_EQ(names.namesFor(address("127.0.0.1", 5061)), std::vector<std::string>{"a.test"});
  EXPECT_EQ(names.namesFor(address("127.0.0.1", 5062)), std::vector<std::string>{"b.test"});
  EXPECT_TRUE(names.namesFor(address("127.0.0.2", 5061)).empty());
}

TEST(TlsServerNamesTest, AccountsSharingAnAddressNeedAllTheirNames) {
  TlsServerNames names;
  const sa shared = address("127.0.0.1", 5061);
  EXPECT_EQ(names.expect(&kOwner1, shared, "a.test"), 0);
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), 0);
  EXPECT_EQ(names.namesFor(shared), (std::vector<std::string>{"a.test", "b.test"}));
  // The handshake failed on b.test: a's retry must not fail on it again.
  names.refuseName(shared, "b.test");
  EXPECT_EQ(names.namesFor(shared), std::vector<std::string>{"a.test"});
  // b retrying at the same moment is refused at once, without joining a's new connection.
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), EPROTO);
  EXPECT_EQ(names.namesFor(shared), std::vector<std::string>{"a.test"});
  EXPECT_EQ(names.expect(&kOwner2, address("127.0.0.1", 5062), "b.test"), 0) << "elsewhere";
  EXPECT_EQ(names.expect(&kOwner1, shared, "a.test"), 0);
}

TEST(TlsServerNamesTest, ARefusedNameIsAcceptedOnceAConnectionUpThereProvesIt) {
  TlsServerNames names;
  const sa shared = address("127.0.0.1", 5061);
  names.refuseName(shared, "b.test");
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), EPROTO);
  Cert c = certificate("DNS:a.test,DNS:b.test");
  const int connection = 0;
  names.connectionUp(&connection, shared, c.get());
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), 0);
  names.connectionGone(&connection);
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), 0) << "the refusal is gone";
}

TEST(TlsServerNamesTest, AnOwnerExpectsOneAddressAtATime) {
  TlsServerNames names;
  EXPECT_EQ(names.expect(&kOwner1, address("127.0.0.1", 5061), "a.test"), 0);
  EXPECT_EQ(names.expect(&kOwner1, address("127.0.0.2", 5061), "a.test"), 0);
  EXPECT_TRUE(names.namesFor(address("127.0.0.1", 5061)).empty());
  EXPECT_EQ(names.namesFor(address("127.0.0.2", 5061)), std::vector<std::string>{"a.test"});
  names.forget(&kOwner1);
  EXPECT_TRUE(names.namesFor(address("127.0.0.2", 5061)).empty());
}

TEST(TlsServerNamesTest, TheFallbackCoversOnlyAddressesNobodyExpects) {
  TlsServerNames names;
  names.setFallbackName("only.test");
  EXPECT_EQ(names.expect(&kOwner1, address("127.0.0.1", 5061), "a.test"), 0);
  EXPECT_EQ(names.namesFor(address("127.0.0.1", 5061)), std::vector<std::string>{"a.test"});
  EXPECT_EQ(names.namesFor(address("127.0.0.9", 5061)), std::vector<std::string>{"only.test"});
  names.setFallbackName("");
  EXPECT_TRUE(names.namesFor(address("127.0.0.9", 5061)).empty());
}

TEST(TlsServerNamesTest, ANameJoiningAConnectionThatIsUpIsCheckedAgainstItsCertificate) {
  TlsServerNames names;
  const sa shared = address("127.0.0.1", 5061);
  Cert c = certificate("DNS:a.test");
  const int connection = 0;
  EXPECT_EQ(names.expect(&kOwner1, shared, "a.test"), 0);
  names.connectionUp(&connection, shared, c.get());
  EXPECT_EQ(names.connectionsUp(), 1u);
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), EPROTO);
  EXPECT_EQ(names.namesFor(shared), std::vector<std::string>{"a.test"}) << "not recorded";
  EXPECT_EQ(names.expect(&kOwner2, address("127.0.0.1", 5062), "b.test"), 0) << "elsewhere";
  names.connectionGone(&connection);
  EXPECT_EQ(names.connectionsUp(), 0u);
  EXPECT_EQ(names.expect(&kOwner2, shared, "b.test"), 0) << "a new connection will be checked";
}

} // namespace
} // namespace wisp
