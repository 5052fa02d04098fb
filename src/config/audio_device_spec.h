// Audio device specs: which sound device, file or nothing a call's audio comes from or goes
// to. Shared by wisp.ini (audioInputDevice, audioOutputDevice) and the --audio-in /
// --audio-out options.
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>

namespace wisp {

enum class AudioDirection { Input, Output };

struct AudioDeviceSpec {
  enum class Kind {
    Default, // the system's default device
    Null,    // silence in, discard out
    File,    // name = a WAV file path
    Pulse,   // name = a PulseAudio (or PipeWire-pulse) device name
    Alsa,    // name = an ALSA device name, e.g. "hw:0,0"
  };
  Kind kind = Kind::Default;
  std::string name; // empty for Default and Null

  // The canonical spec: "default", "null", "file:PATH", "pulse:NAME" or "alsa:NAME".
  std::string toString() const;
  bool operator==(const AudioDeviceSpec &) const = default;
};

// Accepts "default", "null", "file:PATH" (an output file must end in ".wav"), "pulse:NAME",
// "alsa:NAME", or a bare device name, which means a PulseAudio device. A relative PATH is
// kept as written. Errors (code "bad_argument") explain the accepted forms.
Result<AudioDeviceSpec> parseAudioDeviceSpec(std::string_view spec, AudioDirection direction);

} // namespace wisp
