// The bodies of the CUDA fills (random_kernels.cu): random fills and ranges, as __host__
// __device__ functions of an explicit work-item index. The thin __global__ wrapper of
// elementwise_launch.cuh runs them on the GPU and tests/cuda/fill_body_test.cpp runs them in a
// plain CPU loop against the CPU kernels. Free of CUDA headers.
//
// A random work item is one Philox block: it computes the block's four words once and writes the
// 4 / kWords elements that read them (Note [Random element mapping] in kernels/random_functors.h),
// so the values are those of rng::random_element, bit for bit.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/philox.h"
#include "kernels/random_functors.h"
#include "kernels/range_functors.h"

namespace ember::cuda {

// out[i] = transform(the words of element i), out contiguous of n elements.
template <typename T, typename Transform>
struct RandomFillBody {
  static constexpr int64_t kPerBlock = 4 / Transform::kWords;
  T* out;
  int64_t n;
  PhiloxState state;
  Transform transform;

  int64_t work_items() const { return (n + kPerBlock - 1) / kPerBlock; }

  EMBER_HOST_DEVICE void operator()(int64_t b) const {
    const philox::Block block = philox::philox_block(state, static_cast<uint64_t>(b));
    const int64_t first = b * kPerBlock;
    if (first + kPerBlock <= n) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int64_t j = 0; j < kPerBlock; ++j)
        out[first + j] = transform(&block.word[j * Transform::kWords]);
    } else {
      for (int64_t j = 0; first + j < n; ++j)
        out[first + j] = transform(&block.word[j * Transform::kWords]);
    }
  }
};

template <typename T, typename Transform>
inline RandomFillBody<T, Transform> make_random_fill_body(T* out, int64_t n, PhiloxState state,
                                                          const Transform& transform) {
  return RandomFillBody<T, Transform>{out, n, state, transform};
}

// out[i] = range(i), out contiguous (arange and linspace).
template <typename T>
struct RangeFillBody {
  T* out;
  RangeFunctor<T> range;

  int64_t work_items() const { return range.n; }
  EMBER_HOST_DEVICE void operator()(int64_t i) const { out[i] = range(i); }
};

}  // namespace ember::cuda
