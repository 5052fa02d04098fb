#include "support/nat_network.h"

#include "support/process.h"

#include <unistd.h>

#include <fstream>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

Status runStep(const std::vector<std::string> &argv) {
  CommandResult r = runCommand(argv, 10s);
  if (r.ok())
    return Ok{};
  std::string line;
  for (const auto &a : argv)
    line += a + " ";
  return makeError("netns", "`" + line + "` failed: " + r.describe());
}

} // namespace

std::string NatNetwork::unavailableReason() {
  if (geteuid() != 0)
    return "needs root to create network namespaces";
  for (const char *tool : {"/usr/sbin/ip", "/usr/sbin/nft"})
    if (access(tool, X_OK) != 0)
      return std::string(tool) + " is missing (packages iproute2, nftables)";
  const std::string probe = "wisp-probe-" + std::to_string(getpid());
  if (!runCommand({"ip", "netns", "add", probe}, 5s).ok())
    return "no network namespace support here (`ip netns add` failed)";
  runCommand({"ip", "netns", "del", probe}, 5s);
  return "";
}

NatNetwork::~NatNetwork() {
  destroy();
}

void NatNetwork::destroy() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it)
    runCommand({"ip", "netns", "del", *it}, 10s);
  created_.clear();
}

Status NatNetwork::run(const std::string &ns, const std::vector<std::string> &argv) const {
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  return runStep(full);
}

Status NatNetwork::create(const std::filesystem::path &scratch, PortMapping ports) {
  destroy();
  const std::string tag = std::to_string(getpid()) + "-" + std::to_string(rand() % 100000);
  lan_ = "wisp-lan-" + tag;
  router_ = "wisp-rtr-" + tag;
  wan_ = "wisp-wan-" + tag;
  for (const auto &ns : {lan_, router_, wan_}) {
    if (Status s = runStep({"ip", "netns", "add", ns}); !s)
      return s;
    created_.push_back(ns);
    if (Status s = runStep({"ip", "-n", ns, "link", "set", "lo", "up"}); !s)
      return s;
  }
  const std::string lanNet = std::string(kRouterLanAddress) + "/24";
  const std::vector<std::vector<std::string>> steps = {
      // The links are made inside the namespaces: no name can clash with the host's.
      {"ip", "-n", lan_, "link", "add", "eth0", "type", "veth", "peer", "name", "lan", "netns",
       router_},
      {"ip", "-n", router_, "link", "add", "wan", "type", "veth", "peer", "name", "eth0", "netns",
       wan_},
      {"ip", "-n", lan_, "addr", "add", std::string(kLanAddress) + "/24", "dev", "eth0"},
      {"ip", "-n", lan_, "link", "set", "eth0", "up"},
      {"ip", "-n", lan_, "route", "add", "default", "via", kRouterLanAddress},
      {"ip", "-n", router_, "addr", "add", lanNet, "dev", "lan"},
      {"ip", "-n", router_, "link", "set", "lan", "up"},
      {"ip", "-n", router_, "addr", "add", std::string(kRouterWanAddress) + "/24", "dev", "wan"},
      {"ip", "-n", router_, "link", "set", "wan", "up"},
      {"ip", "-n", wan_, "addr", "add", std::string(kWanAddress) + "/24", "dev", "eth0"},
      {"ip", "-n", wan_, "link", "set", "eth0", "up"},
      {"ip", "netns", "exec", router_, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
  };
  for (const auto &step : steps)
    if (Status s = runStep(step); !s)
      return s;
  const auto rules = scratch / "nat.nft";
  // An explicit map (not `masquerade random`, which would give every destination its own
  // port: a symmetric NAT, where no STUN helps).
  std::string shifted;
  if (ports == PortMapping::Shifted) {
    std::string map;
    for (unsigned p = kShiftedPortMin; p < kShiftedPortMax; ++p)
      map += (map.empty() ? "" : ", ") + std::to_string(p) + " : " +
             std::to_string(shiftedPort(uint16_t(p)));
    shifted = "    oifname \"wan\" udp sport " + std::to_string(kShiftedPortMin) + "-" +
              std::to_string(kShiftedPortMax - 1) + " snat to " + kRouterWanAddress +
              " : udp sport map { " + map + " }\n";
  }
  std::ofstream(rules) << "table ip wisp_nat {\n"
                          "  chain postrouting {\n"
                          "    type nat hook postrouting priority 100;\n"
                       << shifted
                       << "    oifname \"wan\" masquerade\n"
                          "  }\n"
                          "}\n";
  return runStep({"ip", "netns", "exec", router_, "nft", "-f", rules.string()});
}

} // namespace wisp::test
