#include "sip/credentials.h"

#include <new>

namespace wisp {

RePtr<SipCredentials> makeCredentials(std::string user, std::string password, bool oneAttempt) {
  void *mem = mem_zalloc(sizeof(SipCredentials),
                         [](void *p) { static_cast<SipCredentials *>(p)->~SipCredentials(); });
  if (!mem)
    return nullptr;
  auto *c = new (mem) SipCredentials{std::move(user), std::move(password), oneAttempt, 0};
  return RePtr<SipCredentials>(c);
}

int answerChallenge(char **user, char **password, const char *, void *arg) {
  auto *c = static_cast<SipCredentials *>(arg);
  if (!c || c->user.empty())
    return EAUTH;
  if (c->oneAttempt && ++c->challenges > 1)
    return EAUTH;
  // str_dup only allocates; nothing here can throw into libre.
  int err = str_dup(user, c->user.c_str());
  return err ? err : str_dup(password, c->password.c_str());
}

} // namespace wisp
