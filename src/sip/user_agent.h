// The SIP user agent: libre's SIP stack with its UDP and TCP transports, the session
// listener for incoming calls, and the calls themselves. Everything here runs in the
// loop thread (re_main).
#pragma once

#include "sip/call.h"
#include "sip/tls_server_names.h"
#include "sip/tls_verifier.h"
#include "util/re_ptr.h"
#include "util/result.h"

#include <re.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wisp {

struct UserAgentConfig {
  sa listenIp{};         // concrete address: libre cannot bind SIP to 0.0.0.0
  uint16_t sipPort = 0;  // 0 = any free port (the same one for UDP and TCP)
  std::string software;  // User-Agent / Server header
};

// How incoming calls are handled; changeable on reload.
struct CallPolicy {
  bool callWaiting = true;            // a second call rings while one is up; else 486
  bool autoAnswer = false;
  std::chrono::milliseconds autoAnswerDelay{0};
};

struct ListenAddress {
  std::string transport; // "udp", "tcp"
  std::string address;   // "127.0.0.1:5060"
};

class UserAgent final : public CallObserver {
public:
  using CallEventHandler = std::function<void(Call &, CallEvent)>;

  explicit UserAgent(AudioHub &audio);
  ~UserAgent() override;

  Status start(const UserAgentConfig &config);
  // Name servers for host names ("IP[:port]"); empty = those of /etc/resolv.conf.
  Status setNameServers(const std::vector<std::string> &servers);
  // Adds the TLS transport the first time an account needs it (libre 1.1.0 checks nothing by
  // itself). Server certificates are verified against the system's CA store plus `caFiles`,
  // and each connection's against the names tlsServerNames() expects at its address;
  // `fallbackHost` ("" = none) for connections to addresses no registration told about.
  Status enableTls(const std::vector<std::string> &caFiles, const std::string &fallbackHost);
  // Where the accounts' registrations say which TLS server name goes with which address.
  const std::shared_ptr<TlsServerNames> &tlsServerNames() const { return tlsNames_; }
  // Hangs up every call, lets libre finish (BYE, CANCEL), then calls done.
  void shutdown(std::function<void()> done);

  void setCallContext(std::vector<const Codec *> codecs, uint16_t rtpMin, uint16_t rtpMax);
  // [Settings] STUN resolved with our DNS client (user_agent_stun.cpp): the same object as
  // long as the list stays the same; null for an empty list (STUN off).
  std::shared_ptr<StunServers> stunServers(const std::vector<std::string> &servers);
  // Decides which account (and so which identity) an incoming call belongs to.
  using IncomingIdentity = std::function<CallIdentity(const sip_msg &invite)>;
  void setIncomingIdentity(IncomingIdentity resolver) { incomingIdentity_ = std::move(resolver); }
  void setPolicy(const CallPolicy &policy) { policy_ = policy; }
  void onCallEvent(CallEventHandler handler) { handler_ = std::move(handler); }

  Result<Call *> dial(const std::string &uri, CallIdentity identity);
  Call *findCall(int id) const;
  std::vector<Call *> calls() const; // live calls, oldest first
  std::vector<ListenAddress> listenAddresses() const;
  sip *stack() const { return stack_.get(); }
  std::string localHost() const; // the address we listen on, as text

private:
  void onCallEvent(Call &call, CallEvent event) override;
  static void onIncoming(const sip_msg *msg, void *arg);
  void handleIncoming(const sip_msg *msg);
  static bool onRequest(const sip_msg *msg, void *arg);
  void purgeEndedCalls();

  AudioHub &audio_;
  CallContext ctx_;
  CallPolicy policy_;
  CallEventHandler handler_;
  IncomingIdentity incomingIdentity_;
  RePtr<dnsc> dns_;
  std::shared_ptr<StunServers> stun_;
  RePtr<sip> stack_;
  RePtr<struct tls> tls_;
  std::shared_ptr<TlsServerNames> tlsNames_ = std::make_shared<TlsServerNames>();
  std::unique_ptr<TlsVerifier> tlsVerifier_;
  std::vector<std::string> tlsCaFiles_;
  RePtr<sipsess_sock> sessions_;
  RePtr<sip_lsnr> requests_;
  std::vector<std::unique_ptr<Call>> calls_;
  std::vector<std::unique_ptr<Call>> ended_; // kept until the callback stack unwinds
  int nextCallId_ = 1;
  tmr purgeTimer_{};
  tmr shutdownTimer_{};
  std::function<void()> shutdownDone_;
  bool exited_ = false;
  bool shuttingDown_ = false;
};

} // namespace wisp
