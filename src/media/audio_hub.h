// Connects the sound device to the calls that have audio. Every captured frame goes to
// each attached stream; what the streams received is mixed into one frame for the
// speaker. The device runs only while at least one stream is attached, so a recording
// sink gets a fresh, complete file for each stretch of call audio.
#pragma once

#include "media/audio_device.h"
#include "media/audio_stream.h"

#include <functional>
#include <memory>
#include <vector>

namespace wisp {

class AudioHub {
public:
  // Makes a fresh device (capture + playback backends) each time audio starts.
  using DeviceFactory = std::function<std::unique_ptr<AudioDevice>()>;

  explicit AudioHub(DeviceFactory factory) : factory_(std::move(factory)) {}
  ~AudioHub();

  void setDeviceFactory(DeviceFactory factory) { factory_ = std::move(factory); }

  void attach(AudioStream *stream);
  void detach(AudioStream *stream);
  bool active() const { return device_ != nullptr; }

private:
  void onCapturedFrame(const AudioFrame &frame);

  DeviceFactory factory_;
  std::unique_ptr<AudioDevice> device_;
  std::vector<AudioStream *> streams_;
};

} // namespace wisp
