#include "control/dial_target.h"

#include "control/command.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace wisp {
namespace {

DialContext domain(std::string name, std::string transport = "udp") {
  return DialContext{std::move(name), std::move(transport)};
}

const DialContext kLocal{}; // the local account: no domain

std::string resolveOk(std::string_view target, const DialContext &ctx) {
  Result<std::string> uri = resolveDialTarget(target, ctx);
  EXPECT_TRUE(uri.ok()) << target << ": " << (uri.ok() ? "" : uri.error().message);
  return uri.ok() ? uri.value() : std::string();
}

Error resolveError(std::string_view target, const DialContext &ctx) {
  Result<std::string> uri = resolveDialTarget(target, ctx);
  EXPECT_FALSE(uri.ok()) << target << " resolved to " << (uri.ok() ? uri.value() : "");
  return uri.ok() ? Error{} : uri.error();
}

DialInput inputOk(std::string_view typed) {
  Result<DialInput> input = parseDialInput(typed);
  EXPECT_TRUE(input.ok()) << typed << ": " << (input.ok() ? "" : input.error().message);
  return input.ok() ? input.value() : DialInput{};
}

bool hasUnsafeChar(std::string_view s) {
  for (char c : s) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == ' ' || c == '<' || c == '>' || c == '"') {
      return true;
    }
  }
  return false;
}

TEST(DialTarget, SipUrisStayAsTheyAre) {
  for (const char *uri :
       {"sip:bob@example.com", "sip:bob@127.0.0.1:5062", "sip:bob@example.com;transport=tcp",
        "sip:127.0.0.1", "sip:127.0.0.1:5070", "sip:[::1]:5070", "sip:bob@[::1]", "sip:example.com",
        "sip:bob:secret@example.com", "sip:alice%20smith@example.com", "sips:bob@example.com"}) {
    EXPECT_EQ(resolveOk(uri, domain("ignored.example.com", "tcp")), uri);
  }
}

TEST(DialTarget, SipUriSchemeIsCaseInsensitiveAndUrlHandlerNoiseIsDropped) {
  EXPECT_EQ(resolveOk("SIP:bob@example.com", kLocal), "sip:bob@example.com");
  EXPECT_EQ(resolveOk("sip://bob@example.com/", kLocal), "sip:bob@example.com");
  EXPECT_EQ(resolveOk("sips://bob@example.com", kLocal), "sips:bob@example.com");
}

TEST(DialTarget, SipUriDecodesOnlyHarmlessEscapes) {
  EXPECT_EQ(resolveOk("sip:%2B15551234@example.com", kLocal), "sip:+15551234@example.com");
  EXPECT_EQ(resolveOk("sip:%61lice@example.com", kLocal), "sip:alice@example.com");
  // %40 is an '@' inside the user name: decoding it would change the host.
  EXPECT_EQ(resolveOk("sip:a%40b@example.com", kLocal), "sip:a%40b@example.com");
}

TEST(DialTarget, HashInTheUserPartIsEscaped) {
  EXPECT_EQ(resolveOk("sip:*97#@pbx.example.com", kLocal), "sip:*97%23@pbx.example.com");
  EXPECT_EQ(resolveOk("*97#@pbx.example.com", kLocal), "sip:*97%23@pbx.example.com");
  EXPECT_EQ(resolveOk("*97#", domain("pbx.example.com")), "sip:*97%23@pbx.example.com");
}

TEST(DialTarget, UserAtHostBecomesASipUri) {
  EXPECT_EQ(resolveOk("bob@127.0.0.1:5062", kLocal), "sip:bob@127.0.0.1:5062");
  EXPECT_EQ(resolveOk("bob@example.com", kLocal), "sip:bob@example.com");
  EXPECT_EQ(resolveOk("1234@[::1]:5062", kLocal), "sip:1234@[::1]:5062");
  EXPECT_EQ(resolveOk("bob@127.0.0.1;transport=tcp", kLocal), "sip:bob@127.0.0.1;transport=tcp");
}

TEST(DialTarget, NumbersAndNamesUseTheDefaultDomain) {
  EXPECT_EQ(resolveOk("1234", domain("example.com")), "sip:1234@example.com");
  EXPECT_EQ(resolveOk("+15551234", domain("example.com")), "sip:+15551234@example.com");
  EXPECT_EQ(resolveOk("alice", domain("example.com")), "sip:alice@example.com");
  EXPECT_EQ(resolveOk("alice", domain("127.0.0.1:5070")), "sip:alice@127.0.0.1:5070");
}

TEST(DialTarget, TelAndFriendsBecomeNumbersAtTheDefaultDomain) {
  DialContext ctx = domain("example.com");
  EXPECT_EQ(resolveOk("tel:+1-555-1234", ctx), "sip:+15551234@example.com");
  EXPECT_EQ(resolveOk("tel:+1%20(555)%20123.4567", ctx), "sip:+15551234567@example.com");
  EXPECT_EQ(resolveOk("tel:%2B4930123;phone-context=example.com", ctx), "sip:+4930123@example.com");
  EXPECT_EQ(resolveOk("callto://+1-555-1234/", ctx), "sip:+15551234@example.com");
  EXPECT_EQ(resolveOk("dial:1234", ctx), "sip:1234@example.com");
  EXPECT_EQ(resolveOk("dialpad:1234", ctx), "sip:1234@example.com");
  EXPECT_EQ(resolveOk("callto:bob@127.0.0.1", ctx), "sip:bob@127.0.0.1");
  EXPECT_EQ(resolveOk("callto:sip:bob@127.0.0.1", ctx), "sip:bob@127.0.0.1");
}

TEST(DialTarget, WithoutADomainNumbersAndNamesExplainHowToCallByIp) {
  Error error = resolveError("1234", kLocal);
  EXPECT_EQ(error.code, "bad_argument");
  EXPECT_NE(error.message.find("needs an account with a domain"), std::string::npos);
  EXPECT_NE(error.message.find("1234@HOST"), std::string::npos);
  EXPECT_NE(resolveError("alice", kLocal).message.find("alice@HOST"), std::string::npos);
}

TEST(DialTarget, TransportIsAddedToUrisWispBuilds) {
  EXPECT_EQ(resolveOk("1234", domain("example.com", "tcp")), "sip:1234@example.com;transport=tcp");
  EXPECT_EQ(resolveOk("bob@127.0.0.1", domain("", "TLS")), "sip:bob@127.0.0.1;transport=tls");
  EXPECT_EQ(resolveOk("1234", domain("example.com", "")), "sip:1234@example.com");
  // The user's own choice wins, and explicit sip: URIs are taken literally.
  EXPECT_EQ(resolveOk("bob@127.0.0.1;transport=udp", domain("", "tcp")),
            "sip:bob@127.0.0.1;transport=udp");
  EXPECT_EQ(resolveOk("sip:bob@127.0.0.1", domain("", "tcp")), "sip:bob@127.0.0.1");
  EXPECT_EQ(resolveError("1234", domain("example.com", "sctp")).code, "bad_argument");
}

TEST(DialTarget, UserNamesAreEscapedInBuiltUris) {
  EXPECT_EQ(resolveOk("j\xc3\xbcrgen", domain("example.com")), "sip:j%C3%BCrgen@example.com");
  EXPECT_EQ(resolveOk("a?b", domain("example.com")), "sip:a%3Fb@example.com");
  EXPECT_EQ(resolveOk("100%", domain("example.com")), "sip:100%25@example.com");
}

TEST(DialTarget, RejectsBrokenUris) {
  for (const char *bad : {"sip:",
                          "sip:@example.com",
                          "sip:bob@",
                          "sip:bob@exa_mple.com",
                          "sip:bob@127.0.0.1:0",
                          "sip:bob@127.0.0.1:70000",
                          "sip:bob@127.0.0.1:",
                          "sip:1234",
                          "sip:a@b@example.com",
                          "sip:bob@example.com;",
                          "sip:bob@example.com?Subject=hi",
                          "sip:bob@[::1",
                          "sip:bob@[zz::1]",
                          "sip:bob@-example.com",
                          "sip:bob%2@example.com",
                          "sip:bob@1.2.3.4.5",
                          "sip:bob@example.com;a{b",
                          "sip:b^b@example.com",
                          "http://example.com",
                          "mailto:bob",
                          "example.com:5060",
                          "tel:alice",
                          "tel:",
                          "callto:;x",
                          "dial://",
                          "dialpad:-1",
                          "",
                          "-1234",
                          "bob@",
                          "@example.com",
                          "bob@exa mple.com",
                          "bob@host:x",
                          "127.0.0.1",
                          "[::1]:5060",
                          "::1",
                          "a:b",
                          "tel:%",
                          "tel:%zz12",
                          "alice,12"}) {
    Error error = resolveError(bad, domain("example.com"));
    EXPECT_EQ(error.code, "bad_argument") << bad;
    EXPECT_FALSE(error.message.empty()) << bad;
  }
}

TEST(DialTarget, ExplainsCommonMistakes) {
  EXPECT_NE(resolveError("sip:1234", kLocal).message.find("1234@HOST"), std::string::npos);
  EXPECT_NE(resolveError("127.0.0.1", kLocal).message.find("sip:127.0.0.1"), std::string::npos);
  EXPECT_NE(resolveError("http://example.com", kLocal).message.find("http:"), std::string::npos);
  EXPECT_NE(resolveError("sip:bob@example.com?Subject=hi", kLocal).message.find("header"),
            std::string::npos);
}

TEST(DialTarget, RejectsAnInvalidDefaultDomain) {
  Error error = resolveError("1234", domain("exa mple.com"));
  EXPECT_EQ(error.code, "bad_argument");
  EXPECT_NE(error.message.find("domain"), std::string::npos);
}

TEST(DialTarget, RefusesPostDialDtmfInAnAddress) {
  EXPECT_EQ(resolveError("1234,56", domain("example.com")).code, "bad_argument");
}

// A target must never smuggle a header into the INVITE, however it is written.
TEST(DialTarget, HeaderInjectionIsImpossible) {
  const std::vector<std::string> attempts = {
      "sip:bob@example.com\r\nVia: SIP/2.0/UDP 127.0.0.1",
      "sip:bob@example.com>\r\nContact: <sip:evil@127.0.0.1",
      "bob@example.com\r\n",
      "bob\n@example.com",
      "1234\r\nX: y",
      std::string("alice\0x", 7),
      "alice>",
      "<sip:bob@example.com>",
      "\"Bob\" <sip:bob@example.com>",
      "sip:bob@example.com;x=\"y\"",
      "tel:1234%0D%0AVia:%20x",
      "callto:bob%0A@example.com",
      "dial:bob%3E@example.com",
      "dialpad:%22bob%22",
      "sip:bob @example.com",
      "bob smith@example.com",
  };
  for (const std::string &attempt : attempts) {
    Result<std::string> uri = resolveDialTarget(attempt, domain("example.com"));
    EXPECT_FALSE(uri.ok()) << attempt << " resolved to " << (uri.ok() ? uri.value() : "");
    if (!uri.ok()) {
      EXPECT_EQ(uri.error().code, "bad_argument");
      EXPECT_EQ(uri.error().message.find('\n'), std::string::npos) << "raw LF in the message";
      EXPECT_EQ(uri.error().message.find('\r'), std::string::npos) << "raw CR in the message";
    }
  }
  // Escaped inside a sip: URI they are plain data, never raw characters.
  std::string uri = resolveOk("sip:bob%0D%0A@example.com", kLocal);
  EXPECT_FALSE(hasUnsafeChar(uri)) << uri;
}

TEST(DialTarget, ErrorsNameTheBadCharacter) {
  EXPECT_NE(resolveError("bob@example.com\r\n", kLocal).message.find("carriage return"),
            std::string::npos);
  EXPECT_NE(resolveError("bob\n@example.com", kLocal).message.find("line feed"), std::string::npos);
  EXPECT_NE(resolveError("bob smith@example.com", kLocal).message.find("space"), std::string::npos);
}

TEST(DialInput, SplitsPostDialDtmfGroups) {
  DialInput input = inputOk("1234,,56#");
  EXPECT_EQ(input.target, "1234");
  EXPECT_EQ(input.postDialDtmf, (std::vector<std::string>{"", "56#"}));
  input = inputOk("+15551234,1a,*");
  EXPECT_EQ(input.target, "+15551234");
  EXPECT_EQ(input.postDialDtmf, (std::vector<std::string>{"1A", "*"}));
  input = inputOk("tel:+1-555-1234,,9");
  EXPECT_EQ(input.target, "+15551234");
  EXPECT_EQ(input.postDialDtmf, (std::vector<std::string>{"", "9"}));
  EXPECT_TRUE(inputOk("1234").postDialDtmf.empty());
}

TEST(DialInput, RejectsBadPostDialDigits) {
  Result<DialInput> input = parseDialInput("1234,5x");
  ASSERT_FALSE(input.ok());
  EXPECT_NE(input.error().message.find("'x'"), std::string::npos);
  EXPECT_FALSE(parseDialInput("bob@example.com,12").ok());
}

TEST(DialInput, StripsVisualSeparatorsFromNumbersButNotFromAddresses) {
  EXPECT_EQ(inputOk("+1 (555) 123-4567").target, "+15551234567");
  EXPECT_EQ(inputOk("555.1234").target, "5551234");
  EXPECT_FALSE(parseDialInput("127.0.0.1").ok()); // a host, not the number 127001
}

TEST(DialInput, NormalizingTwiceChangesNothing) {
  for (const char *typed :
       {"sip:%2B1@example.com", "sip://bob@example.com/", "sip:a%40b@example.com", "tel:+1-555",
        "callto:bob@127.0.0.1", "dial:%2B49", "alice", "bob@[::1]:5062", "*97#",
        "SIPS:bob@example.com;transport=tcp", "sip:////a@example.com"}) {
    Result<DialInput> once = parseDialInput(typed);
    ASSERT_TRUE(once.ok()) << typed << ": " << once.error().message;
    Result<DialInput> twice = parseDialInput(once->target);
    ASSERT_TRUE(twice.ok()) << once->target << ": " << twice.error().message;
    EXPECT_EQ(twice->target, once->target);
  }
}

TEST(DialInput, LooksLikeDialTarget) {
  for (const char *word : {"1234", "+15551234", "*97#", "1234,,5", "sip:bob@example.com", "tel:+1",
                           "http://x", "bob@127.0.0.1:5062", "+1-555-1234"}) {
    EXPECT_TRUE(looksLikeDialTarget(word)) << word;
  }
  for (const char *word : {"hangup", "alice", "127.0.0.1", "", "-1", "--json", "+", "(", "a,1"}) {
    EXPECT_FALSE(looksLikeDialTarget(word)) << word;
  }
}

TEST(DialInput, LooksLikeHostAddress) {
  for (const char *word : {"127.0.0.1", "127.0.0.1:5060", "[::1]", "[::1]:5060", "::1"}) {
    EXPECT_TRUE(looksLikeHostAddress(word)) << word;
  }
  for (const char *word : {"example.com", "1234", "1.2.3", "bob@127.0.0.1", "[::1]x", ""}) {
    EXPECT_FALSE(looksLikeHostAddress(word)) << word;
  }
}

TEST(DtmfDigits, NormalizeAndValidate) {
  Result<std::string> digits = normalizeDtmfDigits("0123456789*#abcdABCD");
  ASSERT_TRUE(digits.ok());
  EXPECT_EQ(digits.value(), "0123456789*#ABCDABCD");
  for (const char *bad : {"", "12e", ",", "1 2", "\r", "+1"}) {
    Result<std::string> result = normalizeDtmfDigits(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code, "bad_argument");
  }
  EXPECT_NE(normalizeDtmfDigits("12e").error().message.find("'e'"), std::string::npos);
  EXPECT_NE(normalizeDtmfDigits("1\r").error().message.find("carriage return"), std::string::npos);
}

// Whatever comes in, nothing crashes, and whatever comes out is safe to put in a header.
TEST(DialTarget, RandomInputNeverYieldsAnUnsafeUri) {
  const std::string alphabet = "abcAZ019+*#@:;,./-_%()[]<>\"?=&$ \r\n\t\x7f\x01\xc3\xbc";
  const std::vector<std::string> prefixes = {
      "", "sip:", "sips:", "tel:", "callto:", "dial:", "dialpad:", "SIP://", "bob@"};
  std::mt19937 random(20240611);
  std::uniform_int_distribution<std::size_t> pickChar(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> pickPrefix(0, prefixes.size() - 1);
  std::uniform_int_distribution<int> pickLength(0, 24);
  int resolved = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string target = prefixes[pickPrefix(random)];
    for (int n = pickLength(random); n > 0; --n) {
      target += alphabet[pickChar(random)];
    }
    Result<std::string> uri = resolveDialTarget(target, domain("example.com", "tcp"));
    if (!uri.ok()) {
      EXPECT_EQ(uri.error().code, "bad_argument") << target;
      continue;
    }
    ++resolved;
    EXPECT_FALSE(hasUnsafeChar(uri.value())) << target << " -> " << uri.value();
    EXPECT_TRUE(uri.value().rfind("sip:", 0) == 0 || uri.value().rfind("sips:", 0) == 0)
        << uri.value();
    Result<DialInput> input = parseDialInput(target);
    ASSERT_TRUE(input.ok());
    Result<DialInput> again = parseDialInput(input->target);
    ASSERT_TRUE(again.ok()) << quoted(target) << " -> " << quoted(input->target) << ": "
                            << again.error().message;
    EXPECT_EQ(again->target, input->target);
  }
  EXPECT_GT(resolved, 100); // the generator must also reach the success paths
}

} // namespace
} // namespace wisp
