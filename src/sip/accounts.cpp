#include "sip/accounts.h"

#include <charconv>
#include <strings.h>

namespace wisp {

void Accounts::apply(const std::vector<AccountSettings> &settings, sip *stack,
                     const std::string &software, std::shared_ptr<StunServers> stun) {
  const bool stunChanged = stun != stun_;
  stun_ = stun;
  std::map<int, std::unique_ptr<Account>> next;
  for (const auto &s : settings) {
    auto it = accounts_.find(s.index);
    if (it != accounts_.end() && it->second->settings() == s && !stunChanged) {
      next[s.index] = std::move(it->second); // unchanged: keeps its registration
      continue;
    }
    auto account = std::make_unique<Account>(s, stack, onChange_, software, stun, tlsNames_);
    account->registerNow();
    next[s.index] = std::move(account);
  }
  // Whatever is left in accounts_ was removed or changed: destroying it un-registers.
  accounts_ = std::move(next);
}

void Accounts::clear() {
  accounts_.clear();
}

void Accounts::registerAllAgain() {
  for (const auto &[_, a] : accounts_)
    if (a->registers() && a->state() != RegistrationState::Unregistered &&
        !a->credentialsRejected())
      a->registerNow();
}

Account *Accounts::byId(int id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : it->second.get();
}

Account *Accounts::find(std::string_view idOrLabel) const {
  int id = 0;
  auto [end, ec] = std::from_chars(idOrLabel.data(), idOrLabel.data() + idOrLabel.size(), id);
  if (ec == std::errc() && end == idOrLabel.data() + idOrLabel.size())
    return byId(id);
  for (const auto &[_, a] : accounts_) {
    const std::string label = a->label();
    if (label.size() == idOrLabel.size() &&
        strncasecmp(label.data(), idOrLabel.data(), label.size()) == 0)
      return a.get();
  }
  return nullptr;
}

const Account *Accounts::forIncoming(const sip_msg &invite) const {
  for (const auto &[_, a] : accounts_)
    if (a->isAddressedBy(invite))
      return a.get();
  return nullptr;
}

std::vector<const Account *> Accounts::all() const {
  std::vector<const Account *> out;
  for (const auto &[_, a] : accounts_)
    out.push_back(a.get());
  return out;
}

} // namespace wisp
