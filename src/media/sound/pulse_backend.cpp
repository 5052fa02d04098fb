#include "media/sound/pulse_backend.h"

#include <pulse/context.h>
#include <pulse/error.h>
#include <pulse/mainloop.h>
#include <pulse/simple.h>

#include <cstdint>

namespace wisp {
namespace {

constexpr uint32_t kFrameBytes = kFrameSamples * sizeof(int16_t);

// Pulse's defaults buffer about 2 s; a call wants tens of milliseconds. Playback keeps three
// frames queued (one being played, one ready, one of slack for scheduling jitter) and asks
// for more a frame at a time.
constexpr uint32_t kPlaybackQueuedFrames = 3;
// Capture hands over each frame as soon as it is complete. If the reader stalls, the server
// keeps at most this many frames rather than letting the delay grow without bound.
constexpr uint32_t kCaptureMaxQueuedFrames = 10;

const pa_sample_spec kSampleSpec = {PA_SAMPLE_S16LE, kSampleRate, 1};

pa_buffer_attr playbackBuffer() {
  pa_buffer_attr attr;
  attr.maxlength = UINT32_MAX; // server's maximum; tlength is what bounds the delay
  attr.tlength = kPlaybackQueuedFrames * kFrameBytes;
  attr.prebuf = UINT32_MAX; // server default: start once the target is reached
  attr.minreq = kFrameBytes;
  attr.fragsize = UINT32_MAX; // unused for playback
  return attr;
}

pa_buffer_attr captureBuffer() {
  pa_buffer_attr attr;
  attr.maxlength = kCaptureMaxQueuedFrames * kFrameBytes;
  attr.tlength = UINT32_MAX; // unused for capture
  attr.prebuf = UINT32_MAX;
  attr.minreq = UINT32_MAX;
  attr.fragsize = kFrameBytes;
  return attr;
}

std::string describeDevice(const std::string &deviceName) {
  return "pulse:" + (deviceName.empty() ? std::string("default") : deviceName);
}

struct MainloopDeleter {
  void operator()(pa_mainloop *loop) const { pa_mainloop_free(loop); }
};
struct ContextDeleter {
  void operator()(pa_context *context) const {
    pa_context_disconnect(context);
    pa_context_unref(context);
  }
};

// pa_simple connects with autospawn allowed and waits without a timeout, so it is only used
// once this probe has seen a live server.
Result<PaSimplePtr> connectStream(pa_stream_direction_t direction, const std::string &deviceName,
                                  const std::string &appName) {
  if (auto probe = probePulseServer(); !probe)
    return probe.error();
  const pa_buffer_attr attr = direction == PA_STREAM_PLAYBACK ? playbackBuffer() : captureBuffer();
  const char *streamName = direction == PA_STREAM_PLAYBACK ? "Call audio" : "Call microphone";
  int error = 0;
  pa_simple *stream = pa_simple_new(nullptr, appName.c_str(), direction,
                                    deviceName.empty() ? nullptr : deviceName.c_str(), streamName,
                                    &kSampleSpec, nullptr, &attr, &error);
  if (!stream)
    return makeError("audio_device",
                     "PulseAudio: cannot open " +
                         std::string(direction == PA_STREAM_PLAYBACK ? "playback device '"
                                                                     : "capture device '") +
                         (deviceName.empty() ? "default" : deviceName) + "' (" +
                         pa_strerror(error) + ").");
  return PaSimplePtr(stream);
}

} // namespace

void PaSimpleDeleter::operator()(pa_simple *stream) const {
  pa_simple_free(stream);
}

Status probePulseServer(std::chrono::milliseconds timeout) {
  std::unique_ptr<pa_mainloop, MainloopDeleter> loop(pa_mainloop_new());
  if (!loop)
    return makeError("audio_device", "PulseAudio: cannot create a main loop.");
  std::unique_ptr<pa_context, ContextDeleter> context(
      pa_context_new(pa_mainloop_get_api(loop.get()), "Wisp probe"));
  if (!context)
    return makeError("audio_device", "PulseAudio: cannot create a context.");

  auto failure = [&] {
    return makeError("audio_device", std::string("PulseAudio: no server is reachable (") +
                                         pa_strerror(pa_context_errno(context.get())) + ").");
  };
  if (pa_context_connect(context.get(), nullptr, PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0)
    return failure();

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    switch (pa_context_get_state(context.get())) {
    case PA_CONTEXT_READY:
      return Ok{};
    case PA_CONTEXT_FAILED:
    case PA_CONTEXT_TERMINATED:
      return failure();
    default:
      break;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return makeError("audio_device", "PulseAudio: the server did not answer within " +
                                           std::to_string(timeout.count()) + " ms.");
    if (pa_mainloop_prepare(loop.get(), static_cast<int>(left.count())) < 0 ||
        pa_mainloop_poll(loop.get()) < 0 || pa_mainloop_dispatch(loop.get()) < 0)
      return failure();
  }
}

PulseCaptureBackend::PulseCaptureBackend(std::string deviceName, std::string appName)
    : deviceName_(std::move(deviceName)), appName_(std::move(appName)) {}

Status PulseCaptureBackend::open() {
  if (stream_)
    return Ok{};
  auto stream = connectStream(PA_STREAM_RECORD, deviceName_, appName_);
  if (!stream)
    return stream.error();
  stream_ = std::move(*stream);
  return Ok{};
}

Status PulseCaptureBackend::read(AudioFrame &frame) {
  if (!stream_)
    return makeError("not_open", describe() + " is not open.");
  int error = 0;
  if (pa_simple_read(stream_.get(), frame.data(), kFrameBytes, &error) < 0)
    return makeError("audio_device",
                     "reading from " + describe() + " failed: " + pa_strerror(error) + ".");
  return Ok{};
}

void PulseCaptureBackend::close() {
  stream_.reset();
}

std::string PulseCaptureBackend::describe() const {
  return describeDevice(deviceName_);
}

PulsePlaybackBackend::PulsePlaybackBackend(std::string deviceName, std::string appName)
    : deviceName_(std::move(deviceName)), appName_(std::move(appName)) {}

Status PulsePlaybackBackend::open() {
  if (stream_)
    return Ok{};
  auto stream = connectStream(PA_STREAM_PLAYBACK, deviceName_, appName_);
  if (!stream)
    return stream.error();
  stream_ = std::move(*stream);
  return Ok{};
}

Status PulsePlaybackBackend::write(const AudioFrame &frame) {
  if (!stream_)
    return makeError("not_open", describe() + " is not open.");
  int error = 0;
  if (pa_simple_write(stream_.get(), frame.data(), kFrameBytes, &error) < 0)
    return makeError("audio_device",
                     "writing to " + describe() + " failed: " + pa_strerror(error) + ".");
  return Ok{};
}

void PulsePlaybackBackend::close() {
  if (!stream_)
    return;
  int ignored = 0;
  pa_simple_drain(stream_.get(), &ignored); // at most the ~60 ms still queued
  stream_.reset();
}

std::string PulsePlaybackBackend::describe() const {
  return describeDevice(deviceName_);
}

} // namespace wisp
