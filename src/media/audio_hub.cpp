#include "media/audio_hub.h"

#include "media/file_backends.h"
#include "util/log.h"

#include <algorithm>

namespace wisp {

AudioHub::~AudioHub() {
  if (device_)
    device_->stop();
}

void AudioHub::attach(AudioStream *stream) {
  if (std::find(streams_.begin(), streams_.end(), stream) != streams_.end())
    return;
  streams_.push_back(stream);
  if (device_)
    return;
  device_ = factory_();
  if (Status s = device_->start([this](const AudioFrame &f) { onCapturedFrame(f); }); !s) {
    // The call must keep its clock (RTP, DTMF) even without a working sound device.
    log::error("audio", "%s; continuing without sound", s.error().message.c_str());
    device_ = std::make_unique<AudioDevice>(makeNullCapture(), makeNullPlayback());
    (void)device_->start([this](const AudioFrame &f) { onCapturedFrame(f); });
  }
}

void AudioHub::detach(AudioStream *stream) {
  std::erase(streams_, stream);
  if (streams_.empty() && device_) {
    device_->stop();
    device_.reset();
  }
}

void AudioHub::onCapturedFrame(const AudioFrame &frame) {
  std::array<int32_t, kFrameSamples> mix{};
  AudioFrame received;
  for (AudioStream *s : streams_) {
    s->sendFrame(frame);
    if (s->receiveFrame(received))
      for (size_t i = 0; i < kFrameSamples; ++i)
        mix[i] += received[i];
  }
  AudioFrame out;
  for (size_t i = 0; i < kFrameSamples; ++i)
    out[i] = int16_t(std::clamp<int32_t>(mix[i], INT16_MIN, INT16_MAX));
  if (device_)
    device_->play(out);
}

} // namespace wisp
