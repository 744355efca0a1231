// The bodies of Ember's CUDA reductions, as __host__ __device__ functions of explicit positions
// (output, group, lane): the kernels of reduce_launch.cuh run them on the GPU, and
// tests/cuda/reduce_body_test.cpp runs them in plain CPU loops (with the same tree of combines)
// against the CPU kernels, so their indexing and math run in CI. Free of CUDA headers.
//
// Note [CUDA reduction layout]
// A reduction (a ReduceIter, core/tensor_iterator.h) is cut into work as follows; every choice
// depends on the shape alone (and on the input pointer's alignment for the vector path), so a
// result is the same run after run, as on the CPU (Note [Deterministic reductions]).
// - A block of outputs_per_block * lanes threads computes outputs_per_block outputs; the `lanes`
//   threads of one output each fold a part of its reduced range into an accumulator, then the
//   lanes are combined as a tree in shared memory (lane l with lane l + w, w = lanes/2, ..., 1).
// - Rows (the innermost reduced dim is contiguous, or nothing fits columns): the lanes of one
//   output are adjacent threads (lanes 32..256), so a warp reads a contiguous run of the row.
//   Lane l folds reduced indices l, l + lanes, l + 2 lanes, ...; when the row is contiguous and
//   16-byte aligned it reads whole 16-byte vectors instead (vector v = l, l + lanes, ...; four
//   loads in flight per thread) and the last partial vector's elements go one per lane.
// - Columns (the innermost kept dim is contiguous in the input, e.g. a sum over the batch dim of
//   [N, C]), and tiny reductions (16 elements or fewer): adjacent threads take adjacent outputs,
//   so a warp reads a contiguous run of outputs at one reduced index; the lanes of an output
//   (at most 8) split its reduced range the same way.
// - Groups: when the outputs alone give fewer than ReduceLimits::target_blocks blocks of work (a
//   full reduction, or a few long rows or columns), each output's reduced range is cut into
//   `groups` ranges of group_size elements (a multiple of 16). Each (block of outputs, group) pair
//   writes a partial accumulator, and a second kernel combines the partials of each output in
//   group order (32 lanes per output, lane l taking groups l, l + 32, ..., then the tree). No
//   atomics: two passes, each of fixed shape.
// - The grid is only as large as the GPU holds at once (occupancy times SMs); its blocks stride
//   over the (block of outputs, group) pairs. Which block computes a pair never changes what the
//   pair computes, so the grid may differ between GPUs and the results do not.
// Each accumulator receives its elements in increasing reduced index (kernels/reduce_functors.h),
// so arg-reductions keep the first of equal values; combine() settles ties between lanes and
// groups by index.
#pragma once

#include <algorithm>
#include <cstdint>

#include "ember/core/tensor_iterator.h"
#include "kernels/cuda/elementwise_body.h"
#include "kernels/reduce_functors.h"

namespace ember::cuda {

// Threads of a reduction block at most.
inline constexpr int kReduceThreads = 256;
// Lanes of the second pass (one warp per output).
inline constexpr int kReduceFinalLanes = 32;

// The shape-only constants that cut a reduction into blocks (tests pass smaller ones to reach
// several groups on small tensors).
struct ReduceLimits {
  // Blocks of work a reduction is cut into at least (when its range allows): several per block
  // that a GPU holds at once (about 1000 on an H100), so that a grid striding over them ends
  // nearly together.
  int64_t target_blocks = 4096;
  // Partial results per output at most.
  int64_t max_groups = 4096;
  // Reduced elements per group at least.
  int64_t min_group = 8192;
};

struct ReducePlan {
  bool lanes_inner = true;    // rows: the lanes of an output are adjacent threads
  int lanes = 1;              // threads folding one output (a power of two)
  int outputs_per_block = 1;  // lanes * outputs_per_block <= kReduceThreads
  int vector = 0;             // elements per 16-byte load on the vector path, 0: scalar path
  int64_t out_blocks = 0;     // blocks of outputs: ceil(out_numel / outputs_per_block)
  int64_t groups = 1;         // parts of each reduced range; > 1: partials and a second pass
  int64_t group_size = 0;     // reduced elements per group

  int threads() const { return lanes * outputs_per_block; }
};

namespace reduce_plan_detail {
inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}
inline int64_t pow2_ceil(int64_t v) {
  int64_t p = 1;
  while (p < v) p *= 2;
  return p;
}
inline int64_t pow2_floor(int64_t v) {
  int64_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}
}  // namespace reduce_plan_detail

// The layout of a reduction whose input elements are `in_size` bytes (Note [CUDA reduction
// layout]).
inline ReducePlan make_reduce_plan(const ReduceIter& it, int in_size,
                                   const ReduceLimits& limits = {}) {
  using namespace reduce_plan_detail;
  ReducePlan p;
  const int64_t red = it.red_numel;
  const bool red_contiguous = it.red_ndim > 0 && it.red_strides_in[0] == 1;
  const bool kept_contiguous = it.out_ndim > 0 && it.out_strides_in[0] == 1;
  if ((!red_contiguous && kept_contiguous) || red <= 16) {
    p.lanes_inner = false;
    const int64_t cols = kept_contiguous ? it.out_shape[0] : it.out_numel;
    p.outputs_per_block = static_cast<int>(std::min<int64_t>(kReduceThreads, pow2_ceil(cols)));
    p.lanes = static_cast<int>(std::min<int64_t>(kReduceThreads / p.outputs_per_block,
                                                 pow2_floor(std::max<int64_t>(1, red / 4))));
    if (red <= 16) p.lanes = 1;
  } else {
    p.lanes_inner = true;
    p.lanes = static_cast<int>(std::clamp<int64_t>(
        pow2_ceil(ceil_div(std::max<int64_t>(red, 1), 16)), 32, kReduceThreads));
    p.outputs_per_block = kReduceThreads / p.lanes;
  }
  p.out_blocks = ceil_div(it.out_numel, p.outputs_per_block);
  p.groups = 1;
  if (p.out_blocks < limits.target_blocks && red > limits.min_group) {
    p.groups = std::min({ceil_div(red, limits.min_group),
                         ceil_div(limits.target_blocks, p.out_blocks), limits.max_groups});
  }
  p.group_size = std::max<int64_t>(16, ceil_div(ceil_div(red, p.groups), 16) * 16);
  p.groups = std::max<int64_t>(1, ceil_div(red, p.group_size));

  // The vector path: contiguous rows whose every start is 16-byte aligned.
  const int vec = 16 / in_size;
  bool aligned = p.lanes_inner && it.red_ndim == 1 && it.red_strides_in[0] == 1 && vec > 1 &&
                 reinterpret_cast<uintptr_t>(it.in) % 16 == 0 && red >= vec * 4;
  for (int d = 0; d < it.out_ndim && aligned; ++d) aligned = it.out_strides_in[d] % vec == 0;
  p.vector = aligned ? vec : 0;
  return p;
}

// The input and output offsets of output o (ReduceIter::in_offset_of_out, unrolled to the fixed
// bound so that the iterator, a kernel parameter, is read at constant indices).
EMBER_HOST_DEVICE inline int64_t output_offsets(const ReduceIter& it, int64_t o, int64_t* off_out) {
  int64_t off_in = 0, off = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int d = 0; d < kMaxIterDims; ++d) {
    if (d == it.out_ndim) break;
    const int64_t idx = o % it.out_shape[d];
    o /= it.out_shape[d];
    off_in += idx * it.out_strides_in[d];
    off += idx * it.out_strides_out[d];
  }
  *off_out = off;
  return off_in;
}

// Folds reduced indices r = first, first + step, ... (< end) at input offsets from `base`: the
// reduced dims are walked by a cursor that divides only when it carries into an outer dim.
template <typename In, typename Op>
EMBER_HOST_DEVICE inline typename Op::acc_t fold_strided(const ReduceIter& it, const Op& op,
                                                         typename Op::acc_t acc, const In* base,
                                                         int64_t first, int64_t end, int64_t step) {
  using V = typename Op::value_t;
  if (first >= end) return acc;
  if (it.red_ndim <= 1) {
    const int64_t stride = it.red_ndim == 1 ? it.red_strides_in[0] : 0;
    for (int64_t r = first; r < end; r += step)
      acc = op.reduce(acc, load_reduce_value<V>(base[r * stride]), r);
    return acc;
  }
  int64_t idx[kMaxIterDims];
  int64_t off = 0;
  {
    int64_t rem = first;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = 0; d < kMaxIterDims; ++d) {
      if (d == it.red_ndim) break;
      idx[d] = rem % it.red_shape[d];
      rem /= it.red_shape[d];
      off += idx[d] * it.red_strides_in[d];
    }
  }
  for (int64_t r = first; r < end; r += step) {
    acc = op.reduce(acc, load_reduce_value<V>(base[off]), r);
    // Advance the cursor by `step` reduced indices.
    int64_t carry = step;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = 0; d < kMaxIterDims; ++d) {
      if (d == it.red_ndim || carry == 0) break;
      idx[d] += carry;
      off += carry * it.red_strides_in[d];
      if (idx[d] < it.red_shape[d] || d == it.red_ndim - 1) break;
      carry = idx[d] / it.red_shape[d];
      idx[d] -= carry * it.red_shape[d];
      off -= carry * it.red_shape[d] * it.red_strides_in[d];
    }
  }
  return acc;
}

// Combines lanes[0, n) pairwise into lanes[0] (n a power of two), in the order the GPU's
// shared-memory tree combines them: lane l with lane l + w for w = n/2, ..., 1.
template <typename Op>
EMBER_HOST_DEVICE inline typename Op::acc_t tree_combine(const Op& op, typename Op::acc_t* lanes,
                                                         int n) {
  for (int w = n / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] = op.combine(lanes[l], lanes[l + w]);
  return lanes[0];
}

// Writes one result (and its index for arg-reductions) at element offset off of the outputs.
template <typename Out, typename Op>
EMBER_HOST_DEVICE inline void store_reduced(const Op& op, void* out, void* index, int64_t off,
                                            typename Op::acc_t acc) {
  if constexpr (Op::kIndexed) {
    const auto r = op.project(acc);
    if (out != nullptr) static_cast<Out*>(out)[off] = static_cast<Out>(r.value);
    if (index != nullptr) static_cast<int64_t*>(index)[off] = r.index;
  } else {
    static_cast<Out*>(out)[off] = static_cast<Out>(op.project(acc));
  }
}

// The first pass: what thread (output o, group g, lane l) folds, and where a block writes.
template <typename In, typename Out, typename Op>
struct ReduceBody {
  using Acc = typename Op::acc_t;
  using Value = typename Op::value_t;
  ReduceIter it;
  Op op;
  ReducePlan plan;
  Acc* partials = nullptr;  // [out_numel, groups] when groups > 1

  // The output slot and lane of thread t of a block, and the shared-memory slot of (s, l).
  EMBER_HOST_DEVICE void slot_of(int t, int* s, int* l) const {
    if (plan.lanes_inner) {
      *s = t / plan.lanes;
      *l = t % plan.lanes;
    } else {
      *s = t % plan.outputs_per_block;
      *l = t / plan.outputs_per_block;
    }
  }
  EMBER_HOST_DEVICE int slot(int s, int l) const {
    return plan.lanes_inner ? s * plan.lanes + l : l * plan.outputs_per_block + s;
  }

  // Lane l's fold of group g of output o.
  EMBER_HOST_DEVICE Acc thread_partial(int64_t o, int64_t g, int l) const {
    int64_t off_out;
    const In* base = static_cast<const In*>(it.in) + output_offsets(it, o, &off_out);
    const int64_t a = g * plan.group_size;
    const int64_t b = a + plan.group_size < it.red_numel ? a + plan.group_size : it.red_numel;
    Acc acc = op.identity();
    if (plan.vector == 0) return fold_strided<In>(it, op, acc, base, a + l, b, plan.lanes);
    switch (plan.vector) {
      case 16:
        return fold_vectors<16>(acc, base, a, b, l);
      case 8:
        return fold_vectors<8>(acc, base, a, b, l);
      case 4:
        return fold_vectors<4>(acc, base, a, b, l);
      default:
        return fold_vectors<2>(acc, base, a, b, l);
    }
  }

  // Where a block's result for (o, g) goes: the output, or the partials of the second pass.
  EMBER_HOST_DEVICE void finish(int64_t o, int64_t g, Acc acc) const {
    if (plan.groups > 1) {
      partials[o * plan.groups + g] = acc;
      return;
    }
    int64_t off_out;
    output_offsets(it, o, &off_out);
    store_reduced<Out>(op, it.out, it.out_index, off_out, acc);
  }

 private:
  // Elements [a, b) of a contiguous row at `row` (16-byte aligned, a a multiple of kVec): lane l
  // folds vectors l, l + lanes, ... (four loads in flight), then one element of the last
  // partial vector.
  template <int kVec>
  EMBER_HOST_DEVICE Acc fold_vectors(Acc acc, const In* row, int64_t a, int64_t b, int l) const {
    using Vec = AlignedVector<In, kVec>;
    const int64_t lanes = plan.lanes;
    const int64_t vb = b / kVec;
    int64_t v = a / kVec + l;
    for (; v + 3 * lanes < vb; v += 4 * lanes) {
      Vec x[4];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int k = 0; k < 4; ++k) x[k] = load_vector<Vec>(row + (v + k * lanes) * kVec);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int k = 0; k < 4; ++k) {
        const int64_t r0 = (v + k * lanes) * kVec;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (int j = 0; j < kVec; ++j)
          acc = op.reduce(acc, load_reduce_value<Value>(x[k].v[j]), r0 + j);
      }
    }
    for (; v < vb; v += lanes) {
      const Vec x = load_vector<Vec>(row + v * kVec);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int j = 0; j < kVec; ++j)
        acc = op.reduce(acc, load_reduce_value<Value>(x.v[j]), v * kVec + j);
    }
    const int64_t tail = vb * kVec + l;
    if (tail >= a && tail < b) acc = op.reduce(acc, load_reduce_value<Value>(row[tail]), tail);
    return acc;
  }
};

// The second pass: output o's partials combined in group order by kReduceFinalLanes lanes.
template <typename Out, typename Op>
struct ReduceFinalBody {
  using Acc = typename Op::acc_t;
  ReduceIter it;
  Op op;
  const Acc* partials;
  int64_t groups;

  EMBER_HOST_DEVICE Acc lane_partial(int64_t o, int l) const {
    Acc acc = op.identity();
    for (int64_t g = l; g < groups; g += kReduceFinalLanes)
      acc = op.combine(acc, partials[o * groups + g]);
    return acc;
  }
  EMBER_HOST_DEVICE void finish(int64_t o, Acc acc) const {
    int64_t off_out;
    output_offsets(it, o, &off_out);
    store_reduced<Out>(op, it.out, it.out_index, off_out, acc);
  }
};

}  // namespace ember::cuda
