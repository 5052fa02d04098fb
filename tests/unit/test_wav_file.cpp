#include "media/wav_file.h"
#include "support/audio_analysis.h"

#include <re.h>
#include <rem.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <sys/stat.h>

namespace wisp {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// ---- Building WAV files by hand, independently of the reader ------------------------------

void add16(Bytes &b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v & 0xFF));
  b.push_back(static_cast<uint8_t>(v >> 8));
}

void add32(Bytes &b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>((v >> (8 * i)) & 0xFF));
}

void addTag(Bytes &b, const char *tag) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>(tag[i]));
}

Bytes pcm16(const std::vector<int16_t> &samples) {
  Bytes b;
  for (int16_t s : samples)
    add16(b, static_cast<uint16_t>(s));
  return b;
}

Bytes fmtBody(uint16_t code, uint16_t channels, uint32_t rate, uint16_t bits) {
  Bytes b;
  const uint16_t align = static_cast<uint16_t>(channels * ((bits + 7) / 8));
  add16(b, code);
  add16(b, channels);
  add32(b, rate);
  add32(b, rate * align);
  add16(b, align);
  add16(b, bits);
  return b;
}

// WAVE_FORMAT_EXTENSIBLE wrapping `subformat` in the standard KSDATAFORMAT_SUBTYPE GUID.
Bytes extensibleFmtBody(uint16_t subformat, uint16_t channels, uint32_t rate, uint16_t bits) {
  Bytes b = fmtBody(0xFFFE, channels, rate, bits);
  add16(b, 22);   // cbSize
  add16(b, bits); // valid bits
  add32(b, 0x4);  // channel mask: front centre
  add16(b, subformat);
  const uint8_t tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                            0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
  b.insert(b.end(), tail, tail + 14);
  return b;
}

struct Chunk {
  const char *id;
  Bytes body;
  int64_t declaredSize = -1; // -1: the body's real size
};

Bytes riff(const std::vector<Chunk> &chunks) {
  Bytes b;
  addTag(b, "RIFF");
  add32(b, 0); // patched below
  addTag(b, "WAVE");
  for (const auto &c : chunks) {
    addTag(b, c.id);
    add32(b, c.declaredSize >= 0 ? static_cast<uint32_t>(c.declaredSize)
                                 : static_cast<uint32_t>(c.body.size()));
    b.insert(b.end(), c.body.begin(), c.body.end());
    if (c.body.size() % 2)
      b.push_back(0); // RIFF pad byte
  }
  const auto size = static_cast<uint32_t>(b.size() - 8);
  for (int i = 0; i < 4; ++i)
    b[4 + i] = static_cast<uint8_t>(size >> (8 * i));
  return b;
}

Bytes simpleWav(uint16_t code, uint16_t channels, uint32_t rate, uint16_t bits, Bytes data) {
  return riff({{"fmt ", fmtBody(code, channels, rate, bits)}, {"data", std::move(data)}});
}

std::vector<int16_t> randomSamples(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-32768, 32767);
  std::vector<int16_t> v(n);
  for (auto &s : v)
    s = static_cast<int16_t>(dist(rng));
  return v;
}

// Frequency from the spacing of upward zero crossings (interpolated), ignoring the edges.
double measuredFrequency(const std::vector<int16_t> &x, unsigned rate) {
  double first = -1, last = -1;
  int cycles = -1;
  for (size_t i = x.size() / 10; i + 1 < x.size() * 9 / 10; ++i)
    if (x[i] < 0 && x[i + 1] >= 0) {
      const double t = static_cast<double>(i) + static_cast<double>(-x[i]) / (x[i + 1] - x[i]);
      if (first < 0)
        first = t;
      last = t;
      ++cycles;
    }
  return cycles > 0 ? cycles * rate / (last - first) : 0;
}

std::vector<int16_t> middle(const std::vector<int16_t> &x) {
  return {x.begin() + static_cast<long>(x.size() / 10), x.end() - static_cast<long>(x.size() / 10)};
}

class WavFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "wisp-wav-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path put(const std::string &name, const Bytes &bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char *>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }

  Bytes slurp(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }

  std::vector<fs::path> listing() {
    std::vector<fs::path> names;
    for (const auto &e : fs::directory_iterator(dir_))
      names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  WavReader read(const std::string &name, const Bytes &bytes) {
    auto r = WavReader::open(put(name, bytes));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok())
      throw std::runtime_error("unreadable");
    return std::move(r).value();
  }

  Error readError(const std::string &name, const Bytes &bytes) {
    auto r = WavReader::open(put(name, bytes));
    EXPECT_FALSE(r.ok()) << name << " was accepted";
    return r.ok() ? Error{} : r.error();
  }

  fs::path dir_;
};

// ---- WavWriter ------------------------------------------------------------------------------

TEST_F(WavFileTest, WriteThenReadRoundTripsExactly) {
  const auto samples = randomSamples(70000, 1); // more than one write buffer
  const fs::path path = dir_ / "rec.wav";
  auto writer = WavWriter::create(path);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_TRUE(writer->write(samples.data(), 1000).ok());
  ASSERT_TRUE(writer->write(samples.data() + 1000, samples.size() - 1000).ok());
  EXPECT_EQ(writer->samplesWritten(), samples.size());
  ASSERT_TRUE(writer->finish().ok());

  auto reader = WavReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->originalRate(), 8000u);
  EXPECT_EQ(reader->originalChannels(), 1u);
  EXPECT_EQ(reader->samples(), samples);
}

TEST_F(WavFileTest, HeaderMatchesTheSpecByteForByte) {
  const fs::path path = dir_ / "h.wav";
  {
    auto writer = WavWriter::create(path);
    ASSERT_TRUE(writer.ok());
    const int16_t samples[] = {1, -2, 0x1234};
    ASSERT_TRUE(writer->write(samples, 3).ok());
    ASSERT_TRUE(writer->finish().ok());
  }
  const Bytes expected = {
      'R',  'I',  'F',  'F',  42,   0,    0, 0, // RIFF, size = 36 + 6
      'W',  'A',  'V',  'E',                    //
      'f',  'm',  't',  ' ',  16,   0,    0, 0, // fmt chunk of 16 bytes
      1,    0,                                  // PCM
      1,    0,                                  // mono
      0x40, 0x1F, 0,    0,                      // 8000 Hz
      0x80, 0x3E, 0,    0,                      // 16000 bytes/s
      2,    0,                                  // block align
      16,   0,                                  // bits per sample
      'd',  'a',  't',  'a',  6,    0,    0, 0, // data chunk of 6 bytes
      0x01, 0x00, 0xFE, 0xFF, 0x34, 0x12,       // 1, -2, 0x1234 little-endian
  };
  EXPECT_EQ(slurp(path), expected);
}

TEST_F(WavFileTest, OtherSampleRateGoesIntoTheHeader) {
  const fs::path path = dir_ / "r.wav";
  ASSERT_TRUE(writeWav(path, {100, 200}, 16000).ok());
  const Bytes b = slurp(path);
  ASSERT_EQ(b.size(), 48u);
  EXPECT_EQ(b[24] | b[25] << 8 | b[26] << 16, 16000);
  EXPECT_EQ(b[28] | b[29] << 8 | b[30] << 16, 32000);
}

TEST_F(WavFileTest, EmptyRecordingIsAValidFile) {
  const fs::path path = dir_ / "empty.wav";
  auto writer = WavWriter::create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->finish().ok());
  EXPECT_EQ(fs::file_size(path), 44u);
  auto reader = WavReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_TRUE(reader->samples().empty());
}

TEST_F(WavFileTest, NothingAppearsAtTheFinalPathUntilFinish) {
  const fs::path path = dir_ / "call.wav";
  auto writer = WavWriter::create(path);
  ASSERT_TRUE(writer.ok());
  const fs::path temp = writer->tempPath();
  EXPECT_EQ(temp.parent_path(), dir_);
  const std::string tempName = temp.filename().string();
  EXPECT_EQ(tempName.rfind(".call.wav.", 0), 0u) << tempName;
  EXPECT_EQ(tempName.size(), std::string(".call.wav.XXXXXX.part").size()) << tempName;
  EXPECT_TRUE(tempName.ends_with(".part")) << tempName;

  const auto samples = randomSamples(40000, 2);
  ASSERT_TRUE(writer->write(samples.data(), samples.size()).ok());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(listing(), std::vector<fs::path>{temp.filename()});

  ASSERT_TRUE(writer->finish().ok());
  EXPECT_EQ(listing(), std::vector<fs::path>{"call.wav"}); // no temporary left behind
  EXPECT_EQ(fs::file_size(path), 44 + 2 * samples.size());
}

TEST_F(WavFileTest, OldRecordingIsReplacedOnlyAtFinish) {
  const fs::path path = dir_ / "call.wav";
  ASSERT_TRUE(writeWav(path, {1, 2, 3}).ok());
  auto writer = WavWriter::create(path);
  ASSERT_TRUE(writer.ok());
  const std::vector<int16_t> fresh = {7, 8, 9, 10};
  ASSERT_TRUE(writer->write(fresh.data(), fresh.size()).ok());
  EXPECT_EQ(WavReader::open(path)->samples(), (std::vector<int16_t>{1, 2, 3}));
  ASSERT_TRUE(writer->finish().ok());
  EXPECT_EQ(WavReader::open(path)->samples(), fresh);
  EXPECT_EQ(listing().size(), 1u);
}

TEST_F(WavFileTest, DestructorFinishesAnUnfinishedRecording) {
  const fs::path path = dir_ / "late.wav";
  const auto samples = randomSamples(500, 3);
  {
    auto writer = WavWriter::create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->write(samples.data(), samples.size()).ok());
  }
  auto reader = WavReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->samples(), samples);
  EXPECT_EQ(listing().size(), 1u);
}

TEST_F(WavFileTest, MovedWriterKeepsRecordingAndFinishesOnce) {
  const fs::path pathA = dir_ / "a.wav";
  const fs::path pathB = dir_ / "b.wav";
  const std::vector<int16_t> one = {1, 1}, two = {2, 2, 2};
  {
    auto created = WavWriter::create(pathA);
    ASSERT_TRUE(created.ok());
    WavWriter a = std::move(created).value();
    ASSERT_TRUE(a.write(one.data(), one.size()).ok());
    WavWriter moved(std::move(a));
    auto other = WavWriter::create(pathB);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other->write(two.data(), two.size()).ok());
    moved = std::move(other).value(); // finishes a.wav first
    EXPECT_EQ(WavReader::open(pathA)->samples(), one);
    EXPECT_FALSE(fs::exists(pathB));
  }
  EXPECT_EQ(WavReader::open(pathB)->samples(), two);
  EXPECT_EQ(listing(), (std::vector<fs::path>{"a.wav", "b.wav"}));
}

TEST_F(WavFileTest, StopsAtTheSizeLimitAndKeepsAValidFile) {
  const fs::path path = dir_ / "long.wav";
  auto writer = WavWriter::create(path, 8000, 101); // rounds down to 50 samples
  ASSERT_TRUE(writer.ok());
  const auto samples = randomSamples(70, 4);
  ASSERT_TRUE(writer->write(samples.data(), 40).ok());
  const Status over = writer->write(samples.data() + 40, 30);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "too_large");
  EXPECT_FALSE(writer->write(samples.data(), 1).ok());
  ASSERT_TRUE(writer->finish().ok());
  auto reader = WavReader::open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->samples(), std::vector<int16_t>(samples.begin(), samples.begin() + 50));
  const Bytes b = slurp(path);
  EXPECT_EQ(b[40] | b[41] << 8, 100); // data size
  EXPECT_EQ(b[4] | b[5] << 8, 136);   // RIFF size
}

TEST_F(WavFileTest, DefaultLimitIsTheRiffLimit) {
  EXPECT_LE(WavWriter::kMaxDataBytes + 36, 0xFFFFFFFFull);
  EXPECT_GT(WavWriter::kMaxDataBytes + 36 + 2, 0xFFFFFFFFull);
  EXPECT_EQ(WavWriter::kMaxDataBytes % 2, 0u);
}

TEST_F(WavFileTest, RecordingGetsAnOrdinaryFileMode) {
  const mode_t old = umask(027);
  const fs::path path = dir_ / "mode.wav";
  const Status written = writeWav(path, {1});
  umask(old);
  ASSERT_TRUE(written.ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(WavFileTest, CreateFailsClearlyInAMissingFolder) {
  auto writer = WavWriter::create(dir_ / "no" / "such" / "x.wav");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, "io");
  EXPECT_NE(writer.error().message.find("no/such"), std::string::npos) << writer.error().message;
}

TEST_F(WavFileTest, WriteAfterFinishIsRefused) {
  auto writer = WavWriter::create(dir_ / "x.wav");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->finish().ok());
  const int16_t s = 1;
  EXPECT_FALSE(writer->write(&s, 1).ok());
  EXPECT_FALSE(writer->finish().ok());
}

// ---- WavReader: accepted formats ----------------------------------------------------------

TEST_F(WavFileTest, SkipsUnknownAndOddSizedChunks) {
  const std::vector<int16_t> samples = {5, -6, 7, -8, 32767, -32768};
  const Bytes file = riff({
      {"JUNK", Bytes(3, 0xEE)}, // odd size, padded
      {"fmt ", fmtBody(1, 1, 8000, 16)},
      {"LIST", {'I', 'N', 'F', 'O', 'x', 'y', 'z'}}, // odd size, padded
      {"fact", {6, 0, 0, 0}},
      {"data", pcm16(samples)},
      {"id3 ", Bytes(5, 0x11)}, // after the audio: ignored
  });
  EXPECT_EQ(read("chunks.wav", file).samples(), samples);
}

TEST_F(WavFileTest, ExtendedFmtChunkIsAccepted) {
  Bytes fmt = fmtBody(1, 1, 8000, 16);
  add16(fmt, 0); // cbSize present: an 18-byte fmt chunk
  const std::vector<int16_t> samples = {1, 2, 3};
  EXPECT_EQ(read("fmt18.wav", riff({{"fmt ", fmt}, {"data", pcm16(samples)}})).samples(), samples);
}

TEST_F(WavFileTest, DataSizeUnsetOrTooLargeMeansToTheEndOfFile) {
  const std::vector<int16_t> samples = {10, 20, 30, 40};
  for (int64_t declared : {int64_t{0}, int64_t{0xFFFFFFFF}, int64_t{1000}}) {
    const Bytes file =
        riff({{"fmt ", fmtBody(1, 1, 8000, 16)}, {"data", pcm16(samples), declared}});
    EXPECT_EQ(read("stream.wav", file).samples(), samples) << "declared " << declared;
  }
  Bytes truncated = simpleWav(1, 1, 8000, 16, pcm16(samples));
  truncated.pop_back(); // half a sample at the end: dropped
  EXPECT_EQ(read("cut.wav", truncated).samples(), (std::vector<int16_t>{10, 20, 30}));
}

TEST_F(WavFileTest, RiffSizeFieldIsNotTrusted) {
  const std::vector<int16_t> samples = {3, 1, 4, 1, 5};
  Bytes file = simpleWav(1, 1, 8000, 16, pcm16(samples));
  file[4] = file[5] = file[6] = file[7] = 0xFF;
  EXPECT_EQ(read("riffsize.wav", file).samples(), samples);
}

TEST_F(WavFileTest, ExtensiblePcmIsAccepted) {
  const std::vector<int16_t> samples = {-100, 0, 100, 12345};
  const Bytes file = riff({{"fmt ", extensibleFmtBody(1, 1, 8000, 16)}, {"data", pcm16(samples)}});
  EXPECT_EQ(read("ext.wav", file).samples(), samples);
}

TEST_F(WavFileTest, EightBitUnsignedBecomesSigned16) {
  const WavReader r = read("u8.wav", simpleWav(1, 1, 8000, 8, {0, 64, 128, 255}));
  EXPECT_EQ(r.samples(), (std::vector<int16_t>{-32768, -16384, 0, 32512}));
}

// librem's G.711 tables are an independent implementation to check the decoder against.
// The one difference: G.711 decodes both mu-law zero codes (0x7F, 0xFF) to 0, where librem
// returns -2 and +2.
TEST_F(WavFileTest, MulawDecodesLikeLibrem) {
  Bytes codes(256);
  std::vector<int16_t> expected(256);
  for (int i = 0; i < 256; ++i) {
    codes[i] = static_cast<uint8_t>(i);
    expected[i] = g711_ulaw2pcm(static_cast<uint8_t>(i));
  }
  EXPECT_LE(std::abs(expected[0x7F]), 2);
  EXPECT_LE(std::abs(expected[0xFF]), 2);
  expected[0x7F] = expected[0xFF] = 0;
  EXPECT_EQ(expected[0x00], -32124); // the extremes, straight from the G.711 table
  EXPECT_EQ(expected[0x80], 32124);
  EXPECT_EQ(read("ulaw.wav", simpleWav(7, 1, 8000, 8, codes)).samples(), expected);
  const Bytes ext = riff({{"fmt ", extensibleFmtBody(7, 1, 8000, 8)}, {"data", codes}});
  EXPECT_EQ(read("ulaw-ext.wav", ext).samples(), expected);
}

TEST_F(WavFileTest, AlawDecodesLikeLibrem) {
  Bytes codes(256);
  std::vector<int16_t> expected(256);
  for (int i = 0; i < 256; ++i) {
    codes[i] = static_cast<uint8_t>(i);
    expected[i] = g711_alaw2pcm(static_cast<uint8_t>(i));
  }
  EXPECT_EQ(read("alaw.wav", simpleWav(6, 1, 8000, 8, codes)).samples(), expected);
}

TEST_F(WavFileTest, StereoIsAveragedToMono) {
  std::vector<int16_t> interleaved;
  const std::vector<int16_t> left = {1000, -2000, 30000, 3};
  const std::vector<int16_t> right = {3000, 2000, 30001, 4};
  for (size_t i = 0; i < left.size(); ++i) {
    interleaved.push_back(left[i]);
    interleaved.push_back(right[i]);
  }
  const WavReader r = read("st.wav", simpleWav(1, 2, 8000, 16, pcm16(interleaved)));
  EXPECT_EQ(r.originalChannels(), 2u);
  // Halves round to even (30000.5 -> 30000, 3.5 -> 4).
  EXPECT_EQ(r.samples(), (std::vector<int16_t>{2000, 0, 30000, 4}));
}

TEST_F(WavFileTest, StereoSixteenKilohertzBecomesEightKilohertzMono) {
  const auto tone = makeToneSequence({{1000, 1000, 0.5}}, 16000);
  std::vector<int16_t> interleaved;
  for (int16_t s : tone) {
    interleaved.push_back(s);
    interleaved.push_back(0); // silent right channel: the mono mix is 6 dB down
  }
  const WavReader r = read("st16.wav", simpleWav(1, 2, 16000, 16, pcm16(interleaved)));
  EXPECT_EQ(r.originalRate(), 16000u);
  EXPECT_EQ(r.originalChannels(), 2u);
  EXPECT_EQ(r.samples().size(), 8000u);
  EXPECT_NEAR(measuredFrequency(r.samples(), 8000), 1000, 1);
  EXPECT_NEAR(toneLevelDbfs(middle(r.samples()), 1000), 20 * std::log10(0.25), 0.5);
}

TEST_F(WavFileTest, OppositeChannelsCancel) {
  const auto tone = makeToneSequence({{700, 300, 0.5}}, 8000);
  std::vector<int16_t> interleaved;
  for (int16_t s : tone) {
    interleaved.push_back(s);
    interleaved.push_back(static_cast<int16_t>(-s));
  }
  const WavReader r = read("cancel.wav", simpleWav(1, 2, 8000, 16, pcm16(interleaved)));
  EXPECT_EQ(r.samples().size(), tone.size());
  EXPECT_LT(rmsDbfs(r.samples()), -90);
}

// ---- WavReader: sample-rate conversion quality --------------------------------------------

class ResamplingTest : public WavFileTest, public ::testing::WithParamInterface<unsigned> {};

TEST_P(ResamplingTest, OneKilohertzKeepsFrequencyAndLevel) {
  const unsigned rate = GetParam();
  const auto tone = makeToneSequence({{1000, 1500, 0.5}}, rate);
  const double inputLevel = toneLevelDbfs(middle(tone), 1000, rate);
  const WavReader r = read("tone.wav", simpleWav(1, 1, rate, 16, pcm16(tone)));
  EXPECT_EQ(r.originalRate(), rate);
  EXPECT_NEAR(static_cast<double>(r.samples().size()), 1.5 * 8000, 1);
  EXPECT_NEAR(measuredFrequency(r.samples(), 8000), 1000, 1);
  EXPECT_NEAR(toneLevelDbfs(middle(r.samples()), 1000), inputLevel, 0.5);
  // Nothing else appears: the level of the whole output is the tone's.
  EXPECT_NEAR(rmsDbfs(middle(r.samples())), inputLevel, 0.5);
}

TEST_P(ResamplingTest, TelephoneBandEdgeSurvives) {
  const unsigned rate = GetParam();
  const double edge = std::min(3000.0, 0.4 * rate); // below the input's own Nyquist
  const auto tone = makeToneSequence({{edge, 1000, 0.5}}, rate);
  const WavReader r = read("edge.wav", simpleWav(1, 1, rate, 16, pcm16(tone)));
  EXPECT_NEAR(toneLevelDbfs(middle(r.samples()), edge), toneLevelDbfs(middle(tone), edge, rate),
              1.0);
}

INSTANTIATE_TEST_SUITE_P(CommonRates, ResamplingTest,
                         ::testing::Values(11025u, 16000u, 22050u, 32000u, 44100u, 48000u, 96000u,
                                           6000u));

TEST_F(WavFileTest, ToneAboveNyquistIsRemovedNotAliased) {
  const auto tone = makeToneSequence({{5000, 1000, 0.5}}, 48000);
  const double inputLevel = toneLevelDbfs(middle(tone), 5000, 48000);
  const WavReader r = read("alias.wav", simpleWav(1, 1, 48000, 16, pcm16(tone)));
  // Sampled at 8 kHz without filtering, 5 kHz would fold to 3 kHz.
  EXPECT_LT(toneLevelDbfs(middle(r.samples()), 3000), inputLevel - 30);
  EXPECT_LT(rmsDbfs(middle(r.samples())), inputLevel - 30);
}

TEST_F(WavFileTest, EightKilohertzMonoIsReadUntouched) {
  const auto samples = randomSamples(5000, 5);
  EXPECT_EQ(read("same.wav", simpleWav(1, 1, 8000, 16, pcm16(samples))).samples(), samples);
}

// ---- WavReader: rejects -----------------------------------------------------------------

TEST_F(WavFileTest, RejectsFloatWithAConversionHint) {
  const Error e = readError("float.wav", simpleWav(3, 1, 8000, 32, Bytes(32, 0)));
  EXPECT_EQ(e.code, "unsupported");
  EXPECT_NE(e.message.find("float.wav"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("sample format 3 (float)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("sox"), std::string::npos) << e.message;
}

TEST_F(WavFileTest, RejectsExtensibleFloat) {
  const Error e =
      readError("extf.wav", riff({{"fmt ", extensibleFmtBody(3, 1, 8000, 32)}, {"data", {}}}));
  EXPECT_NE(e.message.find("float"), std::string::npos) << e.message;
}

TEST_F(WavFileTest, RejectsOtherBitDepths) {
  for (uint16_t bits : {24, 32, 12}) {
    const Error e = readError("deep.wav", simpleWav(1, 1, 8000, bits, Bytes(24, 0)));
    EXPECT_NE(e.message.find(std::to_string(bits) + "-bit"), std::string::npos) << e.message;
  }
}

TEST_F(WavFileTest, RejectsCompressedFormats) {
  const Error e = readError("adpcm.wav", simpleWav(2, 1, 8000, 4, Bytes(24, 0)));
  EXPECT_NE(e.message.find("ADPCM"), std::string::npos) << e.message;
}

TEST_F(WavFileTest, RejectsTruncatedHeaders) {
  const Bytes whole = simpleWav(1, 1, 8000, 16, pcm16({1, 2}));
  for (size_t keep : {0, 4, 11, 12, 20, 35, 43}) {
    const Error e = readError("trunc.wav", Bytes(whole.begin(), whole.begin() + keep));
    EXPECT_FALSE(e.message.empty()) << keep;
    EXPECT_NE(e.message.find("trunc.wav"), std::string::npos) << e.message;
  }
  EXPECT_NE(
      readError("nodata.wav", riff({{"fmt ", fmtBody(1, 1, 8000, 16)}})).message.find("'data'"),
      std::string::npos);
  EXPECT_NE(readError("nofmt.wav", riff({{"data", pcm16({1, 2})}})).message.find("'fmt '"),
            std::string::npos);
}

TEST_F(WavFileTest, RejectsFilesThatAreNotRiffWave) {
  const std::string text = "this is a text file, not a WAV file at all";
  const Error e = readError("text.wav", Bytes(text.begin(), text.end()));
  EXPECT_EQ(e.code, "invalid");
  EXPECT_NE(e.message.find("not a WAV file"), std::string::npos) << e.message;
  Bytes avi = simpleWav(1, 1, 8000, 16, {});
  std::copy_n("AVI ", 4, avi.begin() + 8);
  EXPECT_NE(readError("avi.wav", avi).message.find("not a WAV file"), std::string::npos);
}

TEST_F(WavFileTest, RejectsNonsenseFormatFields) {
  EXPECT_NE(readError("ch0.wav", simpleWav(1, 0, 8000, 16, Bytes(4, 0))).message.find("0 channels"),
            std::string::npos);
  EXPECT_NE(readError("rate0.wav", simpleWav(1, 1, 0, 16, Bytes(4, 0))).message.find("rate"),
            std::string::npos);
  EXPECT_NE(readError("ulaw16.wav", simpleWav(7, 1, 8000, 16, Bytes(4, 0))).message.find("8"),
            std::string::npos);
}

TEST_F(WavFileTest, ReportsMissingFilesFoldersAndHugeFiles) {
  auto missing = WavReader::open(dir_ / "nope.wav");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_NE(missing.error().message.find("nope.wav"), std::string::npos);

  EXPECT_FALSE(WavReader::open(dir_).ok());

  const fs::path huge = put("huge.wav", simpleWav(1, 1, 8000, 16, {}));
  fs::resize_file(huge, kMaxWavFileBytes + 1); // sparse: costs no disk
  auto big = WavReader::open(huge);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "too_large");
}

TEST_F(WavFileTest, RejectsAudioThatWouldBeTooLongAtEightKilohertz) {
  // 4 MB of 1 kHz 8-bit audio is 70 minutes: 8 times as many samples once converted.
  auto r = WavReader::parse(simpleWav(1, 1, 1000, 8, Bytes(4'000'000, 128)), "slow.wav");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_large");
  EXPECT_NE(r.error().message.find("minutes"), std::string::npos) << r.error().message;
}

TEST_F(WavFileTest, RandomBytesNeverCrashAndAlwaysExplain) {
  std::mt19937 rng(6);
  const Bytes valid = riff({{"fmt ", fmtBody(1, 2, 16000, 16)},
                            {"LIST", Bytes(9, 'x')},
                            {"data", pcm16(randomSamples(64, 7))}});
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes b;
    if (round % 3 == 0) { // pure noise, sometimes with a RIFF/WAVE start
      b.resize(rng() % 200);
      for (auto &v : b)
        v = static_cast<uint8_t>(rng());
      if (round % 2 && b.size() >= 12) {
        std::copy_n("RIFF", 4, b.begin());
        std::copy_n("WAVE", 4, b.begin() + 8);
      }
    } else { // a valid file with a few bytes changed and maybe cut short
      b = valid;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
        b[rng() % b.size()] = static_cast<uint8_t>(rng());
      if (rng() % 2)
        b.resize(rng() % b.size());
    }
    auto r = WavReader::parse(b, "fuzz.wav");
    if (r.ok()) {
      ++accepted;
      EXPECT_GE(r->originalChannels(), 1u);
      EXPECT_GE(r->originalRate(), 1000u);
      // Never more audio than the bytes could hold (at the highest upsampling ratio, x8).
      EXPECT_LE(r->samples().size(), b.size() * 8);
    } else {
      EXPECT_EQ(r.error().message.rfind("fuzz.wav: ", 0), 0u) << r.error().message;
    }
  }
  EXPECT_GT(accepted, 0); // the mutations do leave some files readable
}

// ---- LoopingSampleSource --------------------------------------------------------------------

TEST(LoopingSampleSourceTest, WrapsAroundAtTheEnd) {
  std::vector<int16_t> clip(250);
  for (size_t i = 0; i < clip.size(); ++i)
    clip[i] = static_cast<int16_t>(i);
  LoopingSampleSource source(clip);
  AudioFrame frame;
  for (size_t f = 0; f < 7; ++f) {
    source.next(frame);
    for (size_t i = 0; i < frame.size(); ++i)
      ASSERT_EQ(frame[i], static_cast<int16_t>((f * frame.size() + i) % clip.size()))
          << "frame " << f << " sample " << i;
  }
}

TEST(LoopingSampleSourceTest, ShortClipRepeatsWithinAFrame) {
  LoopingSampleSource source({1, 2, 3});
  AudioFrame frame;
  source.next(frame);
  for (size_t i = 0; i < frame.size(); ++i)
    ASSERT_EQ(frame[i], static_cast<int16_t>(1 + i % 3));
}

TEST(LoopingSampleSourceTest, EmptyClipIsSilence) {
  LoopingSampleSource source({});
  AudioFrame frame;
  frame.fill(99);
  source.next(frame);
  EXPECT_TRUE(std::all_of(frame.begin(), frame.end(), [](int16_t s) { return s == 0; }));
}

} // namespace
} // namespace wisp
