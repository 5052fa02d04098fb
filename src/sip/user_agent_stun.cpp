#include "sip/user_agent.h"

namespace wisp {

std::shared_ptr<StunServers> UserAgent::stunServers(const std::vector<std::string> &servers) {
  if (servers.empty()) {
    stun_.reset();
    return nullptr;
  }
  // A reload with the same list keeps the object (and the registrations that use it). A name
  // is looked up again only when the list changes.
  if (!stun_ || stun_->configured() != servers)
    stun_ = std::make_shared<StunServers>(dns_.get(), servers);
  return stun_;
}

} // namespace wisp
