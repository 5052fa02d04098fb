// What the command language can do to a phone. The phone implements it; the executor
// and every control channel (socket, console, D-Bus, HTTP) only see this.
#pragma once

#include "util/json.h"
#include "util/result.h"

#include <optional>
#include <string>
#include <vector>

namespace wisp {

// A successful command's answer: a sentence for people and data for programs.
struct Reply {
  std::string text;
  Json data;
};

class PhoneControl {
public:
  virtual ~PhoneControl() = default;
  virtual Result<Reply> dial(const std::string &target, const std::optional<std::string> &account,
                             const std::vector<std::string> &postDialDtmf) = 0;
  virtual Result<Reply> answer(std::optional<int> call) = 0;
  virtual Result<Reply> hangup(std::optional<int> call) = 0;
  virtual Result<Reply> hangupAll() = 0;
  // Rejects every ringing incoming call (MicroSIP's /hangupincoming).
  virtual Result<Reply> hangupIncoming() = 0;
  // Cancels every outgoing call not answered yet (MicroSIP's /hangupcalling).
  virtual Result<Reply> hangupCalling() = 0;
  // Makes an account (number or label; "0" or "local" = calls by IP) the default for calls
  // until the phone restarts or reloads wisp.ini.
  virtual Result<Reply> selectAccount(const std::string &account) = 0;
  // Sets the default account's password, saves it in wisp.ini and registers again.
  virtual Result<Reply> setPassword(const std::string &secret) = 0;
  virtual Result<Reply> sendDtmf(const std::string &digits, std::optional<int> call) = 0;
  virtual Result<Reply> reload() = 0;
  // account unset: every account that has a server.
  virtual Result<Reply> registerAccount(const std::optional<std::string> &account) = 0;
  virtual Result<Reply> unregisterAccount(const std::optional<std::string> &account) = 0;
  virtual Result<Reply> exit() = 0;
  // The state snapshot: listen addresses, accounts, calls (see docs/api.md).
  virtual Json snapshot() const = 0;
};

} // namespace wisp
