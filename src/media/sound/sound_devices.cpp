#include "media/sound/sound_devices.h"

#include "media/sound/alsa_backend.h"
#include "media/sound/pulse_backend.h"

namespace wisp::sound {
namespace {

using Choice = SoundDeviceName::Choice;

// Opens the backend made by `make`, handing it back as the interface type on success.
template <class Interface, class Make> Result<std::unique_ptr<Interface>> tryOpen(Make make) {
  std::unique_ptr<Interface> backend = make();
  if (auto status = backend->open(); !status)
    return status.error();
  return backend;
}

template <class Interface, class PulseBackend, class AlsaBackend>
Result<std::unique_ptr<Interface>> openSystem(std::string_view deviceName, const char *what) {
  const SoundDeviceName parsed = parseSoundDeviceName(deviceName);
  if (parsed.device.empty() && deviceName.ends_with(':'))
    return makeError("bad_argument", "Audio device '" + std::string(deviceName) +
                                         "' names no device after the colon.");

  auto pulse = [&] { return std::make_unique<PulseBackend>(parsed.device); };
  auto alsa = [&](std::string device) {
    return [device] { return std::make_unique<AlsaBackend>(device); };
  };

  switch (parsed.choice) {
  case Choice::Pulse:
    return tryOpen<Interface>(pulse);
  case Choice::Alsa:
    return tryOpen<Interface>(alsa(parsed.device));
  case Choice::Unknown:
    return makeError("bad_argument", "Unknown audio device '" + std::string(deviceName) +
                                         "': use default, pulse, pulse:NAME, alsa or alsa:NAME.");
  case Choice::Automatic:
    break;
  }
  auto viaPulse = tryOpen<Interface>(pulse);
  if (viaPulse)
    return viaPulse;
  auto viaAlsa = tryOpen<Interface>(alsa("default"));
  if (viaAlsa)
    return viaAlsa;
  return makeError("audio_device", std::string("No ") + what + " device. " +
                                       viaPulse.error().message + " " + viaAlsa.error().message);
}

} // namespace

Result<std::unique_ptr<CaptureBackend>> openCapture(std::string_view deviceName) {
  return openSystem<CaptureBackend, PulseCaptureBackend, AlsaCaptureBackend>(deviceName,
                                                                             "sound capture");
}

Result<std::unique_ptr<PlaybackBackend>> openPlayback(std::string_view deviceName) {
  return openSystem<PlaybackBackend, PulsePlaybackBackend, AlsaPlaybackBackend>(deviceName,
                                                                                "sound playback");
}

} // namespace wisp::sound
