// Audio codecs as the call sees them: a name for SDP, a static RTP payload type, and
// frame-wise encode/decode. Only stateless narrowband codecs for now (G.711).
#pragma once

#include "media/audio_frame.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wisp {

class Codec {
public:
  virtual ~Codec() = default;
  virtual std::string_view name() const = 0; // SDP encoding name, e.g. "PCMU"
  virtual uint32_t clockRate() const = 0;
  virtual int staticPayloadType() const = 0; // -1 for dynamic
  // Encodes one 20 ms frame into out (resized); returns bytes written.
  virtual size_t encode(const AudioFrame &frame, std::vector<uint8_t> &out) const = 0;
  // Decodes a payload; appends samples to out.
  virtual void decode(std::span<const uint8_t> payload, std::vector<int16_t> &out) const = 0;

  // "PCMU/8000/1", the form used in wisp.ini's audioCodecs.
  std::string configName() const;
};

// Looks a codec up by its wisp.ini name ("PCMU/8000/1") or SDP name ("PCMU", any case).
const Codec *findCodec(std::string_view name);
// By static payload type, for SDP that lists formats without rtpmap.
const Codec *findCodecByPayloadType(int pt);

} // namespace wisp
