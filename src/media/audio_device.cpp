#include "media/audio_device.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <re.h>

#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace wisp {

AudioDevice::AudioDevice(std::unique_ptr<CaptureBackend> capture,
                         std::unique_ptr<PlaybackBackend> playback)
    : capture_(std::move(capture)), playback_(std::move(playback)) {}

AudioDevice::~AudioDevice() {
  stop();
}

std::string AudioDevice::describe() const {
  return "in " + capture_->describe() + ", out " + playback_->describe();
}

Status AudioDevice::start(CaptureHandler onCapture) {
  if (running_)
    return Ok{};
  if (Status s = capture_->open(); !s)
    return makeError("audio",
                     "cannot open audio input " + capture_->describe() + ": " + s.error().message);
  if (Status s = playback_->open(); !s) {
    capture_->close();
    return makeError("audio", "cannot open audio output " + playback_->describe() + ": " +
                                  s.error().message);
  }
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    capture_->close();
    playback_->close();
    return makeError("audio", std::string("eventfd: ") + strerror(errno));
  }
  int err = fd_listen(
      wakeFd_, FD_READ,
      [](int, void *arg) {
        guardCallback("audio frame", [&] { static_cast<AudioDevice *>(arg)->drainCaptured(); });
      },
      this);
  if (err) {
    ::close(wakeFd_);
    wakeFd_ = -1;
    capture_->close();
    playback_->close();
    return makeError("audio", std::string("fd_listen: ") + strerror(err));
  }
  onCapture_ = std::move(onCapture);
  stopping_ = false;
  running_ = true;
  captureThread_ = std::thread([this] { captureLoop(); });
  playbackThread_ = std::thread([this] { playbackLoop(); });
  log::info("audio", "audio started (%s)", describe().c_str());
  return Ok{};
}

void AudioDevice::stop() {
  if (!running_)
    return;
  stopping_ = true;
  toPlayCount_.fetch_add(1);
  toPlayCount_.notify_all();
  captureThread_.join();
  playbackThread_.join();
  fd_close(wakeFd_);
  ::close(wakeFd_);
  wakeFd_ = -1;
  capture_->close();
  playback_->close();
  AudioFrame discard;
  while (captured_.pop(discard)) {
  }
  while (toPlay_.pop(discard)) {
  }
  toPlayCount_ = 0;
  running_ = false;
  log::info("audio", "audio stopped (%s)", describe().c_str());
}

void AudioDevice::captureLoop() {
  AudioFrame frame;
  while (!stopping_) {
    if (Status s = capture_->read(frame); !s) {
      log::error("audio", "audio input failed: %s", s.error().message.c_str());
      // Keep the call's clock running with silence rather than stalling the call.
      frame.fill(0);
      usleep(kFrameMs * 1000);
    }
    if (!captured_.push(frame))
      captureDropped_.fetch_add(1, std::memory_order_relaxed);
    const uint64_t one = 1;
    ssize_t n = ::write(wakeFd_, &one, sizeof one);
    (void)n;
  }
}

void AudioDevice::drainCaptured() {
  uint64_t count;
  ssize_t n = ::read(wakeFd_, &count, sizeof count);
  (void)n;
  AudioFrame frame;
  while (captured_.pop(frame))
    onCapture_(frame);
}

void AudioDevice::play(const AudioFrame &frame) {
  if (!running_)
    return;
  if (!toPlay_.push(frame)) {
    ++playbackDropped_;
    return;
  }
  toPlayCount_.fetch_add(1, std::memory_order_release);
  toPlayCount_.notify_one();
}

void AudioDevice::playbackLoop() {
  const bool paced = playback_->selfPaced();
  AudioFrame frame;
  uint32_t seen = 0;
  while (!stopping_) {
    if (!toPlay_.pop(frame)) {
      if (paced) {
        frame.fill(0); // a real device must be fed; the backend's write keeps the time
      } else {
        toPlayCount_.wait(seen, std::memory_order_acquire);
        seen = toPlayCount_.load(std::memory_order_acquire);
        continue;
      }
    }
    if (Status s = playback_->write(frame); !s) {
      log::error("audio", "audio output failed: %s", s.error().message.c_str());
      usleep(kFrameMs * 1000);
    }
  }
  // Whatever the loop queued before stopping still belongs in a recording.
  if (!paced)
    while (toPlay_.pop(frame))
      (void)playback_->write(frame);
}

} // namespace wisp
