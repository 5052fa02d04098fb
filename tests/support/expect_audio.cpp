#include "support/expect_audio.h"

#include "media/wav_file.h"
#include "support/audio_analysis.h"
#include "support/wait.h"

#include <gtest/gtest.h>

namespace wisp::test {

using namespace std::chrono_literals;

void expectHeard(const std::filesystem::path &file, const std::vector<int16_t> &expected,
                 const std::vector<int16_t> &other, const std::string &who,
                 double minActiveSeconds) {
  ASSERT_TRUE(waitUntil([&] { return std::filesystem::exists(file); }, 5s))
      << who << ": no recording at " << file;
  auto wav = WavReader::open(file);
  ASSERT_TRUE(wav.ok()) << wav.error().message;
  const MatchReport match = matchLoopedSignal(wav->samples(), expected);
  EXPECT_GE(match.activeSeconds, minActiveSeconds) << who << ": " << match.summary();
  EXPECT_GE(match.medianWindowCorrelation, 0.9) << who << ": " << match.summary();
  EXPECT_GE(match.fractionWindowsMatched, 0.8) << who << ": " << match.summary();
  const MatchReport wrong = matchLoopedSignal(wav->samples(), other);
  EXPECT_LT(wrong.fractionWindowsMatched, 0.2)
      << who << " heard the wrong signal: " << wrong.summary();
}

} // namespace wisp::test
