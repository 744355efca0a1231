// Deterministic reductions across a group of threads that works on one row (a warp, or a whole
// block of up to 1024 threads), for the softmax, loss and normalization kernels. GPU-only (warp
// shuffles, shared memory); listed in tests/cuda/README.md.
//
// Note [Deterministic group reductions]
// Each thread first folds its own elements in a fixed order; the group then combines the
// per-thread values with a butterfly of warp shuffles (every lane ends with the same value) and,
// for groups of several warps, thread by thread over the per-warp values in warp order. The
// order of every addition depends only on the group size and the row length, never on timing,
// so results are bit-identical from run to run. No atomics.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

namespace ember::cuda {

struct SumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a + b;
  }
};

// max that lets NaN through, as the CPU kernels' max does.
struct MaxNanOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return (b > a || b != b) ? b : a;
  }
};

template <typename T>
__device__ inline T max_nan(T a, T b) {
  return MaxNanOp{}(a, b);
}

// The reduction of v over the group of kGroup threads (32: one warp, threadIdx.x < 32; more: the
// whole block, blockDim.x == kGroup, blockDim.y == 1). Every thread of the group gets the result.
// shared: kGroup / 32 slots of block shared memory (unused for a warp).
template <int kGroup, typename T, typename Op>
__device__ inline T group_reduce(T v, Op op, T* shared) {
  static_assert(kGroup % 32 == 0 && kGroup <= 1024, "a group is whole warps of one block");
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  if constexpr (kGroup == 32) {
    return v;
  } else {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();  // the slots may still be read by a previous reduction
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = shared[0];
#pragma unroll
    for (int w = 1; w < kGroup / 32; ++w) v = op(v, shared[w]);
    return v;
  }
}

// A partial softmax denominator: the sum of exp(x - max) over some elements, and that max.
template <typename Acc>
struct MaxSum {
  Acc max;
  Acc sum;
};

// sum * exp(from - to), or 0 for an empty partial (sum 0: max may be -inf).
template <typename Acc>
__device__ inline Acc rescale(Acc sum, Acc from, Acc to) {
  return sum == Acc(0) ? Acc(0) : sum * exp(from - to);
}

// Adds element v to a partial (online softmax): one exp per element, and one more each time the
// maximum grows (a handful of times per row). A NaN element makes the sum NaN, -inf elements add
// nothing (so a row of -inf keeps sum 0, which log_sum_exp_of turns into NaN as the CPU gives).
template <typename Acc>
__device__ inline void add_to_max_sum(MaxSum<Acc>& ms, Acc v) {
  if (v > ms.max) {
    ms.sum = rescale(ms.sum, ms.max, v);
    ms.max = v;
  }
  if (v != Acc(-INFINITY)) ms.sum += exp(v - ms.max);
}

template <typename Acc>
__device__ inline MaxSum<Acc> combine_max_sum(MaxSum<Acc> a, MaxSum<Acc> b) {
  const Acc m = max_nan(a.max, b.max);
  return {m, rescale(a.sum, a.max, m) + rescale(b.sum, b.max, m)};
}

// group_reduce of partial softmax denominators.
template <int kGroup, typename Acc>
__device__ inline MaxSum<Acc> group_reduce_max_sum(MaxSum<Acc> v, Acc* shared_max,
                                                   Acc* shared_sum) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    const MaxSum<Acc> other{__shfl_xor_sync(0xffffffffu, v.max, offset),
                            __shfl_xor_sync(0xffffffffu, v.sum, offset)};
    v = combine_max_sum(v, other);
  }
  if constexpr (kGroup == 32) {
    return v;
  } else {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();
    if (lane == 0) {
      shared_max[warp] = v.max;
      shared_sum[warp] = v.sum;
    }
    __syncthreads();
    v = {shared_max[0], shared_sum[0]};
#pragma unroll
    for (int w = 1; w < kGroup / 32; ++w)
      v = combine_max_sum(v, MaxSum<Acc>{shared_max[w], shared_sum[w]});
    return v;
  }
}

// log(sum exp(x)) from a whole row's partial; NaN when every element is -inf, as the CPU's
// exp(-inf - -inf) gives.
template <typename Acc>
__device__ inline Acc log_sum_exp_of(MaxSum<Acc> v) {
  return v.sum == Acc(0) ? Acc(NAN) : v.max + log(v.sum);
}

}  // namespace ember::cuda
