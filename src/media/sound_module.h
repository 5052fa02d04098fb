// The boundary between the phone and its sound-device module (wisp-sound.so). The module
// carries PulseAudio and ALSA, whose client libraries cost several megabytes of memory the
// moment they are mapped; the phone loads it only when call audio first needs a real sound
// device, so an idle phone, or one playing files, never pays for them.
#pragma once

#include "media/audio_backend.h"

#include <memory>
#include <string>
#include <string_view>

namespace wisp {

inline constexpr int kSoundModuleAbi = 1;
inline constexpr const char *kSoundModuleEntry = "wisp_sound_module";
inline constexpr const char *kSoundModuleFile = "wisp-sound.so";

// What the module's entry point returns. Both sides are built together from this tree, so
// C++ types may cross; the ABI number guards against a stale module from another build.
struct SoundModuleApi {
  int abi;
  Result<std::unique_ptr<CaptureBackend>> (*openCapture)(std::string_view deviceName);
  Result<std::unique_ptr<PlaybackBackend>> (*openPlayback)(std::string_view deviceName);
};

// System device names: "default" (PulseAudio, else ALSA), "pulse", "pulse:NAME", "alsa",
// "alsa:NAME". Shared by both sides so they agree on what is a device name.
struct SoundDeviceName {
  enum class Choice { Automatic, Pulse, Alsa, Unknown };
  Choice choice = Choice::Unknown;
  std::string device; // empty: that backend's default
};

inline SoundDeviceName parseSoundDeviceName(std::string_view name) {
  using C = SoundDeviceName::Choice;
  if (name == "default")
    return {C::Automatic, {}};
  if (name == "pulse")
    return {C::Pulse, {}};
  if (name == "alsa")
    return {C::Alsa, "default"};
  if (name.starts_with("pulse:"))
    return {C::Pulse, std::string(name.substr(6))};
  if (name.starts_with("alsa:"))
    return {C::Alsa, std::string(name.substr(5))};
  return {C::Unknown, {}};
}

} // namespace wisp
