// random_permutation: Fisher-Yates driven by SplitMix64 (a well-mixed 64-bit counter hash) with
// Lemire's unbiased bounded draw. Written out here rather than taken from <random>, whose
// distributions differ between standard libraries.
#include "ember/data/permutation.h"

#include "ember/core/check.h"
#include "ember/core/generator.h"

namespace ember::data {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, bound), bound > 0, without modulo bias.
uint64_t bounded(uint64_t& state, uint64_t bound) {
  unsigned __int128 m = static_cast<unsigned __int128>(splitmix64(state)) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(splitmix64(state)) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

}  // namespace

std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t stream) {
  EMBER_CHECK(n >= 0, Value, "random_permutation: n must be non-negative, got {}", n);
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  // Key the stream by both numbers so that nearby seeds and epochs give unrelated orders.
  uint64_t key = seed;
  uint64_t state = splitmix64(key) ^ (stream * 0xD1B54A32D192ED03ULL);
  splitmix64(state);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(bounded(state, static_cast<uint64_t>(i) + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

uint64_t draw_seed(Generator* generator) {
  Generator& g = generator ? *generator : default_generator();
  const PhiloxState s = g.reserve(1);
  uint64_t state = s.seed ^ (s.offset * 0x9E3779B97F4A7C15ULL);
  return splitmix64(state);
}

}  // namespace ember::data
