// CPU kernels of the joining and indexing ops: cat, index_select, gather and scatter_add. The
// index arithmetic is in kernels/index_math.h (shared with CUDA). Index values are checked in a
// read-only pass before any element moves, so a bad index throws outside every OpenMP region and
// leaves the output (or scatter_add_'s self) untouched.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <vector>

#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/functors.h"
#include "kernels/index_math.h"

namespace ember::cpu {
namespace {

using index_math::index_in_bounds;
using index_math::linear_to_offset;
using index_math::row_offset;

// Bytes one work item of cat copies at most, so a few large inputs still split over threads.
constexpr int64_t kCatPieceBytes = int64_t{256} << 10;
// Bytes below which a copy stays on one thread.
constexpr int64_t kCopyGrainBytes = kParallelGrain * 16;

int64_t product(IntArrayRef sizes, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t k = begin; k < end; ++k) p *= sizes[k];
  return p;
}

// Lowers `target` to `value` if value is smaller (a lock-free running minimum).
void atomic_min(std::atomic<int64_t>& target, int64_t value) {
  int64_t current = target.load(std::memory_order_relaxed);
  while (value < current &&
         !target.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

// Row-major position of the first element of an int64 index tensor outside [0, upper), or -1.
// Reads in parallel; the answer does not depend on the thread count.
int64_t first_out_of_bounds(const Tensor& index, int64_t upper) {
  if (index.numel() == 0) return -1;
  const int64_t* base = index.data_ptr<int64_t>();
  const int ndim = static_cast<int>(index.dim());
  if (ndim == 0) return index_in_bounds(base[0], upper) ? -1 : 0;
  const int64_t* sizes = index.sizes().data();
  const int64_t* strides = index.strides().data();
  const int last = ndim - 1;
  const int64_t n = sizes[last], step = strides[last];
  const int64_t rows = index.numel() / n;
  std::atomic<int64_t> first{std::numeric_limits<int64_t>::max()};
  parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / n), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      if (r * n >= first.load(std::memory_order_relaxed)) return;  // an earlier one is known
      const int64_t* p = base + row_offset(r, ndim, sizes, strides, last);
      for (int64_t j = 0; j < n; ++j) {
        if (!index_in_bounds(p[j * step], upper)) {
          atomic_min(first, r * n + j);
          return;
        }
      }
    }
  });
  const int64_t pos = first.load();
  return pos == std::numeric_limits<int64_t>::max() ? -1 : pos;
}

// Throws IndexError naming the op if any index is outside [0, size).
void check_indices(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  const int64_t pos = first_out_of_bounds(index, size);
  if (pos < 0) return;
  const int64_t value = index.data_ptr<int64_t>()[linear_to_offset(
      pos, static_cast<int>(index.dim()), index.sizes().data(), index.strides().data())];
  EMBER_FAIL(Index, "{}: index {} is out of bounds for dimension {} with size {}", op, value, dim,
             size);
}

// ---- cat ----
// Contiguous inputs are copied as blocks of bytes: work item w copies one piece (at most
// kCatPieceBytes) of one input's block within one outer position. Other inputs go through the
// copy kernel into their slice of out.
struct CatBlock {
  const char* src;
  int64_t dim_offset;       // where the input starts along the cat dim
  int64_t bytes_per_outer;  // bytes of the input per outer position
  int64_t first_piece;      // index of its first piece among all blocks' pieces
};

void cat_kernel(const Tensor& out, TensorList inputs, int64_t dim) {
  const IntArrayRef sizes = out.sizes();
  const int64_t outer = product(sizes, 0, static_cast<size_t>(dim));
  const int64_t inner = product(sizes, static_cast<size_t>(dim) + 1, sizes.size());
  const int64_t out_dim_size = sizes[dim];
  const int64_t elem = static_cast<int64_t>(out.element_size());
  char* dst = static_cast<char*>(out.data_ptr());

  std::vector<CatBlock> blocks;
  std::vector<std::pair<const Tensor*, int64_t>> strided;  // input, dim offset
  int64_t dim_offset = 0, pieces = 0, block_bytes = 0;
  for (const Tensor& t : inputs) {
    if (t.is_contiguous() && out.is_contiguous()) {
      const int64_t bytes = t.size(dim) * inner * elem;
      blocks.push_back({static_cast<const char*>(t.data_ptr()), dim_offset, bytes, pieces});
      pieces += (bytes + kCatPieceBytes - 1) / kCatPieceBytes;
      block_bytes += bytes * outer;
    } else {
      strided.emplace_back(&t, dim_offset);
    }
    dim_offset += t.size(dim);
  }

  if (!blocks.empty()) {
    const int64_t items = outer * pieces;
    const int64_t bytes_per_item = std::max<int64_t>(1, block_bytes / items);
    const int64_t grain = std::max<int64_t>(1, kCopyGrainBytes / bytes_per_item);
    parallel_for(0, items, grain, [&](int64_t b, int64_t e) {
      for (int64_t w = b; w < e; ++w) {
        const int64_t o = w / pieces, piece = w % pieces;
        // The block whose pieces include `piece`: the last one starting at or before it.
        const auto it =
            std::upper_bound(blocks.begin(), blocks.end(), piece,
                             [](int64_t p, const CatBlock& blk) { return p < blk.first_piece; });
        const CatBlock& blk = *(it - 1);
        const int64_t begin = (piece - blk.first_piece) * kCatPieceBytes;
        const int64_t len = std::min(kCatPieceBytes, blk.bytes_per_outer - begin);
        const int64_t out_elem =
            index_math::cat_output_offset(o, 0, 0, blk.dim_offset, out_dim_size, inner);
        std::memcpy(dst + out_elem * elem + begin, blk.src + o * blk.bytes_per_outer + begin,
                    static_cast<size_t>(len));
      }
    });
  }
  const auto copy = kernel_for<OpId::copy>(Device(kCPU));
  for (const auto& [t, offset] : strided) copy(out.narrow(dim, offset, t->size(dim)), *t, false);
}

// ---- index_select ----
// out is contiguous [outer, num_indices, inner]; row (o, j) of out copies row (o, index[j]) of
// self, with one memcpy-like loop when self is contiguous after `dim`.
void index_select_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  check_indices(index, self.size(dim), dim, "index_select");
  if (out.numel() == 0) return;
  const int ndim = static_cast<int>(self.dim());
  const int d = static_cast<int>(dim);
  const int64_t* sizes = self.sizes().data();
  const int64_t* strides = self.strides().data();
  const int64_t outer = product(self.sizes(), 0, static_cast<size_t>(d));
  const int64_t inner = product(self.sizes(), static_cast<size_t>(d) + 1, self.sizes().size());
  const int64_t num_indices = index.numel();
  const int64_t* idx = index.data_ptr<int64_t>();
  const int64_t idx_step = index.stride(0);
  bool inner_contiguous = true;
  int64_t expected = 1;
  for (int k = ndim - 1; k > d; --k) {
    if (sizes[k] != 1 && strides[k] != expected) inner_contiguous = false;
    expected *= sizes[k];
  }
  dispatch_dtype<AllTypes>(self.dtype(), "index_select", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(self.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
    const int64_t rows = outer * num_indices;
    parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / inner), [&](int64_t b, int64_t e) {
      // Output rows are consecutive; (o, j) advance with r, and self's outer offset with o.
      int64_t o = b / num_indices, j = b % num_indices;
      const T* outer_base = src + linear_to_offset(o, d, sizes, strides);
      T* o_row = dst + index_math::index_select_output_offset(o, j, num_indices, inner);
      for (int64_t r = b; r < e; ++r, o_row += inner) {
        const T* in = outer_base + idx[j * idx_step] * strides[d];
        if (inner == 1) {
          *o_row = *in;
        } else if (inner_contiguous) {
          for (int64_t k = 0; k < inner; ++k) o_row[k] = in[k];
        } else {
          for (int64_t k = 0; k < inner; ++k)
            o_row[k] = in[linear_to_offset(k, ndim - d - 1, sizes + d + 1, strides + d + 1)];
        }
        if (++j == num_indices && r + 1 < e) {
          j = 0;
          outer_base = src + linear_to_offset(++o, d, sizes, strides);
        }
      }
    });
  });
}

// ---- gather ----
// out[..., j, ...] = self[..., index[..., j, ...], ...] along dim, row by row (Note [Rows along a
// dim] in kernels/index_math.h): rows of index, self and out line up by position.
void gather_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  check_indices(index, self.size(dim), dim, "gather");
  if (out.numel() == 0) return;
  const int ndim = static_cast<int>(index.dim());
  const int d = static_cast<int>(dim);
  const int64_t* sizes = index.sizes().data();
  const int64_t* idx_strides = index.strides().data();
  const int64_t* self_strides = self.strides().data();
  const int64_t* out_strides = out.strides().data();
  const int64_t n = sizes[d];
  const int64_t rows = index.numel() / n;
  const int64_t* idx = index.data_ptr<int64_t>();
  dispatch_dtype<AllTypes>(self.dtype(), "gather", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(self.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
    parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t* i_row = idx + row_offset(r, ndim, sizes, idx_strides, d);
        const T* s_row = src + row_offset(r, ndim, sizes, self_strides, d);
        T* o_row = dst + row_offset(r, ndim, sizes, out_strides, d);
        for (int64_t j = 0; j < n; ++j)
          o_row[j * out_strides[d]] = s_row[i_row[j * idx_strides[d]] * self_strides[d]];
      }
    });
  });
}

// ---- scatter_add ----
// out[..., index[..., j, ...], ...] += src[..., j, ...] along dim. Each row of index writes only
// elements of out that share its positions in the other dims, so rows run in parallel without
// sharing an element, and each element accumulates in index order: deterministic.
void scatter_add_kernel(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  check_indices(index, out.size(dim), dim, "scatter_add");
  const int ndim = static_cast<int>(index.dim());
  const int d = static_cast<int>(dim);
  const int64_t* sizes = index.sizes().data();
  const int64_t* idx_strides = index.strides().data();
  const int64_t* src_strides = src.strides().data();
  const int64_t* out_strides = out.strides().data();
  const int64_t n = sizes[d];
  const int64_t rows = index.numel() / n;
  const int64_t* idx = index.data_ptr<int64_t>();
  dispatch_dtype<AllTypes>(out.dtype(), "scatter_add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = opmath_t<T>;
    const T* s = static_cast<const T*>(src.data_ptr());
    T* o = static_cast<T*>(out.data_ptr());
    parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t* i_row = idx + row_offset(r, ndim, sizes, idx_strides, d);
        const T* s_row = s + row_offset(r, ndim, sizes, src_strides, d);
        T* o_row = o + row_offset(r, ndim, sizes, out_strides, d);
        for (int64_t j = 0; j < n; ++j) {
          T& target = o_row[i_row[j * idx_strides[d]] * out_strides[d]];
          if constexpr (std::is_same_v<T, bool>) {
            target = target || s_row[j * src_strides[d]];
          } else {
            target = static_cast<T>(static_cast<Acc>(target) +
                                    static_cast<Acc>(s_row[j * src_strides[d]]));
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(cat, CPU, cat_kernel);
EMBER_REGISTER_KERNEL(index_select, CPU, index_select_kernel);
EMBER_REGISTER_KERNEL(gather, CPU, gather_kernel);
EMBER_REGISTER_KERNEL(scatter_add, CPU, scatter_add_kernel);

}  // namespace ember::cpu
