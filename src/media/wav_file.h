// WAV files for the `file:` audio endpoints: a WavReader turns almost any PCM/G.711 WAV into
// the phone's 8 kHz mono int16 (looped into a call by LoopingSampleSource), and a WavWriter
// records what the phone hears as a 16-bit mono WAV that appears atomically when finished.
#pragma once

#include "media/audio_frame.h"
#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace wisp {

// Files are read whole; anything bigger than this is surely not a test clip or a prompt.
inline constexpr uintmax_t kMaxWavFileBytes = 50u * 1024 * 1024;

// Reads RIFF/WAVE (and RF64) files holding 16-bit or 8-bit PCM, G.711 mu-law or A-law, in
// plain or WAVE_FORMAT_EXTENSIBLE form, any channel count and sample rate. Channels are
// averaged and the rate converted with a windowed-sinc low-pass, so samples() is always
// 8 kHz mono. Streamed files whose data size was never filled in are read up to their end.
class WavReader {
public:
  static Result<WavReader> open(const std::filesystem::path &path);
  // Same, from bytes already in memory; `name` only appears in error messages.
  static Result<WavReader> parse(std::span<const uint8_t> bytes, const std::string &name);

  const std::vector<int16_t> &samples() const { return samples_; } // 8 kHz mono
  std::vector<int16_t> takeSamples() && { return std::move(samples_); }
  unsigned originalRate() const { return originalRate_; }
  unsigned originalChannels() const { return originalChannels_; }

private:
  WavReader() = default;

  std::vector<int16_t> samples_;
  unsigned originalRate_ = 0;
  unsigned originalChannels_ = 0;
};

// Plays a clip over and over, one frame at a time; an empty clip plays silence.
class LoopingSampleSource {
public:
  explicit LoopingSampleSource(std::vector<int16_t> samples);
  void next(AudioFrame &frame);

private:
  std::vector<int16_t> samples_;
  size_t position_ = 0;
};

// Writes 16-bit mono PCM WAV into a hidden temporary file next to the final path
// (".NAME.XXXXXX.part") and renames it into place in finish(): whoever looks at the final
// path sees either the previous file or the complete new one, never a half-written one.
class WavWriter {
public:
  // RIFF sizes are 32-bit: the data chunk can hold at most this many bytes (~37 hours at 8 kHz).
  static constexpr uint64_t kMaxDataBytes = 0xFFFFFFFFull - 36 - 1; // even, so header fits

  // `maxDataBytes` caps the recording (rounded down to whole samples); past it write() fails.
  static Result<WavWriter> create(const std::filesystem::path &finalPath,
                                  unsigned sampleRate = kSampleRate,
                                  uint64_t maxDataBytes = kMaxDataBytes);

  WavWriter(WavWriter &&other) noexcept;
  WavWriter &operator=(WavWriter &&other) noexcept;
  WavWriter(const WavWriter &) = delete;
  WavWriter &operator=(const WavWriter &) = delete;
  ~WavWriter(); // finishes (best effort) if finish() was not called

  // Appends samples (buffered). When the size limit is reached the samples that still fit
  // are kept and an error is returned; the file stays valid and finish() still works.
  Status write(const int16_t *samples, size_t count);
  // Writes the real header sizes, fsyncs and renames onto the final path. After an I/O
  // error the temporary file is removed instead and the old file at the path is kept.
  Status finish();

  const std::filesystem::path &finalPath() const { return finalPath_; }
  const std::filesystem::path &tempPath() const { return tempPath_; }
  uint64_t samplesWritten() const { return dataBytes_ / 2; }

private:
  WavWriter() = default;
  Status flush();
  void discard();
  void release() noexcept; // finishes or discards, never throws

  std::filesystem::path finalPath_;
  std::filesystem::path tempPath_;
  int fd_ = -1;
  unsigned sampleRate_ = kSampleRate;
  uint64_t maxDataBytes_ = kMaxDataBytes;
  uint64_t dataBytes_ = 0; // accepted so far, including what is still in buffer_
  std::vector<uint8_t> buffer_;
  std::string ioError_; // first I/O failure; makes finish() discard the file
};

} // namespace wisp
