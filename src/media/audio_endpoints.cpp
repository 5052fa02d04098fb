#include "media/audio_endpoints.h"

#include "media/file_backends.h"
#include "media/system_audio.h"
#include "util/log.h"

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

void warnNoSound(const std::string &what, const Error &error) {
  static bool warned = false; // one clear warning, not one per call
  if (warned)
    return;
  warned = true;
  log::warn("audio", "no sound device for %s (%s); using silence instead", what.c_str(),
            error.message.c_str());
}

std::unique_ptr<CaptureBackend> makeCapture(const AudioDeviceSpec &spec) {
  switch (spec.kind) {
  case AudioDeviceSpec::Kind::Null:
    return makeNullCapture();
  case AudioDeviceSpec::Kind::File:
    return makeFileCapture(spec.name);
  default:
    break;
  }
  auto backend = openSystemCapture(systemDeviceName(spec));
  if (!backend) {
    warnNoSound("input " + spec.toString(), backend.error());
    return makeNullCapture();
  }
  return std::move(backend.value());
}

std::unique_ptr<PlaybackBackend> makePlayback(const AudioDeviceSpec &spec) {
  switch (spec.kind) {
  case AudioDeviceSpec::Kind::Null:
    return makeNullPlayback();
  case AudioDeviceSpec::Kind::File:
    return makeFileRecorder(spec.name);
  default:
    break;
  }
  auto backend = openSystemPlayback(systemDeviceName(spec));
  if (!backend) {
    warnNoSound("output " + spec.toString(), backend.error());
    return makeNullPlayback();
  }
  return std::move(backend.value());
}

} // namespace

std::unique_ptr<AudioDevice> openAudioDevice(const AudioDeviceSpec &input,
                                             const AudioDeviceSpec &output) {
  return std::make_unique<AudioDevice>(makeCapture(input), makePlayback(output));
}

} // namespace wisp
