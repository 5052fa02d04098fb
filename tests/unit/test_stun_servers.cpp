// StunServers without DNS: the [Settings] STUN forms that are addresses, their order, and
// the preference for the server that answered last.
#include "sip/stun_servers.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

std::string text(const sa &a) {
  char buf[80];
  re_snprintf(buf, sizeof buf, "%J", &a);
  return buf;
}

std::vector<std::string> texts(const std::vector<sa> &all) {
  std::vector<std::string> out;
  for (const sa &a : all)
    out.push_back(text(a));
  return out;
}

TEST(StunServers, AddressesKeepTheirOrderWithTheDefaultPort) {
  StunServers s(nullptr, {"192.0.2.7", "192.0.2.8:3479", "[2001:db8::1]", "[2001:db8::2]:5000",
                          "2001:db8::3"});
  EXPECT_FALSE(s.resolving());
  EXPECT_EQ(texts(s.candidates()),
            (std::vector<std::string>{"192.0.2.7:3478", "192.0.2.8:3479", "[2001:db8::1]:3478",
                                      "[2001:db8::2]:5000", "[2001:db8::3]:3478"}));
}

TEST(StunServers, NamesWithoutAResolverAreLeftOut) {
  StunServers s(nullptr, {"stun.example.test", "192.0.2.7", "stun2.example.test:3479"});
  EXPECT_FALSE(s.resolving());
  EXPECT_EQ(texts(s.candidates()), (std::vector<std::string>{"192.0.2.7:3478"}));
  EXPECT_EQ(s.configured().size(), 3u);
}

TEST(StunServers, TheServerThatAnsweredComesFirstThenTheRestInOrder) {
  StunServers s(nullptr, {"192.0.2.1", "192.0.2.2", "192.0.2.3"});
  const std::vector<sa> all = s.candidates();
  s.answered(all[1]);
  EXPECT_EQ(texts(s.candidates()),
            (std::vector<std::string>{"192.0.2.2:3478", "192.0.2.3:3478", "192.0.2.1:3478"}));
  sa unknown{};
  sa_set_str(&unknown, "198.51.100.1", 3478);
  s.answered(unknown); // not in the list (any more): the list order
  EXPECT_EQ(texts(s.candidates()).front(), "192.0.2.1:3478");
}

} // namespace
} // namespace wisp
