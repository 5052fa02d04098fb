#include "media/jitter_buffer.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace wisp {
namespace {

std::vector<int16_t> frameOf(int16_t value) {
  return std::vector<int16_t>(kFrameSamples, value);
}

TEST(JitterBuffer, PrebuffersThenPlaysInOrder) {
  JitterBuffer jb({.prebufferFrames = 2, .maxFrames = 8});
  AudioFrame out;
  EXPECT_FALSE(jb.get(out));
  jb.put(1, 160, frameOf(1));
  EXPECT_FALSE(jb.get(out)); // one frame is not enough yet
  jb.put(2, 320, frameOf(2));
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[0], 1);
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[159], 2);
  EXPECT_FALSE(jb.get(out)); // underrun: silence, and prebuffer again
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(jb.underruns(), 1u);
}

TEST(JitterBuffer, DropsDuplicatesAndLatePackets) {
  JitterBuffer jb;
  EXPECT_TRUE(jb.put(10, 1600, frameOf(1)));
  EXPECT_FALSE(jb.put(10, 1600, frameOf(1)));
  EXPECT_FALSE(jb.put(9, 1440, frameOf(1)));
  EXPECT_TRUE(jb.put(11, 1760, frameOf(2)));
  EXPECT_EQ(jb.dropped(), 2u);
  EXPECT_EQ(jb.bufferedSamples(), 2 * kFrameSamples);
}

TEST(JitterBuffer, ASenderThatRestartsItsSequenceIsFollowed) {
  JitterBuffer jb({.prebufferFrames = 1, .maxFrames = 8});
  AudioFrame out;
  EXPECT_TRUE(jb.put(30000, 0, frameOf(1)));
  ASSERT_TRUE(jb.get(out));
  EXPECT_TRUE(jb.put(5, 900000, frameOf(9))); // far behind: a restart, not a late packet
  EXPECT_TRUE(jb.put(6, 900160, frameOf(9)));
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[0], 9);
  EXPECT_FALSE(jb.put(5, 900000, frameOf(9))) << "a real late packet is still dropped";
}

TEST(JitterBuffer, SequenceWrapsAround) {
  JitterBuffer jb;
  EXPECT_TRUE(jb.put(65535, 0, frameOf(1)));
  EXPECT_TRUE(jb.put(0, 160, frameOf(2)));
  EXPECT_EQ(jb.bufferedSamples(), 2 * kFrameSamples);
}

TEST(JitterBuffer, LossKeepsTimeWithSilence) {
  JitterBuffer jb({.prebufferFrames = 1, .maxFrames = 8});
  AudioFrame out;
  jb.put(1, 0, frameOf(5));
  ASSERT_TRUE(jb.get(out));
  jb.put(2, 160, frameOf(5));
  jb.put(4, 480, frameOf(7)); // packet 3 lost: one frame of silence in between
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[0], 5);
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[0], 0);
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[0], 7);
}

TEST(JitterBuffer, DepthIsCappedKeepingTheNewestAudio) {
  JitterBuffer jb({.prebufferFrames = 2, .maxFrames = 4});
  for (uint16_t i = 0; i < 10; ++i)
    jb.put(i, uint32_t(i) * 160, frameOf(int16_t(i)));
  EXPECT_EQ(jb.bufferedSamples(), 4 * kFrameSamples);
  AudioFrame out;
  ASSERT_TRUE(jb.get(out));
  EXPECT_EQ(out[0], 6);
  EXPECT_EQ(jb.dropped(), 6u);
}

} // namespace
} // namespace wisp
