// A small NAT'd network built from three network namespaces, for tests of a phone behind a
// NAT. Nothing outside these namespaces is touched (the test process stays in its own):
//
//   lan (LAN_IP 192.168.77.2) --veth-- router (192.168.77.1 | 10.77.0.1) --veth-- wan (10.77.0.2)
//
// The router forwards and masquerades (nft) whatever leaves on its wan side, so the wan side
// sees the lan host as 10.77.0.1 and cannot reach 192.168.77.0/24 at all. Masquerading keeps
// source ports; with PortMapping::Shifted the UDP ports kShiftedPortMin..kShiftedPortMax-1
// leave from other ones (even p as p + 10000, odd p as p + 15000), like a NAT that does not
// keep ports but maps each local port to one public port whatever the destination. Processes run in
// a namespace through prefix(): `ip netns exec NAME ...`. Needs root (`ip`, `nft`).
#pragma once

#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace wisp::test {

class NatNetwork {
public:
  static constexpr const char *kLanAddress = "192.168.77.2";
  static constexpr const char *kRouterLanAddress = "192.168.77.1";
  static constexpr const char *kRouterWanAddress = "10.77.0.1"; // the NAT's public address
  static constexpr const char *kWanAddress = "10.77.0.2";
  // A second lan address that a test adds and removes, as a network change (with its prefix).
  static constexpr const char *kLanSecondPrefix = "192.168.77.3/24";
  // The addresses above live only on the veth interfaces inside the namespaces this class
  // creates; the test process itself has no route to them, and nothing leaves the host.
  static constexpr uint16_t kShiftedPortMin = 30000;
  static constexpr uint16_t kShiftedPortMax = 30020;
  enum class PortMapping { Kept, Shifted };
  // The public port of a lan UDP port under PortMapping::Shifted.
  static uint16_t shiftedPort(uint16_t lanPort) {
    return uint16_t(lanPort % 2 == 0 ? lanPort + 10000 : lanPort + 15000);
  }

  // Why this machine cannot build the network ("" if it can): not root, no `ip` or `nft`,
  // or no network namespace support.
  static std::string unavailableReason();

  NatNetwork() = default;
  ~NatNetwork(); // removes the namespaces (and with them the links and rules)
  NatNetwork(const NatNetwork &) = delete;
  NatNetwork &operator=(const NatNetwork &) = delete;

  // `scratch` holds the nft rules file.
  Status create(const std::filesystem::path &scratch, PortMapping ports = PortMapping::Kept);
  void destroy();

  const std::string &lan() const { return lan_; }
  const std::string &router() const { return router_; }
  const std::string &wan() const { return wan_; }
  std::vector<std::string> prefix(const std::string &ns) const {
    return {"ip", "netns", "exec", ns};
  }
  // Runs a command in a namespace; an error with its output if it fails.
  Status run(const std::string &ns, const std::vector<std::string> &argv) const;

private:
  std::vector<std::string> created_;
  std::string lan_, router_, wan_;
};

} // namespace wisp::test
