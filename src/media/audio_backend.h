// What a sound device (or a stand-in for one) must do. A backend is driven from one
// dedicated audio thread (see audio_device.h) and never touches libre.
#pragma once

#include "media/audio_frame.h"
#include "util/result.h"

#include <memory>
#include <string>

namespace wisp {

// Produces microphone frames. read() blocks until the next frame is due, so the
// backend is the clock of the call: a file or null source sleeps to keep real time.
class CaptureBackend {
public:
  virtual ~CaptureBackend() = default;
  virtual Status open() = 0;
  virtual Status read(AudioFrame &frame) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0; // e.g. "file:/tmp/a.wav", "pulse:default"
};

// Consumes speaker frames.
class PlaybackBackend {
public:
  virtual ~PlaybackBackend() = default;
  virtual Status open() = 0;
  virtual Status write(const AudioFrame &frame) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
  // True when write() blocks in step with a real device clock (PulseAudio, ALSA): the
  // playback thread then writes silence when no frame is waiting. False for files and
  // null, which are written exactly the frames the phone produced.
  virtual bool selfPaced() const = 0;
};

} // namespace wisp
