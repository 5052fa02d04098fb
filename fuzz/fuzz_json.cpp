// JSON: whatever parses dumps to text that parses back to an equal value, and dumps again
// to the same text.
#include "util/json.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto json = wisp::Json::parse(std::string_view(reinterpret_cast<const char *>(data), size));
  if (!json)
    return 0;
  const std::string text = json->dump();
  auto again = wisp::Json::parse(text);
  if (!again || again->dump() != text)
    abort();
  return 0;
}
