// Turns the user's audio device specs (wisp.ini's audioInputDevice/audioOutputDevice, or
// --audio-in/--audio-out) into a running AudioDevice.
#pragma once

#include "config/settings.h"
#include "media/audio_device.h"

#include <memory>

namespace wisp {

// Opens the endpoints now. A system device that cannot be opened falls back to null with
// one warning per phone run; a file that cannot be opened is an error left to start().
std::unique_ptr<AudioDevice> openAudioDevice(const AudioDeviceSpec &input,
                                             const AudioDeviceSpec &output);

} // namespace wisp
