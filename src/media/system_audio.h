// Picks and opens the machine's real sound device for a device name from the config:
//   "default"     PulseAudio (also served by PipeWire) if a server runs, else ALSA "default"
//   "pulse"       the PulseAudio server's default;  "pulse:NAME" the source or sink NAME
//   "alsa"        ALSA "default";                   "alsa:NAME"  the ALSA PCM NAME (e.g. hw:0)
// Probing is quick (no server autospawn, well under a second when nothing runs) and silent.
// The devices live in the sound module (sound_module.h), loaded here on first use.
#pragma once

#include "media/audio_backend.h"

#include <memory>
#include <string_view>

namespace wisp {

// True for the names above: the ones openSystemCapture/openSystemPlayback understand.
bool isSystemAudioDevice(std::string_view deviceName);

// The backend comes back already open (calling open() again is a no-op). When "default"
// finds neither PulseAudio nor ALSA, the error message gives the reason for each, so the
// caller can fall back to the null device with one clear warning.
Result<std::unique_ptr<CaptureBackend>> openSystemCapture(std::string_view deviceName);
Result<std::unique_ptr<PlaybackBackend>> openSystemPlayback(std::string_view deviceName);

} // namespace wisp
