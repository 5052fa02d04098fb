// Digest credentials as libre's sip_auth_h argument. libre may answer a challenge after our
// object is gone (a BYE or un-REGISTER it sends on its own after we let go), so the
// credentials live in a libre-allocated block that libre references for as long as it needs.
#pragma once

#include "util/re_ptr.h"

#include <string>

namespace wisp {

struct SipCredentials {
  std::string user;
  std::string password;
  bool oneAttempt = false; // refuse a second challenge (registration: a wrong password)
  int challenges = 0;      // answered since the last reset
};

RePtr<SipCredentials> makeCredentials(std::string user, std::string password, bool oneAttempt);

// The sip_auth_h to pass with a SipCredentials block and aref = true.
int answerChallenge(char **user, char **password, const char *realm, void *credentials);

} // namespace wisp
