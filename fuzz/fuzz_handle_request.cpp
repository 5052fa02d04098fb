// The control socket's request handler with a phone that only records what it is asked:
// any request line gets a well-formed reply, and a command reaches the phone only when the
// reply says ok. The fuzzed JSON is also the phone's snapshot, so `status` formats hostile
// snapshots too.
#include "control/executor.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace wisp;

class RecordingPhone final : public PhoneControl {
public:
  int calls = 0;
  Json snap;
  Result<Reply> record() {
    ++calls;
    return Reply{"done", Json()};
  }
  Result<Reply> dial(const std::string &, const std::optional<std::string> &,
                     const std::vector<std::string> &) override {
    return record();
  }
  Result<Reply> answer(std::optional<int>) override { return record(); }
  Result<Reply> hangup(std::optional<int>) override { return record(); }
  Result<Reply> hangupAll() override { return record(); }
  Result<Reply> hangupIncoming() override { return record(); }
  Result<Reply> hangupCalling() override { return record(); }
  Result<Reply> selectAccount(const std::string &) override { return record(); }
  Result<Reply> setPassword(const std::string &) override { return record(); }
  Result<Reply> sendDtmf(const std::string &, std::optional<int>) override { return record(); }
  Result<Reply> reload() override { return record(); }
  Result<Reply> registerAccount(const std::optional<std::string> &) override { return record(); }
  Result<Reply> unregisterAccount(const std::optional<std::string> &) override { return record(); }
  Result<Reply> exit() override { return record(); }
  Json snapshot() const override { return snap; }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto request = Json::parse(std::string_view(reinterpret_cast<const char *>(data), size));
  if (!request)
    return 0;
  RecordingPhone phone;
  phone.snap = *request;
  (void)formatStatus(*request);
  Json reply = handleRequest(phone, *request);
  const Json *ok = reply.find("ok");
  if (!ok || !ok->isBool() || !reply.find("id"))
    abort();
  if (!ok->asBool()) {
    const Json *error = reply.find("error");
    if (!error || !error->find("code") || !error->find("message") || phone.calls != 0)
      abort();
  } else if (!reply.find("result")) {
    abort();
  }
  (void)reply.dump();
  return 0;
}
