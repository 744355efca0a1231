// The generic CPU loop of reductions: runs a reduction functor (kernels/reduce_functors.h) over
// a ReduceIter. Two layouts, both split over OpenMP threads:
//   rows:    the innermost reduced dim is walked linearly: a long contiguous row by a SIMD loop
//            over independent accumulators (lanes), a short or strided row by four
//            accumulators in registers; the other reduced dims are walked row by row. Row sums,
//            full reductions, and every layout that fits no better shape.
//   columns: the innermost kept dim is contiguous in the input (sum over the batch dim of
//            [N, C]): each reduced index adds a contiguous run of inputs into a tile of output
//            accumulators, vectorised over the outputs.
//
// Note [Deterministic reductions]
// The result of each output is defined by the shape alone: its reduced range is cut into groups
// of fixed size (kReduceGroup elements for rows, kReduceColumnGroup reduced indices for columns),
// each group is folded from identity(), and the group results are combined left to right. Threads
// only decide who computes which (output, group) pair, never how values associate, so a result is
// the same on 1 or 64 threads and run after run. No atomics.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>

#include "ember/core/macros.h"
#include "ember/core/tensor_iterator.h"
#include "kernels/cpu/parallel.h"
#include "kernels/reduce_functors.h"

namespace ember::cpu {

// Row layout: input elements folded into one partial result. This bounds the error of long
// float sums: each group is folded in several lanes, each in the accumulator type (double for
// float32), and the groups are then combined.
inline constexpr int64_t kReduceGroup = 16384;
// Column layout: reduced indices folded into one partial result, and outputs per tile.
inline constexpr int64_t kReduceColumnGroup = 1024;
inline constexpr int64_t kReduceTile = 1024;

namespace reduce_detail {

// A multi-index over `ndim` dims (innermost first) carried forward one step at a time, with the
// element offsets it gives in two operands (stride_b may be null).
struct Odometer {
  int ndim = 0;
  const int64_t* shape = nullptr;
  const int64_t* stride_a = nullptr;
  const int64_t* stride_b = nullptr;
  int64_t idx[kMaxIterDims];  // only [0, ndim) is used
  int64_t off_a = 0, off_b = 0;

  Odometer(int n, const int64_t* sh, const int64_t* sa, const int64_t* sb, int64_t linear)
      : ndim(n), shape(sh), stride_a(sa), stride_b(sb) {
    for (int d = 0; d < ndim; ++d) {
      idx[d] = linear % shape[d];
      linear /= shape[d];
      off_a += idx[d] * stride_a[d];
      if (stride_b) off_b += idx[d] * stride_b[d];
    }
  }
  void next() {
    for (int d = 0; d < ndim; ++d) {
      off_a += stride_a[d];
      if (stride_b) off_b += stride_b[d];
      if (++idx[d] < shape[d]) return;
      off_a -= idx[d] * stride_a[d];
      if (stride_b) off_b -= idx[d] * stride_b[d];
      idx[d] = 0;
    }
  }
};

// Writes one output (and its index for arg-reductions; either pointer may be null).
template <typename Out, typename Op>
inline void store(const Op& op, Out* out, int64_t* index, int64_t off, typename Op::acc_t acc) {
  if constexpr (Op::kIndexed) {
    const auto r = op.project(acc);
    if (out) out[off] = static_cast<Out>(r.value);
    if (index) index[off] = r.index;
  } else {
    out[off] = static_cast<Out>(op.project(acc));
  }
}

// Drives a layout over threads (Note [Deterministic reductions]). A Layout has nblocks blocks of
// at most block_size outputs, ngroups groups per block and work_per_block input elements, and:
//   run_range(b0, b1)       computes and writes blocks [b0, b1), folding their groups in order
//   compute(b, g, partial)  folds group g of block b into partial[0, width(b))
//   write(b, total)         writes block b's results
template <typename Op, typename Layout>
void drive(const Op& op, const Layout& layout) {
  using Acc = typename Op::acc_t;
  const int threads = max_threads();
  const bool few_blocks = layout.nblocks < 4 * static_cast<int64_t>(threads);
  const bool small = layout.nblocks * layout.work_per_block < 2 * kParallelGrain;
  if (layout.ngroups == 1 || !few_blocks || small || threads <= 1 || in_parallel_region()) {
    const int64_t grain =
        std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, layout.work_per_block));
    parallel_for(0, layout.nblocks, grain,
                 [&](int64_t b0, int64_t b1) { layout.run_range(b0, b1); });
    return;
  }
  // Few blocks with many groups (a full reduction): every (block, group) partial in parallel,
  // then each block's partials combined in group order.
  const int64_t bs = layout.block_size;
  const int64_t ntasks = layout.nblocks * layout.ngroups;
  // (unique_ptr rather than std::vector, whose bool form packs bits.)
  std::unique_ptr<Acc[]> partials(new Acc[ntasks * bs]);
  parallel_for(0, ntasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      layout.compute(t / layout.ngroups, t % layout.ngroups, partials.get() + t * bs);
  });
  std::unique_ptr<Acc[]> total(new Acc[bs]);
  for (int64_t b = 0; b < layout.nblocks; ++b) {
    const int64_t w = layout.width(b);
    for (int64_t c = 0; c < w; ++c) total[c] = op.identity();
    for (int64_t g = 0; g < layout.ngroups; ++g) {
      const Acc* p = partials.get() + (b * layout.ngroups + g) * bs;
      for (int64_t c = 0; c < w; ++c) total[c] = op.combine(total[c], p[c]);
    }
    layout.write(b, total.get());
  }
}

// Folds elements [a, b) of a row (element i at p[i * stride], reduced index index_base + i) into
// kLanes independent accumulators, so a contiguous row vectorises (one SIMD lane per
// accumulator; each lane still folds its elements in order) and float chains overlap.
template <int kLanes, bool kContiguous, typename In, typename Op>
inline void fold_row(const Op& op, typename Op::acc_t* __restrict lanes, const In* __restrict p,
                     int64_t stride, int64_t a, int64_t b, int64_t index_base) {
  using V = typename Op::value_t;
  using Acc = typename Op::acc_t;
  const int64_t s = kContiguous ? 1 : stride;
  int64_t i = a;
  if constexpr (Op::kIndexed) {
    // Values and indices in separate arrays, so each becomes one SIMD register.
    V values[kLanes];
    int64_t indices[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      values[l] = lanes[l].value;
      indices[l] = lanes[l].index;
    }
    for (; i + kLanes <= b; i += kLanes) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        const Acc r = op.reduce(Acc{values[l], indices[l]}, load_reduce_value<V>(p[(i + l) * s]),
                                index_base + i + l);
        values[l] = r.value;
        indices[l] = r.index;
      }
    }
    for (int l = 0; l < kLanes; ++l) lanes[l] = Acc{values[l], indices[l]};
  } else {
    Acc acc[kLanes];
    for (int l = 0; l < kLanes; ++l) acc[l] = lanes[l];
    for (; i + kLanes <= b; i += kLanes) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l)
        acc[l] = op.reduce(acc[l], load_reduce_value<V>(p[(i + l) * s]), index_base + i + l);
    }
    for (int l = 0; l < kLanes; ++l) lanes[l] = acc[l];
  }
  for (int l = 0; i < b; ++i, ++l)
    lanes[l] = op.reduce(lanes[l], load_reduce_value<V>(p[i * s]), index_base + i);
}

// Combines kLanes accumulators pairwise (a tree of depth log2(kLanes), not a chain).
template <int kLanes, typename Op>
inline typename Op::acc_t fold_lanes(const Op& op, typename Op::acc_t* lanes) {
  for (int width = kLanes / 2; width >= 1; width /= 2)
    for (int l = 0; l < width; ++l) lanes[l] = op.combine(lanes[l], lanes[l + width]);
  return lanes[0];
}

// Rows: each output folds red_numel / L rows of L elements (the innermost reduced dim).
template <typename In, typename Out, typename Op, bool kContiguous>
struct RowLayout {
  static constexpr int64_t kShortRow = 64;
  using Acc = typename Op::acc_t;
  const ReduceIter& it;
  const Op& op;
  const In* in;
  Out* out;
  int64_t* index;
  int64_t row_len, row_stride, rows;
  int64_t segments;        // groups per row (long rows), or
  int64_t rows_per_group;  // rows per group (short rows)
  int64_t nblocks, ngroups, work_per_block;
  static constexpr int64_t block_size = 1;

  RowLayout(const ReduceIter& iter, const Op& o)
      : it(iter),
        op(o),
        in(static_cast<const In*>(iter.in)),
        out(static_cast<Out*>(iter.out)),
        index(static_cast<int64_t*>(iter.out_index)) {
    row_len = it.red_ndim > 0 ? it.red_shape[0] : 1;
    row_stride = it.red_ndim > 0 ? it.red_strides_in[0] : 0;
    rows = it.red_numel / row_len;
    if (row_len >= kReduceGroup) {
      segments = (row_len + kReduceGroup - 1) / kReduceGroup;
      rows_per_group = 1;
      ngroups = rows * segments;
    } else {
      segments = 1;
      rows_per_group = kReduceGroup / row_len;
      ngroups = (rows + rows_per_group - 1) / rows_per_group;
    }
    nblocks = it.out_numel;
    work_per_block = it.red_numel;
  }
  int64_t width(int64_t) const { return 1; }

  // Long contiguous rows fold into SIMD lanes (16, or 8 value-index pairs); short rows and
  // strided rows into 4 accumulators kept in registers. The choice depends on the shape alone.
  bool uses_lanes() const { return kContiguous && row_len >= kShortRow; }
  Acc group(const In* base, int64_t g) const {
    if constexpr (kContiguous) {
      if (uses_lanes()) return group_in_lanes < Op::kIndexed ? 8 : 16 > (base, g);
    }
    return group_in_registers(base, g);
  }

  // The rows [j0, j1) and the elements [a, b) of each that group g covers.
  void group_range(int64_t g, int64_t* j0, int64_t* j1, int64_t* a, int64_t* b) const {
    if (segments > 1) {
      *j0 = g / segments;
      *j1 = *j0 + 1;
      *a = (g % segments) * kReduceGroup;
      *b = std::min(row_len, *a + kReduceGroup);
    } else {
      *j0 = g * rows_per_group;
      *j1 = std::min(rows, *j0 + rows_per_group);
      *a = 0;
      *b = row_len;
    }
  }

  // Folds elements [a, b) of one row into four accumulators, element i into a[i % 4].
  EMBER_ALWAYS_INLINE void fold_in_four(Acc* acc, const In* p, int64_t a, int64_t b,
                                        int64_t index_base) const {
    using V = typename Op::value_t;
    const int64_t s = kContiguous ? 1 : row_stride;
    Acc a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int64_t i = a;
    for (; i + 4 <= b; i += 4) {
      a0 = op.reduce(a0, load_reduce_value<V>(p[i * s]), index_base + i);
      a1 = op.reduce(a1, load_reduce_value<V>(p[(i + 1) * s]), index_base + i + 1);
      a2 = op.reduce(a2, load_reduce_value<V>(p[(i + 2) * s]), index_base + i + 2);
      a3 = op.reduce(a3, load_reduce_value<V>(p[(i + 3) * s]), index_base + i + 3);
    }
    if (i < b) a0 = op.reduce(a0, load_reduce_value<V>(p[i * s]), index_base + i);
    if (i + 1 < b) a1 = op.reduce(a1, load_reduce_value<V>(p[(i + 1) * s]), index_base + i + 1);
    if (i + 2 < b) a2 = op.reduce(a2, load_reduce_value<V>(p[(i + 2) * s]), index_base + i + 2);
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
  }
  EMBER_ALWAYS_INLINE Acc combine_four(const Acc* acc) const {
    return op.combine(op.combine(acc[0], acc[1]), op.combine(acc[2], acc[3]));
  }

  Acc group_in_registers(const In* base, int64_t g) const {
    int64_t j0, j1, a, b;
    group_range(g, &j0, &j1, &a, &b);
    Acc acc[4] = {op.identity(), op.identity(), op.identity(), op.identity()};
    if (it.red_ndim <= 1) {  // one row per output
      fold_in_four(acc, base, a, b, 0);
    } else {
      Odometer row(it.red_ndim - 1, it.red_shape + 1, it.red_strides_in + 1, nullptr, j0);
      for (int64_t j = j0; j < j1; ++j, row.next())
        fold_in_four(acc, base + row.off_a, a, b, j * row_len);
    }
    return combine_four(acc);
  }

  template <int kLanes>
  Acc group_in_lanes(const In* base, int64_t g) const {
    int64_t j0, j1, a, b;
    group_range(g, &j0, &j1, &a, &b);
    Acc lanes[kLanes];
    for (int l = 0; l < kLanes; ++l) lanes[l] = op.identity();
    if (it.red_ndim <= 1) {  // one row per output
      fold_row<kLanes, kContiguous>(op, lanes, base, row_stride, a, b, 0);
    } else {
      Odometer row(it.red_ndim - 1, it.red_shape + 1, it.red_strides_in + 1, nullptr, j0);
      for (int64_t j = j0; j < j1; ++j, row.next())
        fold_row<kLanes, kContiguous>(op, lanes, base + row.off_a, row_stride, a, b, j * row_len);
    }
    return fold_lanes<kLanes>(op, lanes);
  }

  void run_range(int64_t b0, int64_t b1) const {
    Odometer o(it.out_ndim, it.out_shape, it.out_strides_in, it.out_strides_out, b0);
    if (ngroups == 1 && it.red_ndim <= 1 && !uses_lanes()) {
      // One short row per output (softmax-like shapes): the same arithmetic as
      // group_in_registers, inlined, since the per-output call would cost more than the row.
      for (int64_t blk = b0; blk < b1; ++blk, o.next()) {
        Acc acc[4] = {op.identity(), op.identity(), op.identity(), op.identity()};
        fold_in_four(acc, in + o.off_a, 0, row_len, 0);
        store<Out>(op, out, index, o.off_b, op.combine(op.identity(), combine_four(acc)));
      }
      return;
    }
    for (int64_t blk = b0; blk < b1; ++blk, o.next()) {
      Acc acc = op.identity();
      for (int64_t g = 0; g < ngroups; ++g) acc = op.combine(acc, group(in + o.off_a, g));
      store<Out>(op, out, index, o.off_b, acc);
    }
  }
  void compute(int64_t blk, int64_t g, Acc* partial) const {
    int64_t off_out;
    const int64_t off_in = it.in_offset_of_out(blk, &off_out);
    partial[0] = group(in + off_in, g);
  }
  void write(int64_t blk, const Acc* total) const {
    int64_t off_out;
    it.in_offset_of_out(blk, &off_out);
    store<Out>(op, out, index, off_out, total[0]);
  }
};

// Columns: the innermost kept dim (C outputs) is contiguous in the input; blocks are tiles of
// up to kReduceTile of those outputs (times the other kept dims).
template <typename In, typename Out, typename Op>
struct ColumnLayout {
  using Acc = typename Op::acc_t;
  const ReduceIter& it;
  const Op& op;
  const In* in;
  Out* out;
  int64_t* index;
  int64_t cols, tiles, block_size;
  int64_t nblocks, ngroups, work_per_block;

  ColumnLayout(const ReduceIter& iter, const Op& o)
      : it(iter),
        op(o),
        in(static_cast<const In*>(iter.in)),
        out(static_cast<Out*>(iter.out)),
        index(static_cast<int64_t*>(iter.out_index)) {
    cols = it.out_shape[0];
    tiles = (cols + kReduceTile - 1) / kReduceTile;
    block_size = std::min(cols, kReduceTile);
    nblocks = (it.out_numel / cols) * tiles;
    ngroups = (it.red_numel + kReduceColumnGroup - 1) / kReduceColumnGroup;
    work_per_block = block_size * it.red_numel;
  }
  int64_t width(int64_t blk) const {
    return std::min(kReduceTile, cols - (blk % tiles) * kReduceTile);
  }
  // Input and output offsets of the first output of a block.
  void offsets(int64_t blk, int64_t* off_in, int64_t* off_out) const {
    const int64_t c0 = (blk % tiles) * kReduceTile;
    Odometer o(it.out_ndim - 1, it.out_shape + 1, it.out_strides_in + 1, it.out_strides_out + 1,
               blk / tiles);
    *off_in = o.off_a + c0;
    *off_out = o.off_b + c0 * it.out_strides_out[0];
  }
  void compute_at(const In* base, int64_t w, int64_t g, Acc* __restrict partial) const {
    using V = typename Op::value_t;
    for (int64_t c = 0; c < w; ++c) partial[c] = op.identity();
    const int64_t r0 = g * kReduceColumnGroup;
    const int64_t r1 = std::min(it.red_numel, r0 + kReduceColumnGroup);
    Odometer red(it.red_ndim, it.red_shape, it.red_strides_in, nullptr, r0);
    for (int64_t r = r0; r < r1; ++r, red.next()) {
      const In* __restrict p = base + red.off_a;
#pragma omp simd
      for (int64_t c = 0; c < w; ++c)
        partial[c] = op.reduce(partial[c], load_reduce_value<V>(p[c]), r);
    }
  }
  void compute(int64_t blk, int64_t g, Acc* partial) const {
    int64_t off_in, off_out;
    offsets(blk, &off_in, &off_out);
    compute_at(in + off_in, width(blk), g, partial);
  }
  void write(int64_t blk, const Acc* total) const {
    int64_t off_in, off_out;
    offsets(blk, &off_in, &off_out);
    const int64_t w = width(blk), os = it.out_strides_out[0];
    for (int64_t c = 0; c < w; ++c) store<Out>(op, out, index, off_out + c * os, total[c]);
  }
  void run_range(int64_t b0, int64_t b1) const {
    Acc total[kReduceTile];
    Acc partial[kReduceTile];
    for (int64_t blk = b0; blk < b1; ++blk) {
      int64_t off_in, off_out;
      offsets(blk, &off_in, &off_out);
      const int64_t w = width(blk);
      if (ngroups == 1) {
        compute_at(in + off_in, w, 0, total);
      } else {
        for (int64_t c = 0; c < w; ++c) total[c] = op.identity();
        for (int64_t g = 0; g < ngroups; ++g) {
          compute_at(in + off_in, w, g, partial);
          for (int64_t c = 0; c < w; ++c) total[c] = op.combine(total[c], partial[c]);
        }
      }
      write(blk, total);
    }
  }
};

}  // namespace reduce_detail

// Runs the reduction Op over the iterator: In is the input's storage type, Out the output's.
// Never throws inside the parallel region; allocation of partial results happens before it.
template <typename In, typename Out, typename Op>
void reduce_kernel(const ReduceIter& it, const Op& op) {
  using namespace reduce_detail;
  if (it.out_numel == 0) return;
  Out* out = static_cast<Out*>(it.out);
  int64_t* index = static_cast<int64_t*>(it.out_index);
  if (it.red_numel == 0) {  // nothing to fold: every output is the identity
    parallel_for(0, it.out_numel, kParallelGrain, [&](int64_t b0, int64_t b1) {
      for (int64_t o = b0; o < b1; ++o) {
        int64_t off_out;
        it.in_offset_of_out(o, &off_out);
        store<Out>(op, out, index, off_out, op.identity());
      }
    });
    return;
  }
  const bool inner_reduced_contiguous = it.red_ndim > 0 && it.red_strides_in[0] == 1;
  const bool inner_kept_contiguous = it.out_ndim > 0 && it.out_strides_in[0] == 1;
  if (!inner_reduced_contiguous && inner_kept_contiguous) {
    drive(op, ColumnLayout<In, Out, Op>(it, op));
  } else if (inner_reduced_contiguous) {
    drive(op, RowLayout<In, Out, Op, true>(it, op));
  } else {
    drive(op, RowLayout<In, Out, Op, false>(it, op));
  }
}

}  // namespace ember::cpu
