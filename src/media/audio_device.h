// Runs a capture backend and a playback backend in two audio threads of their own and
// trades frames with the SIP loop through lock-free queues. The capture thread is the
// clock of all call audio: each captured frame wakes the loop (through an eventfd that
// libre's loop watches), which sends it to every call and answers with one mixed frame
// for the playback thread.
#pragma once

#include "media/audio_backend.h"
#include "media/spsc_queue.h"

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace wisp {

class AudioDevice {
public:
  // Called in the loop thread for every captured frame.
  using CaptureHandler = std::function<void(const AudioFrame &)>;

  AudioDevice(std::unique_ptr<CaptureBackend> capture, std::unique_ptr<PlaybackBackend> playback);
  ~AudioDevice();
  AudioDevice(const AudioDevice &) = delete;
  AudioDevice &operator=(const AudioDevice &) = delete;

  // Loop thread. Opens both backends and starts the threads. A backend that fails to open
  // is reported in the returned error; the device is then not running.
  Status start(CaptureHandler onCapture);
  // Loop thread. Stops the threads and closes the backends (a recording is finished here).
  void stop();
  bool running() const { return running_; }

  // Loop thread: queue one frame for the speaker. Drops it if the speaker is far behind.
  void play(const AudioFrame &frame);

  std::string describe() const;
  uint64_t droppedCaptureFrames() const { return captureDropped_.load(); }
  uint64_t droppedPlaybackFrames() const { return playbackDropped_; }

private:
  void captureLoop();
  void playbackLoop();
  void drainCaptured(); // loop thread, on eventfd readable

  std::unique_ptr<CaptureBackend> capture_;
  std::unique_ptr<PlaybackBackend> playback_;
  CaptureHandler onCapture_;

  SpscQueue<AudioFrame, 16> captured_;
  SpscQueue<AudioFrame, 16> toPlay_;
  std::atomic<uint32_t> toPlayCount_{0}; // wakes a playback thread waiting for frames

  int wakeFd_ = -1;
  std::atomic<bool> stopping_{false};
  bool running_ = false;
  std::thread captureThread_;
  std::thread playbackThread_;
  std::atomic<uint64_t> captureDropped_{0};
  uint64_t playbackDropped_ = 0;
};

} // namespace wisp
