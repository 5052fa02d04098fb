// The end-to-end tests' one check of what a phone heard: the recording holds `expected`
// (looped by its sender), and does not hold `other`, so a mixed-up stream fails.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace wisp::test {

// Waits (up to 5 s) for the recording to appear, then checks it with matchLoopedSignal:
// at least minActiveSeconds of audio, median window correlation >= 0.9, >= 80 % of windows
// matched, and < 20 % of windows matching `other`. Failures name `who`.
void expectHeard(const std::filesystem::path &file, const std::vector<int16_t> &expected,
                 const std::vector<int16_t> &other, const std::string &who,
                 double minActiveSeconds = 2.0);

} // namespace wisp::test
