#include "media/wav_file.h"

#include "media/little_endian.h"
#include "media/pcm_decode.h"
#include "media/resampler.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace wisp {

namespace {

// ---- Parsing ----------------------------------------------------------------------------

bool tagIs(const uint8_t *p, const char (&tag)[5]) {
  return std::memcmp(p, tag, 4) == 0;
}

// The 14 bytes that follow the format code in every standard KSDATAFORMAT_SUBTYPE GUID.
constexpr std::array<uint8_t, 14> kSubtypeGuidTail = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                      0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

std::string formatName(uint16_t code) {
  switch (code) {
  case kWaveFormatPcm:
    return "PCM";
  case 2:
    return "Microsoft ADPCM";
  case kWaveFormatFloat:
    return "float";
  case kWaveFormatAlaw:
    return "A-law";
  case kWaveFormatMulaw:
    return "mu-law";
  case 0x11:
    return "IMA ADPCM";
  case 0x31:
    return "GSM 6.10";
  case 0x55:
    return "MP3";
  case kWaveFormatExtensible:
    return "extensible";
  default:
    return "unknown";
  }
}

int16_t toInt16(float v) {
  return static_cast<int16_t>(std::clamp(std::lrint(v), -32768L, 32767L));
}

std::string soxHint(const std::string &name) {
  return "; convert it with: sox '" + name + "' -b 16 -e signed-integer OUT.wav";
}

Result<SampleFormat> parseFormatChunk(const uint8_t *p, size_t size, const std::string &name) {
  if (size < 16)
    return makeError("invalid", name + ": the 'fmt ' chunk is only " + std::to_string(size) +
                                    " bytes long (at least 16 are needed)");
  SampleFormat fmt;
  fmt.code = readLe16(p);
  fmt.channels = readLe16(p + 2);
  fmt.rate = readLe32(p + 4);
  fmt.bits = readLe16(p + 14);
  if (fmt.code == kWaveFormatExtensible) {
    if (size < 40)
      return makeError("invalid", name + ": WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is only " +
                                      std::to_string(size) + " bytes long (40 are needed)");
    if (!std::equal(kSubtypeGuidTail.begin(), kSubtypeGuidTail.end(), p + 26))
      return makeError("unsupported", name +
                                          ": WAVE_FORMAT_EXTENSIBLE with a non-standard "
                                          "sub-format GUID is not supported" +
                                          soxHint(name));
    fmt.code = readLe16(p + 24);
  }

  const std::string what =
      "sample format " + std::to_string(fmt.code) + " (" + formatName(fmt.code) + ")";
  switch (fmt.code) {
  case kWaveFormatPcm:
    if (fmt.bits != 8 && fmt.bits != 16)
      return makeError("unsupported", name + ": " + std::to_string(fmt.bits) +
                                          "-bit PCM is not supported (only 8 and 16 bits are)" +
                                          soxHint(name));
    break;
  case kWaveFormatAlaw:
  case kWaveFormatMulaw:
    if (fmt.bits != 8)
      return makeError("invalid", name + ": " + formatName(fmt.code) + " with " +
                                      std::to_string(fmt.bits) + " bits per sample (must be 8)");
    break;
  default:
    return makeError("unsupported", name + ": " + what + " is not supported" + soxHint(name));
  }
  if (fmt.channels == 0)
    return makeError("invalid", name + ": the file claims to have 0 channels");
  if (fmt.rate < 1000 || fmt.rate > 768000)
    return makeError("invalid", name + ": sample rate " + std::to_string(fmt.rate) +
                                    " Hz is out of range (1000 to 768000 Hz)");
  return fmt;
}

struct ChunkScan {
  const uint8_t *fmt = nullptr;
  size_t fmtSize = 0;
  const uint8_t *data = nullptr;
  size_t dataSize = 0;
};

// Walks the RIFF chunks. Unknown chunks are skipped (with their pad byte); a data chunk whose
// size is unset (0, 0xFFFFFFFF, or beyond the end of the file) runs to the end of the file.
Result<ChunkScan> scanChunks(std::span<const uint8_t> bytes, const std::string &name) {
  if (bytes.size() < 12)
    return makeError("invalid", name + ": too short to be a WAV file (" +
                                    std::to_string(bytes.size()) + " bytes)");
  const uint8_t *base = bytes.data();
  if (tagIs(base, "RIFX"))
    return makeError("unsupported",
                     name + ": big-endian (RIFX) WAV is not supported" + soxHint(name));
  if (!(tagIs(base, "RIFF") || tagIs(base, "RF64")) || !tagIs(base + 8, "WAVE"))
    return makeError("invalid", name + ": not a WAV file (no RIFF/WAVE header)");

  ChunkScan scan;
  size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    const uint8_t *header = base + pos;
    const uint32_t declared = readLe32(header + 4);
    const size_t available = bytes.size() - pos - 8;
    pos += 8;
    if (tagIs(header, "data")) {
      const bool unset = declared == 0 || declared == 0xFFFFFFFFu || declared > available;
      scan.data = base + pos;
      scan.dataSize = unset ? available : declared;
      if (unset)
        break; // the rest of the file is audio
    } else if (tagIs(header, "fmt ") && scan.fmt == nullptr) {
      scan.fmt = base + pos;
      scan.fmtSize = std::min<size_t>(declared, available);
    }
    if (declared > available)
      break;
    pos += declared + (declared & 1u);
  }
  if (scan.fmt == nullptr)
    return makeError("invalid", name + ": no 'fmt ' chunk (the file is damaged or truncated)");
  if (scan.data == nullptr)
    return makeError("invalid", name + ": no 'data' chunk (the file is damaged or truncated)");
  return scan;
}

} // namespace

// ---- WavReader --------------------------------------------------------------------------

Result<WavReader> WavReader::open(const std::filesystem::path &path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return makeError("not_found", name + ": no such file");
  if (std::filesystem::is_directory(path, ec))
    return makeError("invalid", name + ": is a folder, not a WAV file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("io", name + ": cannot open: " + std::strerror(errno));
  const auto tooLarge = makeError(
      "too_large", name + ": larger than " + std::to_string(kMaxWavFileBytes / (1024 * 1024)) +
                       " MB; use a shorter clip");
  if (std::filesystem::is_regular_file(path, ec) &&
      std::filesystem::file_size(path, ec) > kMaxWavFileBytes && !ec)
    return tooLarge;
  // Read in pieces rather than trusting the size: the file may be growing or not regular.
  std::vector<uint8_t> bytes;
  std::array<char, 64 * 1024> chunk;
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    bytes.insert(bytes.end(), chunk.data(), chunk.data() + in.gcount());
    if (bytes.size() > kMaxWavFileBytes)
      return tooLarge;
  }
  if (in.bad())
    return makeError("io", name + ": read error");
  return parse(bytes, name);
}

Result<WavReader> WavReader::parse(std::span<const uint8_t> bytes, const std::string &name) {
  auto scan = scanChunks(bytes, name);
  if (!scan)
    return scan.error();
  auto fmt = parseFormatChunk(scan->fmt, scan->fmtSize, name);
  if (!fmt)
    return fmt.error();

  const size_t frames = scan->dataSize / fmt->bytesPerFrame(); // a partial frame is dropped
  // Upsampling a low-rate file could otherwise turn 50 MB into gigabytes.
  if (static_cast<uint64_t>(frames) * kSampleRate / fmt->rate > kMaxWavFileBytes / 2)
    return makeError("too_large", name + ": more than " +
                                      std::to_string(kMaxWavFileBytes / 2 / kSampleRate / 60) +
                                      " minutes of audio; use a shorter clip");
  std::vector<float> mono = decodeToMono(*fmt, {scan->data, scan->dataSize});
  if (fmt->rate != kSampleRate) {
    static const SincResampler resampler;
    mono = resampler.convert(mono, fmt->rate, kSampleRate);
  }

  WavReader reader;
  reader.originalRate_ = fmt->rate;
  reader.originalChannels_ = fmt->channels;
  reader.samples_.resize(mono.size());
  std::transform(mono.begin(), mono.end(), reader.samples_.begin(), toInt16);
  return reader;
}

// ---- LoopingSampleSource ----------------------------------------------------------------

LoopingSampleSource::LoopingSampleSource(std::vector<int16_t> samples)
    : samples_(std::move(samples)) {}

void LoopingSampleSource::next(AudioFrame &frame) {
  if (samples_.empty()) {
    frame.fill(0);
    return;
  }
  for (auto &sample : frame) {
    sample = samples_[position_];
    if (++position_ == samples_.size())
      position_ = 0;
  }
}

// ---- WavWriter --------------------------------------------------------------------------

namespace {

constexpr size_t kHeaderBytes = 44;
constexpr size_t kBufferBytes = 64 * 1024;

std::array<uint8_t, kHeaderBytes> makeHeader(unsigned rate, uint32_t dataBytes) {
  std::array<uint8_t, kHeaderBytes> h{};
  std::memcpy(&h[0], "RIFF", 4);
  writeLe32(&h[4], 36 + dataBytes);
  std::memcpy(&h[8], "WAVE", 4);
  std::memcpy(&h[12], "fmt ", 4);
  writeLe32(&h[16], 16);       // fmt chunk size
  writeLe16(&h[20], 1);        // PCM
  writeLe16(&h[22], 1);        // mono
  writeLe32(&h[24], rate);     // sample rate
  writeLe32(&h[28], rate * 2); // byte rate
  writeLe16(&h[32], 2);        // block align
  writeLe16(&h[34], 16);       // bits per sample
  std::memcpy(&h[36], "data", 4);
  writeLe32(&h[40], dataBytes);
  return h;
}

bool writeAll(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    const ssize_t done = ::write(fd, p, n);
    if (done < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += done;
    n -= static_cast<size_t>(done);
  }
  return true;
}

// mkstemp creates files as 0600, but a recording is an ordinary user file: give it the mode
// open(2) would have, 0666 minus the umask. Reading the umask via /proc avoids changing it.
mode_t userFileMode() {
  mode_t mask = 022;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Umask:", 0) == 0)
      mask = static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
  return 0666 & ~mask;
}

void syncFolder(const std::filesystem::path &folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd); // makes the rename durable; failure only loses durability, not data
    ::close(fd);
  }
}

std::string errnoText() {
  return std::strerror(errno);
}

} // namespace

Result<WavWriter> WavWriter::create(const std::filesystem::path &finalPath, unsigned sampleRate,
                                    uint64_t maxDataBytes) {
  if (finalPath.filename().empty())
    return makeError("bad_argument",
                     "recording path '" + finalPath.string() + "' has no file name");
  if (sampleRate == 0 || sampleRate > 768000)
    return makeError("bad_argument",
                     "unsupported recording sample rate " + std::to_string(sampleRate));
  const std::filesystem::path folder =
      finalPath.has_parent_path() ? finalPath.parent_path() : std::filesystem::path(".");
  std::string pattern = (folder / ("." + finalPath.filename().string() + ".XXXXXX.part")).string();
  const int fd = ::mkostemps(pattern.data(), 5, O_CLOEXEC);
  if (fd < 0)
    return makeError("io",
                     "cannot create a recording in '" + folder.string() + "': " + errnoText());

  WavWriter writer;
  writer.finalPath_ = finalPath;
  writer.tempPath_ = pattern;
  writer.fd_ = fd;
  writer.sampleRate_ = sampleRate;
  writer.maxDataBytes_ = std::min(maxDataBytes, kMaxDataBytes) & ~uint64_t{1};
  writer.buffer_.reserve(kBufferBytes);
  ::fchmod(fd, userFileMode());                  // cosmetic: a failure leaves a private (0600) file
  const auto header = makeHeader(sampleRate, 0); // placeholder, rewritten by finish()
  if (!writeAll(fd, header.data(), header.size())) {
    const std::string why = errnoText();
    writer.discard();
    return makeError("io", "cannot write to '" + writer.tempPath_.string() + "': " + why);
  }
  return writer;
}

WavWriter::WavWriter(WavWriter &&other) noexcept
    : finalPath_(std::move(other.finalPath_)), tempPath_(std::move(other.tempPath_)),
      fd_(std::exchange(other.fd_, -1)), sampleRate_(other.sampleRate_),
      maxDataBytes_(other.maxDataBytes_), dataBytes_(other.dataBytes_),
      buffer_(std::move(other.buffer_)), ioError_(std::move(other.ioError_)) {}

WavWriter &WavWriter::operator=(WavWriter &&other) noexcept {
  if (this != &other) {
    release();
    finalPath_ = std::move(other.finalPath_);
    tempPath_ = std::move(other.tempPath_);
    fd_ = std::exchange(other.fd_, -1);
    sampleRate_ = other.sampleRate_;
    maxDataBytes_ = other.maxDataBytes_;
    dataBytes_ = other.dataBytes_;
    buffer_ = std::move(other.buffer_);
    ioError_ = std::move(other.ioError_);
  }
  return *this;
}

WavWriter::~WavWriter() {
  release();
}

void WavWriter::release() noexcept {
  if (fd_ < 0)
    return;
  try {
    (void)finish();
  } catch (...) {
    discard(); // only allocation can throw here; never leave the temporary behind
  }
}

Status WavWriter::write(const int16_t *samples, size_t count) {
  if (fd_ < 0)
    return makeError("invalid_state", "the recording '" + finalPath_.string() + "' is finished");
  if (!ioError_.empty())
    return makeError("io", ioError_);
  const uint64_t room = (maxDataBytes_ - dataBytes_) / 2;
  const size_t accepted = static_cast<size_t>(std::min<uint64_t>(count, room));
  for (size_t i = 0; i < accepted; ++i) {
    const auto v = static_cast<uint16_t>(samples[i]);
    buffer_.push_back(static_cast<uint8_t>(v));
    buffer_.push_back(static_cast<uint8_t>(v >> 8));
    if (buffer_.size() >= kBufferBytes)
      if (auto flushed = flush(); !flushed)
        return flushed;
  }
  dataBytes_ += uint64_t{accepted} * 2;
  if (accepted < count)
    return makeError("too_large", "the recording '" + finalPath_.string() +
                                      "' reached the WAV size limit; later audio is dropped");
  return Ok{};
}

Status WavWriter::flush() {
  if (!buffer_.empty() && !writeAll(fd_, buffer_.data(), buffer_.size()) && ioError_.empty())
    ioError_ = "cannot write the recording '" + tempPath_.string() + "': " + errnoText();
  buffer_.clear();
  if (!ioError_.empty())
    return makeError("io", ioError_);
  return Ok{};
}

Status WavWriter::finish() {
  if (fd_ < 0)
    return makeError("invalid_state", "the recording '" + finalPath_.string() + "' is finished");
  // Any failure from here on removes the temporary file; the old recording stays.
  auto failed = [this](const char *what) -> Status {
    const std::string why = errnoText(); // before anything else can change errno
    const std::string message = std::string(what) + " '" + tempPath_.string() + "': " + why;
    discard();
    return makeError("io", message);
  };
  if (auto flushed = flush(); !flushed) {
    discard();
    return flushed;
  }
  const auto header = makeHeader(sampleRate_, static_cast<uint32_t>(dataBytes_));
  if (::pwrite(fd_, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()))
    return failed("cannot write the header of");
  if (::fsync(fd_) != 0)
    return failed("cannot sync");
  if (::close(std::exchange(fd_, -1)) != 0)
    return failed("cannot close");
  if (::rename(tempPath_.c_str(), finalPath_.c_str()) != 0) {
    const std::string why = errnoText();
    discard();
    return makeError("io", "cannot save the recording as '" + finalPath_.string() + "': " + why);
  }
  syncFolder(tempPath_.has_parent_path() ? tempPath_.parent_path() : ".");
  return Ok{};
}

void WavWriter::discard() {
  if (fd_ >= 0)
    ::close(std::exchange(fd_, -1));
  if (!tempPath_.empty())
    ::unlink(tempPath_.c_str());
}

} // namespace wisp
