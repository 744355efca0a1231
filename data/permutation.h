// Seeded permutations for samplers and random_split: a pure function of (seed, stream), the same
// on every machine, thread count and run, so epoch e of a seeded sampler always has one order.
#pragma once

#include <cstdint>
#include <vector>

#include "ember/core/macros.h"

namespace ember {
class Generator;
}

namespace ember::data {

// A uniformly random permutation of 0..n-1 (Fisher-Yates over a SplitMix64 stream keyed by seed
// and stream; a sampler passes its epoch as the stream).
EMBER_API std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t stream = 0);

// A 64-bit seed drawn from generator (it advances, like any random op), or from Ember's default
// CPU generator when generator is null: ember::manual_seed(s) then makes shuffles reproducible.
EMBER_API uint64_t draw_seed(Generator* generator = nullptr);

}  // namespace ember::data
