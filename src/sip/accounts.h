// The set of accounts the phone runs, kept in step with wisp.ini: on reload only the
// accounts whose settings changed register again.
#pragma once

#include "sip/account.h"

#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace wisp {

class Accounts {
public:
  explicit Accounts(Account::ChangeHandler onChange) : onChange_(std::move(onChange)) {}

  // Starts new accounts, restarts changed ones, un-registers removed or disabled ones.
  // software: the User-Agent of the REGISTERs; stun: the STUN servers, null = none (another
  // object restarts every account).
  void apply(const std::vector<AccountSettings> &settings, sip *stack,
             const std::string &software = {}, std::shared_ptr<StunServers> stun = {});
  void clear(); // un-registers everything (exit)
  // Given to accounts started from now on (see TlsServerNames).
  void setTlsServerNames(std::shared_ptr<TlsServerNames> names) { tlsNames_ = std::move(names); }
  // A fresh registration for every account that registers (not those the user
  // un-registered): after a network change.
  void registerAllAgain();

  Account *byId(int id) const;
  // By number ("2") or label ("Office", case-insensitive).
  Account *find(std::string_view idOrLabel) const;
  // The account an incoming INVITE was sent to (through its registrar), if any.
  const Account *forIncoming(const sip_msg &invite) const;
  std::vector<const Account *> all() const;

private:
  Account::ChangeHandler onChange_;
  std::shared_ptr<StunServers> stun_;
  std::shared_ptr<TlsServerNames> tlsNames_;
  std::map<int, std::unique_ptr<Account>> accounts_;
};

} // namespace wisp
