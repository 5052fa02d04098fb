// Inside the sound module: opens PulseAudio or ALSA devices by system device name (see
// parseSoundDeviceName). The phone reaches these through openSystemCapture/Playback.
#pragma once

#include "media/sound_module.h"

namespace wisp::sound {

// The backend comes back already open. When "default" finds neither PulseAudio nor ALSA,
// the error gives the reason for each.
Result<std::unique_ptr<CaptureBackend>> openCapture(std::string_view deviceName);
Result<std::unique_ptr<PlaybackBackend>> openPlayback(std::string_view deviceName);

} // namespace wisp::sound
