#include "util/text.h"

#include <algorithm>
#include <vector>

namespace wisp {

std::string toLowerAscii(std::string_view text) {
  std::string out(text);
  for (char &c : out) {
    c = toLowerAscii(c);
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return toLowerAscii(x) == toLowerAscii(y); });
}

std::string quotedAsIs(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Three rolling rows of the dynamic programme: the one before last is needed for swaps.
std::size_t editDistance(std::string_view a, std::string_view b, Transposition swaps) {
  auto same = [](char x, char y) { return toLowerAscii(x) == toLowerAscii(y); };
  std::vector<std::size_t> older(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (swaps == Transposition::OneEdit && i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
          same(a[i - 2], b[j - 1])) {
        current[j] = std::min(current[j], older[j - 2] + 1);
      }
    }
    std::swap(older, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string_view> nearestWord(std::string_view word,
                                            std::span<const std::string_view> candidates,
                                            std::size_t maxDistance, Transposition swaps) {
  std::optional<std::string_view> best;
  std::size_t bestDistance = maxDistance + 1; // what a candidate must beat
  for (std::string_view candidate : candidates) {
    std::size_t lengthGap =
        std::max(word.size(), candidate.size()) - std::min(word.size(), candidate.size());
    if (lengthGap >= bestDistance) {
      continue; // at least that many edits: cannot be closer, and long random words stay cheap
    }
    std::size_t distance = editDistance(word, candidate, swaps);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

} // namespace wisp
