#include "media/file_backends.h"

#include "media/wav_file.h"

#include <optional>

namespace wisp {
namespace {

class FileCapture final : public CaptureBackend {
public:
  explicit FileCapture(std::filesystem::path path) : path_(std::move(path)) {}

  Status open() override {
    auto reader = WavReader::open(path_);
    if (!reader)
      return reader.error();
    source_.emplace(std::move(reader.value()).takeSamples()); // no second copy of the clip
    clock_.reset();
    return Ok{};
  }
  Status read(AudioFrame &frame) override {
    clock_.waitNextFrame();
    source_->next(frame);
    return Ok{};
  }
  void close() override { source_.reset(); }
  std::string describe() const override { return "file:" + path_.string(); }

private:
  std::filesystem::path path_;
  std::optional<LoopingSampleSource> source_;
  FrameClock clock_;
};

class FileRecorder final : public PlaybackBackend {
public:
  explicit FileRecorder(std::filesystem::path path) : path_(std::move(path)) {}

  Status open() override {
    auto writer = WavWriter::create(path_);
    if (!writer)
      return writer.error();
    writer_.emplace(std::move(writer.value()));
    return Ok{};
  }
  Status write(const AudioFrame &frame) override {
    return writer_ ? writer_->write(frame.data(), frame.size()) : Status(Ok{});
  }
  void close() override {
    if (writer_) {
      (void)writer_->finish();
      writer_.reset();
    }
  }
  std::string describe() const override { return "file:" + path_.string(); }
  bool selfPaced() const override { return false; }

private:
  std::filesystem::path path_;
  std::optional<WavWriter> writer_;
};

class NullCapture final : public CaptureBackend {
public:
  Status open() override {
    clock_.reset();
    return Ok{};
  }
  Status read(AudioFrame &frame) override {
    clock_.waitNextFrame();
    frame.fill(0);
    return Ok{};
  }
  void close() override {}
  std::string describe() const override { return "null"; }

private:
  FrameClock clock_;
};

class NullPlayback final : public PlaybackBackend {
public:
  Status open() override { return Ok{}; }
  Status write(const AudioFrame &) override { return Ok{}; }
  void close() override {}
  std::string describe() const override { return "null"; }
  bool selfPaced() const override { return false; }
};

} // namespace

std::unique_ptr<CaptureBackend> makeFileCapture(std::filesystem::path path) {
  return std::make_unique<FileCapture>(std::move(path));
}
std::unique_ptr<PlaybackBackend> makeFileRecorder(std::filesystem::path path) {
  return std::make_unique<FileRecorder>(std::move(path));
}
std::unique_ptr<CaptureBackend> makeNullCapture() {
  return std::make_unique<NullCapture>();
}
std::unique_ptr<PlaybackBackend> makeNullPlayback() {
  return std::make_unique<NullPlayback>();
}

} // namespace wisp
