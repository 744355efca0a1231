// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
// Random123 reference): a counter-based generator. One call maps a 128-bit counter and a 64-bit key
// to four 32-bit words, with no state carried between calls, so any element of a random tensor can
// be computed on its own, on any thread, on the CPU or in a CUDA kernel, with the same result.
//
// Note [Philox counters]
// Ember's key is the generator's seed (low 32 bits in key[0], high 32 bits in key[1]); the counter
// is a 64-bit block index (low word first) with the high 64 bits zero. A random op reserves a range
// of blocks from its Generator (core/generator.h) and element i reads the block and words that
// kernels/random_functors.h assigns to it.
#pragma once

#include <cstdint>

#include "ember/core/generator.h"
#include "ember/core/macros.h"

namespace ember::philox {

// The four words of one Philox block.
struct Block {
  uint32_t word[4];
};

inline constexpr uint32_t kMul0 = 0xD2511F53u;
inline constexpr uint32_t kMul1 = 0xCD9E8D57u;
inline constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
inline constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1

// The high and low 32 bits of a * b.
EMBER_HOST_DEVICE inline void mul_hi_lo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t product = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

// One Philox round of the counter under the round key.
EMBER_HOST_DEVICE inline Block round(const Block& ctr, uint32_t key0, uint32_t key1) {
  uint32_t hi0, lo0, hi1, lo1;
  mul_hi_lo(kMul0, ctr.word[0], hi0, lo0);
  mul_hi_lo(kMul1, ctr.word[2], hi1, lo1);
  return Block{{hi1 ^ ctr.word[1] ^ key0, lo1, hi0 ^ ctr.word[3] ^ key1, lo0}};
}

// Philox4x32 with 10 rounds: the Random123 function philox4x32_10(counter, key).
EMBER_HOST_DEVICE inline Block philox4x32_10(Block ctr, uint32_t key0, uint32_t key1) {
  ctr = round(ctr, key0, key1);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int r = 1; r < 10; ++r) {
    key0 += kWeyl0;
    key1 += kWeyl1;
    ctr = round(ctr, key0, key1);
  }
  return ctr;
}

// The words of counter block `block` of a stream keyed by `seed` (see Note [Philox counters]).
EMBER_HOST_DEVICE inline Block philox_block(uint64_t seed, uint64_t block) {
  const Block ctr{{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0u, 0u}};
  return philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Block `index` counted from the first block an op reserved.
EMBER_HOST_DEVICE inline Block philox_block(const PhiloxState& state, uint64_t index) {
  return philox_block(state.seed, state.offset + index);
}

}  // namespace ember::philox
