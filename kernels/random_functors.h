// The math of the random fills, once, as __host__ __device__ code: which Philox words element i
// of an op reads (Note [Random element mapping]) and how those words become a value of each dtype.
// The CPU kernels (kernels/cpu/random_kernels.cpp) and the CUDA kernels run exactly this code, so
// the same seed gives bit-identical rand, randint and bernoulli on every device (randn too, up to
// the last bit of the device's log and cos).
//
// Note [Random element mapping]
// A transform reads kWords consecutive 32-bit words per element (1, 2 or 4). Element i of an op
// whose first reserved block is state.offset reads block state.offset + i / (4 / kWords), words
// (i % (4 / kWords)) * kWords onwards. core/factories.cpp reserves ceil(numel * kWords / 4) blocks
// per op (uniform_blocks_x4, normal_blocks_x4 and random_: the same kWords as below), so ops never
// share a block, and the value of element i depends only on (seed, offset, i): not on the shape,
// the thread count or the device.
//   uniform:    float32, float16, bfloat16: 1 word; float64: 2 words
//   normal:     float32, float16, bfloat16: 2 words; float64: 4 words
//   bernoulli:  1 word, every dtype
//   random_int: 1 word when high - low <= 2^32, else 2 words (read as (w0 << 32) | w1)
#pragma once

#include <math.h>

#include <cstdint>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"
#include "kernels/philox.h"

namespace ember::rng {

// ---- uniform bits to numbers ----

// The top 24 bits of w as a float in [0, 1): every value is exact, 1 is never produced.
EMBER_HOST_DEVICE inline float unit_float(uint32_t w) {
  return static_cast<float>(w >> 8) * 5.9604644775390625e-8f;  // 2^-24
}

// The top 53 bits of (hi << 32) | lo as a double in [0, 1).
EMBER_HOST_DEVICE inline double unit_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32) | lo;
  return static_cast<double>(bits >> 11) * 1.1102230246251565e-16;  // 2^-53
}

// ---- keeping `to` out of [from, to) ----
// from + u * (to - from) can round up to `to` (or, in half types, past it): such a value becomes
// the largest value of the type below `to`. from == to gives from.

EMBER_HOST_DEVICE inline float below_upper(float v, float from, float to) {
  if (v < to) return v;
  return from < to ? ::nextafterf(to, from) : from;
}

EMBER_HOST_DEVICE inline double below_upper(double v, double from, double to) {
  if (v < to) return v;
  return from < to ? ::nextafter(to, from) : from;
}

// The next value toward -infinity of a finite Half or BFloat16 (sign-magnitude bits).
template <typename R>
EMBER_HOST_DEVICE inline R next_down(R r) {
  const uint16_t b = r.bits;
  if ((b & 0x7fffu) == 0) return R::from_bits(0x8001u);  // +-0 -> the smallest negative value
  return R::from_bits(static_cast<uint16_t>((b & 0x8000u) ? b + 1u : b - 1u));
}

// v (in [from, to) as a float) rounded to R, kept below `to` after the rounding.
template <typename R>
EMBER_HOST_DEVICE inline R round_below_upper(float v, float from, float to) {
  R r(v);
  if (!(static_cast<float>(r) >= to) || !(from < to)) return r;
  const R down = next_down(r);
  return static_cast<float>(down) >= from ? down : R(from);
}

// ---- uniform in [from, to) ----

template <typename T>
struct UniformTransform {
  static constexpr int kWords = std::is_same_v<T, double> ? 2 : 1;
  using Compute = std::conditional_t<std::is_same_v<T, double>, double, float>;
  Compute from, to;

  EMBER_HOST_DEVICE UniformTransform(double from_, double to_)
      : from(static_cast<Compute>(from_)), to(static_cast<Compute>(to_)) {}

  EMBER_HOST_DEVICE T operator()(const uint32_t* w) const {
    if constexpr (std::is_same_v<T, double>) {
      return below_upper(::fma(unit_double(w[0], w[1]), to - from, from), from, to);
    } else {
      const float v = below_upper(::fmaf(unit_float(w[0]), to - from, from), from, to);
      if constexpr (std::is_same_v<T, float>) {
        return v;
      } else {
        return round_below_upper<T>(v, from, to);
      }
    }
  }
};

// ---- normal(mean, std) by Box-Muller ----

// sqrt(-2 log u1) cos(2 pi u2) for u1 in (0, 1] (so log never sees 0) and u2 in [0, 1).
EMBER_HOST_DEVICE inline double box_muller(double u1, double u2) {
  return ::sqrt(-2.0 * ::log(u1)) * ::cos(6.283185307179586 * u2);
}

// float32 and the half types use two whole words (u1 = (w0 + 1) 2^-32, u2 = w1 2^-32), float64
// four (53 bits each); the math is in double and the result rounds once to float (then to the
// half type), so CPU and CUDA agree except where their log or cos differ in the last double bit.
template <typename T>
struct NormalTransform {
  static constexpr int kWords = std::is_same_v<T, double> ? 4 : 2;
  double mean, std;

  EMBER_HOST_DEVICE NormalTransform(double mean_, double std_) : mean(mean_), std(std_) {}

  EMBER_HOST_DEVICE T operator()(const uint32_t* w) const {
    if constexpr (std::is_same_v<T, double>) {
      const double u1 = 1.1102230246251565e-16 + unit_double(w[0], w[1]);  // (0, 1]
      return ::fma(box_muller(u1, unit_double(w[2], w[3])), std, mean);
    } else {
      const double u1 = (static_cast<double>(w[0]) + 1.0) * 2.3283064365386963e-10;  // 2^-32
      const double u2 = static_cast<double>(w[1]) * 2.3283064365386963e-10;
      const float v = static_cast<float>(::fma(box_muller(u1, u2), std, mean));
      return static_cast<T>(v);
    }
  }
};

// ---- bernoulli(p): 1 with probability p ----

template <typename T>
struct BernoulliTransform {
  static constexpr int kWords = 1;
  double p;

  EMBER_HOST_DEVICE explicit BernoulliTransform(double p_) : p(p_) {}

  // w 2^-32 is exact in [0, 1): p = 0 never gives 1, p = 1 always does.
  EMBER_HOST_DEVICE T operator()(const uint32_t* w) const {
    const bool one = static_cast<double>(w[0]) * 2.3283064365386963e-10 < p;
    if constexpr (std::is_same_v<T, bool>) {
      return one;
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(one ? 1 : 0);
    } else {
      return static_cast<T>(one ? 1.0f : 0.0f);
    }
  }
};

// ---- integers uniform in [low, high) ----

// Words an element of random_int takes for a range of high - low values.
EMBER_HOST_DEVICE constexpr int random_int_words(uint64_t range) {
  return range > (uint64_t{1} << 32) ? 2 : 1;
}

// low + (bits mod range), with 32 bits (kWords = 1) or 64 bits (kWords = 2); floating types hold
// the integer, bool holds value != 0. The op checks that [low, high) fits the dtype.
template <typename T, int Words>
struct RandomIntTransform {
  static constexpr int kWords = Words;
  int64_t low;
  uint64_t range;

  EMBER_HOST_DEVICE RandomIntTransform(int64_t low_, int64_t high_)
      : low(low_), range(static_cast<uint64_t>(high_) - static_cast<uint64_t>(low_)) {}

  EMBER_HOST_DEVICE T operator()(const uint32_t* w) const {
    uint64_t bits = w[0];
    if constexpr (Words == 2) bits = (bits << 32) | w[1];
    const int64_t value = static_cast<int64_t>(static_cast<uint64_t>(low) + bits % range);
    if constexpr (std::is_same_v<T, bool>) {
      return value != 0;
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(value);
    } else if constexpr (std::is_same_v<T, double>) {
      return static_cast<double>(value);
    } else {
      return static_cast<T>(static_cast<float>(value));
    }
  }
};

// ---- element i on its own (Note [Random element mapping]) ----

// The Philox block (counted from state.offset) that element i of a transform reads.
template <typename Transform>
EMBER_HOST_DEVICE inline uint64_t element_block(uint64_t i) {
  return i / (4 / Transform::kWords);
}

// The first word of that block that element i reads.
template <typename Transform>
EMBER_HOST_DEVICE inline int element_first_word(uint64_t i) {
  return static_cast<int>(i % (4 / Transform::kWords)) * Transform::kWords;
}

// The value of element i: what one CUDA thread per element computes.
template <typename Transform>
EMBER_HOST_DEVICE inline auto random_element(const PhiloxState& state, uint64_t i,
                                             const Transform& transform) {
  const philox::Block block = philox::philox_block(state, element_block<Transform>(i));
  return transform(&block.word[element_first_word<Transform>(i)]);
}

}  // namespace ember::rng
