// Free ports on 127.0.0.1 for tests that run in parallel (ctest -j2 runs separate processes).
//
// Ports are drawn at random from a high range below the kernel's ephemeral range (so the
// system's own random source ports don't collide with them), checked by binding, and then
// reserved for the life of this test process with a lock file per port under
// /tmp/wisp-test-ports/ (flock, released automatically when the process exits). A port is
// handed out at most once per process. Still "free" only at the time of the check: a child
// that fails to bind should be restarted on new ports.
//
// These throw std::runtime_error when no port can be found (gtest reports it as a failure):
// it means the machine is out of ports, not something a test could handle.
#pragma once

#include <cstdint>

namespace wisp::test {

// A port free for both UDP and TCP (a SIP listener uses both).
uint16_t freeUdpTcpPort();

// A base port such that [base, base + count) are all free for UDP; base is even (RTP).
uint16_t freePortRange(unsigned count);

// A port p with p free for UDP+TCP and p+1 for TCP: baresip listens for TLS on SIP port + 1.
uint16_t freeSipPortPair();

// True if something is bound to 127.0.0.1:port (or the wildcard address) for UDP / TCP: a way
// to see that a child has started listening.
bool udpPortInUse(uint16_t port);
bool tcpPortInUse(uint16_t port);

} // namespace wisp::test
