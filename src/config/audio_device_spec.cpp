#include "config/audio_device_spec.h"

#include "util/text.h"

namespace wisp {

std::string AudioDeviceSpec::toString() const {
  switch (kind) {
  case Kind::Default:
    return "default";
  case Kind::Null:
    return "null";
  case Kind::File:
    return "file:" + name;
  case Kind::Pulse:
    return "pulse:" + name;
  case Kind::Alsa:
    return "alsa:" + name;
  }
  return "default";
}

Result<AudioDeviceSpec> parseAudioDeviceSpec(std::string_view spec, AudioDirection direction) {
  using Kind = AudioDeviceSpec::Kind;
  const std::string forms = "use default, null, file:PATH, pulse:NAME, alsa:NAME or a device name";
  auto wrong = [&](std::string why) {
    return makeError("bad_argument", "bad audio device " + quotedAsIs(spec) + ": " + why);
  };
  if (spec.empty())
    return wrong("empty; " + forms);
  if (spec == "default")
    return AudioDeviceSpec{Kind::Default, ""};
  if (spec == "null")
    return AudioDeviceSpec{Kind::Null, ""};

  size_t colon = spec.find(':');
  if (colon == std::string_view::npos)
    return AudioDeviceSpec{Kind::Pulse, std::string(spec)};
  std::string_view prefix = spec.substr(0, colon);
  std::string name(spec.substr(colon + 1));
  if (prefix == "file") {
    if (name.empty())
      return wrong("file: needs a path, e.g. file:/tmp/audio.wav");
    if (direction == AudioDirection::Output &&
        !(name.size() > 4 && toLowerAscii(name.substr(name.size() - 4)) == ".wav"))
      return wrong("an output file must end in .wav");
    return AudioDeviceSpec{Kind::File, std::move(name)};
  }
  if (prefix == "pulse" || prefix == "alsa") {
    if (name.empty())
      return wrong(std::string(prefix) + ": needs a device name");
    return AudioDeviceSpec{prefix == "pulse" ? Kind::Pulse : Kind::Alsa, std::move(name)};
  }
  // "hw:0,0" and the like are ALSA names typed without their prefix.
  return wrong("unknown kind " + quotedAsIs(prefix) + "; " + forms +
               " (ALSA names need alsa:, e.g. " + "alsa:" + std::string(spec) + ")");
}

} // namespace wisp
