// A real kamailio 5.6 (Debian's `kamailio`, plus `kamailio-tls-modules` for TLS) on 127.0.0.1
// (or, for the NAT tests, on an address of a network namespace the test made: Options::host
// and commandPrefix) as the registrar and proxy of the account and registration tests.
//
// The config is tests/fixtures/kamailio/kamailio.cfg.tmpl, rendered into the server's
// directory:
// - Domain and digest realm 127.0.0.1; users and passwords from Options::users, kept in
//   memory (no database). Registrations are in memory too: restart() forgets them all.
// - REGISTER is challenged with 401 (WWW-Authenticate, qop=auth); To and From user must match.
//   INVITE, MESSAGE, SUBSCRIBE and REFER are challenged with 407 and only local users may send
//   them (403 otherwise). Requests for 127.0.0.1 (with this server's port, or none) go to the
//   registered contacts (404 if none); anything else is relayed. INVITEs are record-routed.
// - A phone on TCP or TLS is reached over the connection it registered (or called) from, even
//   if it does not listen at its Contact (received address, and ;alias= on dialog Contacts).
// - An OPTIONS to the server itself is answered 200 (the readiness probe; keep-alives).
//
// kamailio runs in the foreground (-DD -E), its log (stderr) in DIR/kamailio.log, its pid file
// and ctl socket in DIR. contacts() asks it over the ctl socket with `kamcmd` (in the kamailio
// package).
#pragma once

#include "support/process.h"
#include "util/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wisp::test {

// Options::users unless a test says otherwise: alice/alicepw, bob/bobpw, carol/carolpw,
// dave/davepw, sipp/sipppw.
std::map<std::string, std::string> defaultKamailioUsers();

// A contact as kamailio's location table holds it (`kamcmd ul.lookup`).
struct RegisteredContact {
  std::string uri;       // "sip:alice@127.0.0.1:5070;transport=udp", as registered
  std::string expires;   // seconds left as kamailio shows them ("600"), or "permanent"
  std::string received;  // source address of a TCP/TLS registration, "" if not set
  std::string socket;    // kamailio's socket it came in on, "tls:127.0.0.1:41235"
  std::string userAgent; // "" if none
  std::string callId;
};

class KamailioServer {
public:
  struct Tls {
    std::filesystem::path certFile; // PEM server certificate (see test_certificates.h)
    std::filesystem::path keyFile;  // PEM private key
    // PEM CA list kamailio loads (optional). Clients are not asked for certificates and
    // kamailio does not verify the phones it connects to: the tests are about the phone
    // checking the server.
    std::filesystem::path caFile;
  };

  struct Options {
    std::map<std::string, std::string> users = defaultKamailioUsers(); // user -> password
    std::optional<Tls> tls; // set: also listen for SIP over TLS on tlsPort()
    // The registrar grants what the phone asks for within these limits (seconds).
    int minExpires = 1;
    int maxExpires = 3600;
    // Asked for less than minExpires: true = 423 Interval Too Brief (Min-Expires), false =
    // granted minExpires.
    bool rejectBriefExpires = false;
    // false: kamailio does not answer a client's "\r\n\r\n" keep-alive with "\r\n"
    // (core tcp_crlf_ping), like a registrar without outbound support may.
    bool answerCrlfPings = true;
    // Digest algorithm of the challenges: "" (MD5) or "SHA-256".
    std::string digestAlgorithm;
    // Address to listen on; also the domain and realm. Other than 127.0.0.1 only inside a
    // network namespace the test created (see commandPrefix).
    std::string host = "127.0.0.1";
    // Runs kamailio as PREFIX... kamailio (e.g. {"ip", "netns", "exec", "wan"}). It then
    // listens on the standard ports 5060 (5061 TLS) of `host` in that namespace, and is
    // probed over its ctl socket instead of over the network (which the test's own
    // namespace may not reach).
    std::vector<std::string> commandPrefix;
  };

  KamailioServer() = default;
  ~KamailioServer(); // stop()
  KamailioServer(const KamailioServer &) = delete;
  KamailioServer &operator=(const KamailioServer &) = delete;

  // Renders the config into `dir` (created if needed; keep its path short: the ctl socket is
  // a Unix socket), starts kamailio on free ports and waits until it answers an OPTIONS over
  // UDP and listens on TCP (and TLS). Retries on new ports if one turned out to be taken.
  // The error message includes kamailio's log.
  Status start(const Options &options, const std::filesystem::path &dir);
  // SIGTERM, SIGKILL after a grace period. Safe to call twice.
  void stop();
  // stop(), then the same config on the same ports; the location table starts empty.
  Status restart();
  bool running();

  uint16_t port() const { return port_; }       // UDP and TCP
  uint16_t tlsPort() const { return tlsPort_; } // 0 without Options::tls
  std::string address() const;                  // "127.0.0.1:PORT"
  std::string tlsAddress() const;               // "127.0.0.1:TLSPORT"
  std::string domain() const { return options_.host; }
  // sip:USER@127.0.0.1:PORT (an account's AOR for phones that want the port spelled out).
  std::string uri(const std::string &user) const;
  // sip:USER@127.0.0.1:TLSPORT;transport=tls
  std::string tlsUri(const std::string &user) const;

  // The registered contacts of `user` right now (their URIs), [] if none. Throws
  // std::runtime_error if kamailio can't be asked: an empty list must mean "not registered".
  std::vector<std::string> contacts(const std::string &user) const;
  // The same with details; an error if kamailio could not be asked.
  Result<std::vector<RegisteredContact>> registrations(const std::string &user) const;

  // REGISTER requests for `user` (the To user) that reached the registrar since start(),
  // across restarts; retransmissions of one request count once (same Call-ID and CSeq).
  int registerCount(const std::string &user) const;
  // Of those, the ones the registrar accepted (authenticated and saved; includes un-REGISTERs).
  int acceptedRegisterCount(const std::string &user) const;

  // One OPTIONS over UDP; true if kamailio answered 200 within `timeout`.
  bool ping(std::chrono::milliseconds timeout = std::chrono::milliseconds(500)) const;

  const std::filesystem::path &dir() const { return dir_; }
  std::filesystem::path configPath() const { return dir_ / "kamailio.cfg"; }
  std::filesystem::path logPath() const { return dir_ / "kamailio.log"; }
  // The end of kamailio's log (all runs), for failure messages.
  std::string logText(size_t maxBytes = 64 * 1024) const {
    return readFileTail(logPath(), maxBytes);
  }

private:
  Status render(const Options &options);
  // Starts kamailio on the rendered config and waits for it; portTaken: it could not bind.
  Status launch(bool &portTaken);
  std::string ctlSocket() const;
  int countLogLines(const std::string &marker, const std::string &user, bool distinct) const;

  Process process_;
  std::filesystem::path dir_;
  Options options_;
  uint16_t port_ = 0;
  uint16_t tlsPort_ = 0;
};

} // namespace wisp::test
