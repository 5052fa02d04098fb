// Digest responses against the worked examples of RFC 7616 3.9.1 (MD5 and SHA-256, qop=auth)
// and RFC 2617 3.5 (MD5), and the Authorization header built from a real 401.
#include "sip/digest_auth.h"

#include <gtest/gtest.h>

#include <re.h>

namespace wisp {
namespace {

TEST(DigestAuth, Rfc7616ExampleMd5) {
  EXPECT_EQ(digestResponse("MD5", "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                           "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                           "auth", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
            "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(DigestAuth, Rfc7616ExampleSha256) {
  EXPECT_EQ(digestResponse("SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                           "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                           "auth", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestAuth, Rfc2617ExampleMd5) {
  EXPECT_EQ(digestResponse("MD5", "Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
                           "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "auth",
                           "00000001", "0a4f113b"),
            "6629fae49393a05397450978507c4ef1");
}

// A 401 offering SHA-256 and MD5 (RFC 7616 3.7 order): the stronger one is answered.
TEST(DigestAuth, AnswersTheStrongestOfferedAlgorithm) {
  const std::string text = "SIP/2.0 401 Unauthorized\r\n"
                           "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport=5070\r\n"
                           "From: <sip:alice@example.org>;tag=1\r\n"
                           "To: <sip:alice@example.org>;tag=2\r\n"
                           "Call-ID: c1\r\n"
                           "CSeq: 1 REGISTER\r\n"
                           "WWW-Authenticate: Digest realm=\"example.org\", nonce=\"n1\", "
                           "qop=\"auth\", algorithm=SHA-256, opaque=\"o1\"\r\n"
                           "WWW-Authenticate: Digest realm=\"example.org\", nonce=\"n2\", "
                           "qop=\"auth\", algorithm=MD5\r\n"
                           "Content-Length: 0\r\n\r\n";
  mbuf *mb = mbuf_alloc(text.size());
  ASSERT_NE(mb, nullptr);
  mbuf_write_str(mb, text.c_str());
  mb->pos = 0;
  sip_msg *msg = nullptr;
  ASSERT_EQ(sip_msg_decode(&msg, mb), 0);
  auto answer = answerDigestChallenge(*msg, "REGISTER", "sip:example.org", {"alice", "pw"});
  mem_deref(msg);
  mem_deref(mb);
  ASSERT_TRUE(answer) << answer.error().message;
  const std::string &h = answer->header;
  EXPECT_EQ(h.rfind("Authorization: Digest username=\"alice\"", 0), 0u) << h;
  EXPECT_NE(h.find("algorithm=SHA-256"), std::string::npos) << h;
  EXPECT_NE(h.find("nonce=\"n1\""), std::string::npos) << h;
  EXPECT_NE(h.find("opaque=\"o1\""), std::string::npos) << h;
  EXPECT_NE(h.find("qop=auth, nc=00000001"), std::string::npos) << h;
  EXPECT_FALSE(answer->stale);
}

TEST(DigestAuth, UserNameIsAQuotedStringAndTheDigestUsesItAsIs) {
  const std::string text = "SIP/2.0 401 Unauthorized\r\n"
                           "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport=5070\r\n"
                           "From: <sip:alice@example.org>;tag=1\r\n"
                           "To: <sip:alice@example.org>;tag=2\r\n"
                           "Call-ID: c1\r\n"
                           "CSeq: 1 REGISTER\r\n"
                           "WWW-Authenticate: Digest realm=\"example.org\", nonce=\"n1\"\r\n"
                           "Content-Length: 0\r\n\r\n";
  mbuf *mb = mbuf_alloc(text.size());
  ASSERT_NE(mb, nullptr);
  mbuf_write_str(mb, text.c_str());
  mb->pos = 0;
  sip_msg *msg = nullptr;
  ASSERT_EQ(sip_msg_decode(&msg, mb), 0);
  const std::string user = "OFFICE\\al\"ice";
  auto answer = answerDigestChallenge(*msg, "REGISTER", "sip:example.org", {user, "pw"});
  mem_deref(msg);
  mem_deref(mb);
  ASSERT_TRUE(answer) << answer.error().message;
  const std::string &h = answer->header;
  EXPECT_EQ(h.rfind("Authorization: Digest username=\"OFFICE\\\\al\\\"ice\"", 0), 0u) << h;
  const std::string expected = digestResponse("MD5", user, "example.org", "pw", "REGISTER",
                                              "sip:example.org", "n1", "", "", "");
  EXPECT_NE(h.find("response=\"" + expected + "\""), std::string::npos) << h;
}

TEST(DigestAuth, UnsupportedAlgorithmIsAClearError) {
  const std::string text = "SIP/2.0 407 Proxy Authentication Required\r\n"
                           "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc\r\n"
                           "From: <sip:alice@example.org>;tag=1\r\n"
                           "To: <sip:alice@example.org>;tag=2\r\n"
                           "Call-ID: c1\r\n"
                           "CSeq: 1 REGISTER\r\n"
                           "Proxy-Authenticate: Digest realm=\"x\", nonce=\"n\", "
                           "algorithm=SHA-512-256\r\n"
                           "Content-Length: 0\r\n\r\n";
  mbuf *mb = mbuf_alloc(text.size());
  ASSERT_NE(mb, nullptr);
  mbuf_write_str(mb, text.c_str());
  mb->pos = 0;
  sip_msg *msg = nullptr;
  ASSERT_EQ(sip_msg_decode(&msg, mb), 0);
  auto answer = answerDigestChallenge(*msg, "REGISTER", "sip:x", {"alice", "pw"});
  mem_deref(msg);
  mem_deref(mb);
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message.find("not support"), std::string::npos);
}

} // namespace
} // namespace wisp
