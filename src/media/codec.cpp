#include "media/codec.h"

#include <re.h>
#include <rem.h>

#include <algorithm>
#include <array>
#include <strings.h>

namespace wisp {
namespace {

// librem's encoders read outside their table for -32768 (the negation overflows): clamp.
inline int16_t clampForG711(int16_t s) {
  return s == INT16_MIN ? int16_t(-32767) : s;
}

class PcmuCodec final : public Codec {
public:
  std::string_view name() const override { return "PCMU"; }
  uint32_t clockRate() const override { return 8000; }
  int staticPayloadType() const override { return 0; }
  size_t encode(const AudioFrame &frame, std::vector<uint8_t> &out) const override {
    out.resize(frame.size());
    for (size_t i = 0; i < frame.size(); ++i)
      out[i] = g711_pcm2ulaw(clampForG711(frame[i]));
    return out.size();
  }
  void decode(std::span<const uint8_t> payload, std::vector<int16_t> &out) const override {
    for (uint8_t b : payload)
      out.push_back(g711_ulaw2pcm(b));
  }
};

class PcmaCodec final : public Codec {
public:
  std::string_view name() const override { return "PCMA"; }
  uint32_t clockRate() const override { return 8000; }
  int staticPayloadType() const override { return 8; }
  size_t encode(const AudioFrame &frame, std::vector<uint8_t> &out) const override {
    out.resize(frame.size());
    for (size_t i = 0; i < frame.size(); ++i)
      out[i] = g711_pcm2alaw(clampForG711(frame[i]));
    return out.size();
  }
  void decode(std::span<const uint8_t> payload, std::vector<int16_t> &out) const override {
    for (uint8_t b : payload)
      out.push_back(g711_alaw2pcm(b));
  }
};

const PcmuCodec kPcmu;
const PcmaCodec kPcma;
const std::array<const Codec *, 2> kCodecs{&kPcmu, &kPcma};

} // namespace

std::string Codec::configName() const {
  return std::string(name()) + "/" + std::to_string(clockRate()) + "/1";
}

const Codec *findCodec(std::string_view name) {
  for (const Codec *c : kCodecs) {
    if (name == c->configName())
      return c;
    if (name.size() == c->name().size() &&
        strncasecmp(name.data(), c->name().data(), name.size()) == 0)
      return c;
  }
  return nullptr;
}

const Codec *findCodecByPayloadType(int pt) {
  auto it = std::find_if(kCodecs.begin(), kCodecs.end(),
                         [pt](const Codec *c) { return c->staticPayloadType() == pt; });
  return it == kCodecs.end() ? nullptr : *it;
}

} // namespace wisp
