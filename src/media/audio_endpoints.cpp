#include "media/audio_endpoints.h"

#include "media/file_backends.h"
#include "media/system_audio.h"
#include "util/log.h"

#include <string>
#include <vector>

namespace wisp {
namespace {

std::string systemDeviceName(const AudioDeviceSpec &spec) {
  switch (spec.kind) {
  case AudioDeviceSpec::Kind::Pulse:
    return "pulse:" + spec.name;
  case AudioDeviceSpec::Kind::Alsa:
    return "alsa:" + spec.name;
  default:
    return "default";
  }
}

// What could not be opened, e.g. "input default (PulseAudio: ...)", to name in one warning.
using Missing = std::vector<std::string>;

std::unique_ptr<CaptureBackend> makeCapture(const AudioDeviceSpec &spec, Missing &missing) {
  switch (spec.kind) {
  case AudioDeviceSpec::Kind::Null: return makeNullCapture();
  case AudioDeviceSpec::Kind::File: return makeFileCapture(spec.name);
  default: break;
  }
  auto backend = openSystemCapture(systemDeviceName(spec));
  if (!backend) {
    missing.push_back("input " + spec.toString() + " (" + backend.error().message + ")");
    return makeNullCapture();
  }
  return std::move(backend.value());
}

std::unique_ptr<PlaybackBackend> makePlayback(const AudioDeviceSpec &spec, Missing &missing) {
  switch (spec.kind) {
  case AudioDeviceSpec::Kind::Null: return makeNullPlayback();
  case AudioDeviceSpec::Kind::File: return makeFileRecorder(spec.name);
  default: break;
  }
  auto backend = openSystemPlayback(systemDeviceName(spec));
  if (!backend) {
    missing.push_back("output " + spec.toString() + " (" + backend.error().message + ")");
    return makeNullPlayback();
  }
  return std::move(backend.value());
}

} // namespace

std::unique_ptr<AudioDevice> openAudioDevice(const AudioDeviceSpec &input,
                                             const AudioDeviceSpec &output) {
  Missing missing;
  auto capture = makeCapture(input, missing);
  auto playback = makePlayback(output, missing);
  static bool warned = false; // one clear warning per run of the phone, not one per call
  if (!missing.empty() && !warned) {
    warned = true;
    std::string what = missing[0];
    for (size_t i = 1; i < missing.size(); ++i)
      what += " and " + missing[i];
    log::warn("audio", "no sound device for %s; using silence instead", what.c_str());
  }
  return std::make_unique<AudioDevice>(std::move(capture), std::move(playback));
}

} // namespace wisp
