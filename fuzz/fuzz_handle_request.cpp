// The control socket's request handler with a phone that only records what it is asked:
// any request line gets a well-formed reply, and a command reaches the phone only when the
// reply says ok. The fuzzed JSON is also the phone's snapshot, so `status` formats hostile
// snapshots too.
#include "control/executor.h"
#include "support/scripted_phone.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace wisp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto request = Json::parse(std::string_view(reinterpret_cast<const char *>(data), size));
  if (!request)
    return 0;
  ScriptedPhone phone([] { return Result<Reply>(Reply{"done", Json()}); }, *request);
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
