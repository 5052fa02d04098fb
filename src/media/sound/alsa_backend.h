// Sound straight through ALSA, for machines without a sound server. The stream is 8 kHz mono
// S16_LE with 20 ms periods and a four-period buffer; ALSA's plug layer converts to whatever
// the hardware takes.
#pragma once

#include "media/audio_backend.h"

#include <chrono>
#include <memory>
#include <string>

typedef struct _snd_pcm snd_pcm_t;

namespace wisp {

struct SndPcmDeleter {
  void operator()(snd_pcm_t *pcm) const;
};
using SndPcmPtr = std::unique_ptr<snd_pcm_t, SndPcmDeleter>;

// Keeps real time for a device that does not: ALSA's "null" PCM (and some plugins) return
// at once, which would spin a CPU and run the call clock too fast. While transfers block, the
// device is the clock and the pacer only follows it; when they stop blocking, the pacer lets
// the caller run at most one buffer ahead of the wall clock, then sleeps.
class DevicePacer {
public:
  using Clock = std::chrono::steady_clock;
  void restart();                                // call when the stream (re)starts
  void afterFrame(Clock::duration transferTook); // call after each 20 ms frame moved

private:
  Clock::time_point due_{};
};

class AlsaCaptureBackend : public CaptureBackend {
public:
  explicit AlsaCaptureBackend(std::string deviceName = "default");
  Status open() override; // no-op when already open
  Status read(AudioFrame &frame) override;
  void close() override;
  std::string describe() const override;              // "alsa:default"
  unsigned recoveries() const { return recoveries_; } // overruns survived

private:
  std::string deviceName_;
  SndPcmPtr pcm_;
  DevicePacer pacer_;
  unsigned recoveries_ = 0;
};

class AlsaPlaybackBackend : public PlaybackBackend {
public:
  explicit AlsaPlaybackBackend(std::string deviceName = "default");
  Status open() override; // no-op when already open
  Status write(const AudioFrame &frame) override;
  void close() override; // lets the queued audio play out
  std::string describe() const override;
  bool selfPaced() const override { return true; }
  unsigned recoveries() const { return recoveries_; } // underruns survived

private:
  std::string deviceName_;
  SndPcmPtr pcm_;
  DevicePacer pacer_;
  unsigned recoveries_ = 0;
};

} // namespace wisp
