// One [AccountN] of wisp.ini at run time: its identity for calls and, when it has a server,
// its registration (RegistrationClient) kept up by itself: refreshed before expiry, retried
// with a capped back-off after a failure, and removed (expires=0) when the account goes away.
// Its Contact (for the registration and for calls) carries publicAddr if set, else the
// address a NAT gives us as the registrar saw it.
#pragma once

#include "config/settings.h"
#include "sip/call_identity.h"
#include "sip/registration_client.h"
#include "sip/tls_server_names.h"
#include "util/re_ptr.h"

#include <re.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wisp {

enum class RegistrationState {
  Off,         // no server, or disabled: the account only gives an identity
  Registering, // a REGISTER is on its way
  Registered,
  Failed,      // see reason(); a retry is scheduled
  Unregistered // by the `unregister` command
};
std::string_view toString(RegistrationState state);

class Account {
public:
  using ChangeHandler = std::function<void(const Account &)>;

  // software: our User-Agent for the REGISTERs; stun: the STUN servers, null = none;
  // tlsNames: where a TLS registration says which server name its address must prove.
  Account(AccountSettings settings, sip *stack, ChangeHandler onChange, std::string software = {},
          std::shared_ptr<StunServers> stun = {}, std::shared_ptr<TlsServerNames> tlsNames = {});
  ~Account(); // un-registers if registered
  Account(const Account &) = delete;
  Account &operator=(const Account &) = delete;

  void registerNow();
  void unregister();

  int id() const { return settings_.index; }
  const AccountSettings &settings() const { return settings_; }
  std::string label() const;
  RegistrationState state() const { return state_; }
  // The registrar refused our credentials last time: only a settings change or its own
  // back-off retries, not a network change.
  bool credentialsRejected() const {
    return state_ == RegistrationState::Failed && credentialsRejected_;
  }
  const std::string &reason() const { return reason_; } // why it failed, in plain words
  int lastCode() const { return lastCode_; }
  // The Contact URI of the registration (with the public address behind a NAT), "" if none.
  std::string registeredContact() const {
    return reg_ && state_ == RegistrationState::Registered ? reg_->contactUri() : "";
  }
  bool registers() const { return settings_.enabled && !settings_.server.empty(); }

  CallIdentity callIdentity() const;
  std::string aor() const;
  // True if an incoming INVITE is addressed to this account's registered Contact.
  bool isAddressedBy(const sip_msg &invite) const;

private:
  void handleOutcome(const RegistrationOutcome &outcome);
  void fail(std::string reason, bool credentials);
  void set(RegistrationState state, std::string reason = {});
  void startKeepalive();
  void sendKeepalive();
  static void onKeepaliveResponse(int err, const sip_msg *msg, void *arg);
  std::string contactUser() const;
  std::string contactUserPrefix() const;
  std::string transportParam() const;
  // Where the Contact of calls points: publicAddr, else the NAT's address the registrar saw
  // (UDP), else "" (libre's local address).
  std::string contactHostPort() const;
  std::string mediaAddress() const; // CallIdentity::mediaAddress
  std::string nextHopHost() const;  // the first proxy's host, else the server's

  AccountSettings settings_;
  sip *stack_;
  ChangeHandler onChange_;
  std::string software_;
  std::shared_ptr<StunServers> stun_;
  std::shared_ptr<TlsServerNames> tlsNames_;
  std::unique_ptr<RegistrationClient> reg_;
  std::string registrationTag_; // new for every registration: see contactUser()
  RegistrationState state_ = RegistrationState::Off;
  std::string reason_;
  int lastCode_ = 0;
  unsigned failures_ = 0;
  bool credentialsRejected_ = false;
  tmr retryTimer_{};
  tmr releaseTimer_{};
  // Keep-alive: OPTIONS to the registrar every keepAlive seconds, so a server that went
  // away (or restarted and forgot us) is noticed long before the next refresh.
  tmr keepaliveTimer_{};
  struct sip_request *keepalive_ = nullptr; // libre clears it when the request completes
  unsigned keepaliveMisses_ = 0;
};

} // namespace wisp
