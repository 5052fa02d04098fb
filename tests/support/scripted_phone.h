// A PhoneControl for tests of the channels in front of the phone (request handling, HTTP
// routing, fuzzing): every call is counted and gets the same scripted answer, so a test
// can check what reached the phone without a SIP stack.
#pragma once

#include "control/phone_control.h"

#include <functional>
#include <utility>

namespace wisp {

class ScriptedPhone final : public PhoneControl {
public:
  explicit ScriptedPhone(std::function<Result<Reply>()> answer, Json snapshot = Json::object())
      : answer_(std::move(answer)), snapshot_(std::move(snapshot)) {}

  int calls = 0; // phone operations reached, snapshots not counted
  void setSnapshot(Json snapshot) { snapshot_ = std::move(snapshot); }

  Result<Reply> dial(const std::string &, const std::optional<std::string> &,
                     const std::vector<std::string> &) override {
    return reached();
  }
  Result<Reply> answer(std::optional<int>) override { return reached(); }
  Result<Reply> hangup(std::optional<int>) override { return reached(); }
  Result<Reply> hangupAll() override { return reached(); }
  Result<Reply> hangupIncoming() override { return reached(); }
  Result<Reply> hangupCalling() override { return reached(); }
  Result<Reply> selectAccount(const std::string &) override { return reached(); }
  Result<Reply> setPassword(const std::string &) override { return reached(); }
  Result<Reply> sendDtmf(const std::string &, std::optional<int>) override { return reached(); }
  Result<Reply> reload() override { return reached(); }
  Result<Reply> registerAccount(const std::optional<std::string> &) override { return reached(); }
  Result<Reply> unregisterAccount(const std::optional<std::string> &) override { return reached(); }
  Result<Reply> exit() override { return reached(); }
  Json snapshot() const override { return snapshot_; }

private:
  Result<Reply> reached() {
    ++calls;
    return answer_();
  }

  std::function<Result<Reply>()> answer_;
  Json snapshot_;
};

} // namespace wisp
