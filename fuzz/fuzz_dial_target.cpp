// Dial targets: parseDialInput is idempotent on what it returns, and resolveDialTarget never
// produces a URI that could break a SIP header. Input: TARGET NUL DOMAIN NUL TRANSPORT.
#include "control/dial_target.h"

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
  const std::string &typed = parts[0];
  if (auto input = wisp::parseDialInput(typed)) {
    auto again = wisp::parseDialInput(input->target);
    if (!again || again->target != input->target || !again->postDialDtmf.empty())
      abort();
  }
  (void)wisp::looksLikeDialTarget(typed);
  (void)wisp::looksLikeHostAddress(typed);
  (void)wisp::normalizeDtmfDigits(typed);
  wisp::DialContext ctx{parts[1], parts[2]};
  if (auto uri = wisp::resolveDialTarget(typed, ctx)) {
    for (unsigned char c : *uri)
      if (c < 0x21 || c == 0x7f || c == '<' || c == '>' || c == '"')
        abort();
    if (!uri->starts_with("sip:") && !uri->starts_with("sips:"))
      abort();
  }
  return 0;
}
