// Stand-ins for sound devices: WAV files and silence. They keep real time like a device
// would, so a file source behaves exactly like a microphone in a call.
#pragma once

#include "media/audio_backend.h"
#include "media/frame_clock.h"

#include <filesystem>
#include <memory>

namespace wisp {

// Loops a WAV file (any PCM rate and channel count, converted to 8 kHz mono).
std::unique_ptr<CaptureBackend> makeFileCapture(std::filesystem::path path);
// Records 16-bit mono 8 kHz WAV; the file appears complete at close().
std::unique_ptr<PlaybackBackend> makeFileRecorder(std::filesystem::path path);
// Silence at real-time pace.
std::unique_ptr<CaptureBackend> makeNullCapture();
// Discards what it is given.
std::unique_ptr<PlaybackBackend> makeNullPlayback();

} // namespace wisp
