// Sound through a PulseAudio server (or PipeWire's pipewire-pulse, which speaks the same
// protocol): 8 kHz mono S16LE streams with small buffers, so a call stays interactive.
#pragma once

#include "media/audio_backend.h"

#include <chrono>
#include <memory>
#include <string>

struct pa_simple;

namespace wisp {

// Checks, without autospawning a server and within `timeout`, that a PulseAudio server accepts
// clients (PULSE_SERVER, or the socket under XDG_RUNTIME_DIR). Ok if it does; otherwise an
// error saying why ("no server running", "connection refused", ...).
Status probePulseServer(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

struct PaSimpleDeleter {
  void operator()(pa_simple *stream) const;
};
using PaSimplePtr = std::unique_ptr<pa_simple, PaSimpleDeleter>;

// Records from a PulseAudio source. read() blocks until one 20 ms frame has arrived.
class PulseCaptureBackend : public CaptureBackend {
public:
  // deviceName: a source name such as "mic.monitor"; empty means the server's default.
  explicit PulseCaptureBackend(std::string deviceName = {}, std::string appName = "Wisp");
  Status open() override; // no-op when already open
  Status read(AudioFrame &frame) override;
  void close() override;
  std::string describe() const override; // "pulse:default", "pulse:mic.monitor"

private:
  std::string deviceName_;
  std::string appName_;
  PaSimplePtr stream_;
};

// Plays to a PulseAudio sink. write() blocks while the server's buffer (about 60 ms) is full,
// so the server's clock paces the caller.
class PulsePlaybackBackend : public PlaybackBackend {
public:
  // deviceName: a sink name such as "spk"; empty means the server's default.
  explicit PulsePlaybackBackend(std::string deviceName = {}, std::string appName = "Wisp");
  Status open() override; // no-op when already open
  Status write(const AudioFrame &frame) override;
  void close() override; // lets the queued audio play out, then disconnects
  std::string describe() const override;
  bool selfPaced() const override { return true; }

private:
  std::string deviceName_;
  std::string appName_;
  PaSimplePtr stream_;
};

} // namespace wisp
