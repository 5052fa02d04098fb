#include "media/sound/alsa_backend.h"

#include <alsa/asoundlib.h>

#include <mutex>
#include <thread>

namespace wisp {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kPeriodUs = kFrameMs * 1000;
constexpr unsigned kBufferPeriods = 4;
// Playback starts once two frames are queued, so a late first write does not underrun.
constexpr snd_pcm_uframes_t kPlaybackStartFrames = 2 * kFrameSamples;
// A transfer that took this long waited for the device: the device is keeping time.
constexpr auto kBlockedThreshold = 2ms;
// Give up after this many failed transfers in a row, each one "recovered".
constexpr int kMaxRecoveriesInARow = 8;

// ALSA reports errors by printing to stderr unless told otherwise; every failure we care
// about also comes back as an error code, which we turn into a message, so the text is dropped.
void swallowAlsaError(const char *, int, const char *, int, const char *, ...) {}

void silenceAlsa() {
  static std::once_flag once;
  std::call_once(once, [] { snd_lib_error_set_handler(swallowAlsaError); });
}

std::string alsaError(const std::string &what, const std::string &device, int err) {
  return "ALSA: cannot " + what + " '" + device + "' (" + snd_strerror(err) + ").";
}

Status configure(snd_pcm_t *pcm, snd_pcm_stream_t direction, const std::string &device) {
  snd_pcm_hw_params_t *hw = nullptr;
  snd_pcm_hw_params_alloca(&hw);
  unsigned rate = kSampleRate;
  unsigned periodUs = kPeriodUs;
  unsigned bufferUs = kPeriodUs * kBufferPeriods;
  int dir = 0;
  int err = snd_pcm_hw_params_any(pcm, hw);
  if (err >= 0)
    err = snd_pcm_hw_params_set_rate_resample(pcm, hw, 1);
  if (err >= 0)
    err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
  if (err >= 0)
    err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE);
  if (err >= 0)
    err = snd_pcm_hw_params_set_channels(pcm, hw, 1);
  if (err >= 0)
    err = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir);
  if (err >= 0 && rate != kSampleRate)
    err = -EINVAL; // the plug layer should have converted
  if (err >= 0)
    err = snd_pcm_hw_params_set_period_time_near(pcm, hw, &periodUs, &dir);
  if (err >= 0)
    err = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &bufferUs, &dir);
  if (err >= 0)
    err = snd_pcm_hw_params(pcm, hw);
  if (err < 0)
    return makeError("audio_device",
                     alsaError("set 8 kHz mono 16-bit on", device, err) +
                         " Use a device with format conversion, such as 'plughw:0' or 'default'.");

  snd_pcm_sw_params_t *sw = nullptr;
  snd_pcm_sw_params_alloca(&sw);
  err = snd_pcm_sw_params_current(pcm, sw);
  if (err >= 0)
    err = snd_pcm_sw_params_set_avail_min(pcm, sw, kFrameSamples);
  if (err >= 0 && direction == SND_PCM_STREAM_PLAYBACK)
    err = snd_pcm_sw_params_set_start_threshold(pcm, sw, kPlaybackStartFrames);
  if (err >= 0)
    err = snd_pcm_sw_params(pcm, sw);
  if (err >= 0)
    err = snd_pcm_prepare(pcm);
  if (err < 0)
    return makeError("audio_device", alsaError("configure", device, err));
  return Ok{};
}

Result<SndPcmPtr> openPcm(snd_pcm_stream_t direction, const std::string &device) {
  silenceAlsa();
  snd_pcm_t *raw = nullptr;
  // Opened non-blocking so a device held by another program fails at once instead of
  // waiting for it; transfers then block, which is what paces the call.
  int err = snd_pcm_open(&raw, device.c_str(), direction, SND_PCM_NONBLOCK);
  if (err < 0)
    return makeError("audio_device",
                     alsaError(direction == SND_PCM_STREAM_PLAYBACK ? "open playback device"
                                                                    : "open capture device",
                               device, err));
  SndPcmPtr pcm(raw);
  if (err = snd_pcm_nonblock(pcm.get(), 0); err < 0)
    return makeError("audio_device", alsaError("switch to blocking mode", device, err));
  if (auto status = configure(pcm.get(), direction, device); !status)
    return status.error();
  return pcm;
}

// Moves one frame with `transfer` (snd_pcm_readi or snd_pcm_writei semantics), recovering from
// overruns, underruns and suspends on the way.
template <class Transfer>
Status transferFrame(snd_pcm_t *pcm, const std::string &name, unsigned &recoveries,
                     Transfer transfer) {
  snd_pcm_uframes_t done = 0;
  int failuresInARow = 0;
  while (done < kFrameSamples) {
    snd_pcm_sframes_t n = transfer(done, kFrameSamples - done);
    if (n >= 0) {
      done += static_cast<snd_pcm_uframes_t>(n);
      failuresInARow = 0;
      continue;
    }
    if (n == -EAGAIN) { // should not happen in blocking mode, but never spin on it
      snd_pcm_wait(pcm, static_cast<int>(kFrameMs));
      continue;
    }
    const int err = snd_pcm_recover(pcm, static_cast<int>(n), 1);
    if (err < 0 || ++failuresInARow > kMaxRecoveriesInARow)
      return makeError("audio_device", "ALSA: device '" + name +
                                           "' failed: " + snd_strerror(static_cast<int>(n)) + ".");
    ++recoveries;
  }
  return Ok{};
}

} // namespace

void SndPcmDeleter::operator()(snd_pcm_t *pcm) const {
  snd_pcm_close(pcm);
}

void DevicePacer::restart() {
  due_ = Clock::now();
}

void DevicePacer::afterFrame(Clock::duration transferTook) {
  const auto now = Clock::now();
  if (transferTook >= kBlockedThreshold || due_ < now - kFrameMs * 1ms) {
    // The device made us wait, or we are late: follow the device, never race to catch up.
    due_ = now;
    return;
  }
  due_ += kFrameMs * 1ms;
  const auto lead = std::chrono::milliseconds(kFrameMs * kBufferPeriods);
  if (due_ - now > lead)
    std::this_thread::sleep_until(due_ - lead);
}

AlsaCaptureBackend::AlsaCaptureBackend(std::string deviceName)
    : deviceName_(std::move(deviceName)) {}

Status AlsaCaptureBackend::open() {
  if (pcm_)
    return Ok{};
  auto pcm = openPcm(SND_PCM_STREAM_CAPTURE, deviceName_);
  if (!pcm)
    return pcm.error();
  pcm_ = std::move(*pcm);
  pacer_.restart();
  return Ok{};
}

Status AlsaCaptureBackend::read(AudioFrame &frame) {
  if (!pcm_)
    return makeError("not_open", describe() + " is not open.");
  const auto started = DevicePacer::Clock::now();
  auto status = transferFrame(pcm_.get(), deviceName_, recoveries_,
                              [&](snd_pcm_uframes_t offset, snd_pcm_uframes_t count) {
                                return snd_pcm_readi(pcm_.get(), frame.data() + offset, count);
                              });
  if (status)
    pacer_.afterFrame(DevicePacer::Clock::now() - started);
  return status;
}

void AlsaCaptureBackend::close() {
  pcm_.reset();
}

std::string AlsaCaptureBackend::describe() const {
  return "alsa:" + deviceName_;
}

AlsaPlaybackBackend::AlsaPlaybackBackend(std::string deviceName)
    : deviceName_(std::move(deviceName)) {}

Status AlsaPlaybackBackend::open() {
  if (pcm_)
    return Ok{};
  auto pcm = openPcm(SND_PCM_STREAM_PLAYBACK, deviceName_);
  if (!pcm)
    return pcm.error();
  pcm_ = std::move(*pcm);
  pacer_.restart();
  return Ok{};
}

Status AlsaPlaybackBackend::write(const AudioFrame &frame) {
  if (!pcm_)
    return makeError("not_open", describe() + " is not open.");
  const auto started = DevicePacer::Clock::now();
  auto status = transferFrame(pcm_.get(), deviceName_, recoveries_,
                              [&](snd_pcm_uframes_t offset, snd_pcm_uframes_t count) {
                                return snd_pcm_writei(pcm_.get(), frame.data() + offset, count);
                              });
  if (status)
    pacer_.afterFrame(DevicePacer::Clock::now() - started);
  return status;
}

void AlsaPlaybackBackend::close() {
  if (!pcm_)
    return;
  snd_pcm_drain(pcm_.get()); // at most the four periods still queued
  pcm_.reset();
}

std::string AlsaPlaybackBackend::describe() const {
  return "alsa:" + deviceName_;
}

} // namespace wisp
