// Dial plans from wisp.ini and dialled numbers: an answer or a clear error, in bounded time.
// Input: DIAL_PLAN NUL NUMBER NUL PREFIX.
#include "control/dial_plan.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && parts.size() < 3)
      parts.emplace_back();
    else
      parts.back() += static_cast<char>(data[i]);
  }
  parts.resize(3);
  auto out = wisp::applyDialingRules(parts[1], parts[2], parts[0]);
  if (!out && out.error().code != "config" && out.error().code != "dial_plan")
    abort();
  return 0;
}
