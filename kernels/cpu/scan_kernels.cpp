// CPU kernels of cumsum and nonzero. cumsum accumulates each row along `dim` in order, in a wide
// type (double for float32, float for the 16-bit floats, int64 for integers, like PyTorch's CPU
// acc_type), so results do not depend on threads. nonzero counts per fixed-size chunk, then
// writes each chunk's coordinates at its prefix-sum position: row-major order, deterministic.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/index_math.h"

namespace ember::cpu {
namespace {

using index_math::row_offset;

// The type a cumsum of T accumulates in.
template <typename T>
using ScanAcc =
    std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float,
                       std::conditional_t<std::is_floating_point_v<T>, double, int64_t>>;

// Columns of the contiguous path one work item carries (its running sums sit on the stack).
constexpr int64_t kScanTile = 256;

// Contiguous self and out as [outer, n, inner]: work item (o, tile) keeps the running sums of up
// to kScanTile adjacent columns and walks down the n rows, so reads stay sequential. When dim is
// the last (inner == 1) each work item is one row with its sum in a register.
template <typename T>
void cumsum_contiguous(T* out, const T* in, int64_t outer, int64_t n, int64_t inner) {
  using Acc = ScanAcc<T>;
  if (inner == 1) {
    parallel_for(0, outer, std::max<int64_t>(1, kParallelGrain / n), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        Acc acc(0);
        for (int64_t j = 0; j < n; ++j) {
          acc += static_cast<Acc>(in[o * n + j]);
          out[o * n + j] = static_cast<T>(acc);
        }
      }
    });
    return;
  }
  const int64_t tiles = (inner + kScanTile - 1) / kScanTile;
  const int64_t work_per_item = n * std::min(inner, kScanTile);
  parallel_for(0, outer * tiles, std::max<int64_t>(1, kParallelGrain / work_per_item),
               [&](int64_t b, int64_t e) {
                 Acc acc[kScanTile];
                 for (int64_t w = b; w < e; ++w) {
                   const int64_t o = w / tiles, k0 = (w % tiles) * kScanTile;
                   const int64_t width = std::min(kScanTile, inner - k0);
                   for (int64_t k = 0; k < width; ++k) acc[k] = Acc(0);
                   const int64_t base = o * n * inner + k0;
                   for (int64_t j = 0; j < n; ++j) {
                     const T* src = in + base + j * inner;
                     T* dst = out + base + j * inner;
                     for (int64_t k = 0; k < width; ++k) {
                       acc[k] += static_cast<Acc>(src[k]);
                       dst[k] = static_cast<T>(acc[k]);
                     }
                   }
                 }
               });
}

// Any strides: one row along dim at a time (Note [Rows along a dim]).
template <typename T>
void cumsum_strided(const Tensor& out, const Tensor& self, int64_t dim) {
  using Acc = ScanAcc<T>;
  const int ndim = static_cast<int>(self.dim());
  const int d = static_cast<int>(dim);
  const int64_t* sizes = self.sizes().data();
  const int64_t* in_strides = self.strides().data();
  const int64_t* out_strides = out.strides().data();
  const int64_t n = sizes[d];
  const T* in = static_cast<const T*>(self.data_ptr());
  T* dst = static_cast<T*>(out.data_ptr());
  parallel_for(0, self.numel() / n, std::max<int64_t>(1, kParallelGrain / n),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const T* src = in + row_offset(r, ndim, sizes, in_strides, d);
                   T* o = dst + row_offset(r, ndim, sizes, out_strides, d);
                   Acc acc(0);
                   for (int64_t j = 0; j < n; ++j) {
                     acc += static_cast<Acc>(src[j * in_strides[d]]);
                     o[j * out_strides[d]] = static_cast<T>(acc);
                   }
                 }
               });
}

void cumsum_kernel(const Tensor& out, const Tensor& self, int64_t dim) {
  dispatch_dtype<NumericTypes>(out.dtype(), "cumsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (out.is_contiguous() && self.is_contiguous()) {
      const IntArrayRef sizes = self.sizes();
      int64_t outer = 1, inner = 1;
      for (int64_t k = 0; k < dim; ++k) outer *= sizes[k];
      for (size_t k = static_cast<size_t>(dim) + 1; k < sizes.size(); ++k) inner *= sizes[k];
      cumsum_contiguous<T>(static_cast<T*>(out.data_ptr()), static_cast<const T*>(self.data_ptr()),
                           outer, sizes[dim], inner);
    } else {
      cumsum_strided<T>(out, self, dim);
    }
  });
}

// ---- nonzero ----
// Elements per chunk: the unit of counting and writing (independent of the thread count).
constexpr int64_t kNonzeroChunk = int64_t{1} << 16;

// Walks row-major positions of a strided tensor, carrying the multi-index and the offset.
class StridedWalker {
 public:
  StridedWalker(IntArrayRef sizes, IntArrayRef strides, int64_t start)
      : sizes_(sizes), strides_(strides), index_(sizes.size(), 0) {
    index_math::unravel_index(start, static_cast<int>(sizes.size()), sizes.data(), index_.data());
    for (size_t d = 0; d < sizes.size(); ++d) offset_ += index_[d] * strides[d];
  }
  int64_t offset() const { return offset_; }
  const int64_t* index() const { return index_.data(); }
  void next() {
    for (size_t d = sizes_.size(); d-- > 0;) {
      offset_ += strides_[d];
      if (++index_[d] < sizes_[d]) return;
      offset_ -= sizes_[d] * strides_[d];
      index_[d] = 0;
    }
  }

 private:
  IntArrayRef sizes_, strides_;
  DimVector index_;
  int64_t offset_ = 0;
};

template <typename T>
bool is_nonzero(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return static_cast<float>(v) != 0.0f;
  } else {
    return v != T(0);
  }
}

Tensor nonzero_kernel(const Tensor& self) {
  const int64_t numel = self.numel();
  const int64_t ndim = self.dim();
  const int64_t chunks = (numel + kNonzeroChunk - 1) / kNonzeroChunk;
  std::vector<int64_t> first(static_cast<size_t>(chunks) + 1, 0);  // counts, then prefix sums
  Tensor out;
  dispatch_dtype<AllTypes>(self.dtype(), "nonzero", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = static_cast<const T*>(self.data_ptr());
    const auto chunk_range = [&](int64_t c) {
      return std::pair<int64_t, int64_t>(c * kNonzeroChunk,
                                         std::min(numel, (c + 1) * kNonzeroChunk));
    };
    const bool contiguous = self.is_contiguous();
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const auto [begin, end] = chunk_range(c);
        int64_t count = 0;
        if (contiguous) {
          for (int64_t i = begin; i < end; ++i) count += is_nonzero(in[i]);
        } else {
          StridedWalker walk(self.sizes(), self.strides(), begin);
          for (int64_t i = begin; i < end; ++i, walk.next()) count += is_nonzero(in[walk.offset()]);
        }
        first[c + 1] = count;
      }
    });
    for (int64_t c = 0; c < chunks; ++c) first[c + 1] += first[c];
    out = ::ember::detail::empty_tensor({first[chunks], ndim}, kInt64, self.device());
    int64_t* coords = out.data_ptr<int64_t>();
    const int64_t* sizes = self.sizes().data();
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const auto [begin, end] = chunk_range(c);
        int64_t* row = coords + first[c] * ndim;
        if (contiguous) {
          // Coordinates only for the non-zero elements.
          for (int64_t i = begin; i < end; ++i) {
            if (!is_nonzero(in[i])) continue;
            index_math::unravel_index(i, static_cast<int>(ndim), sizes, row);
            row += ndim;
          }
          continue;
        }
        StridedWalker walk(self.sizes(), self.strides(), begin);
        for (int64_t i = begin; i < end; ++i, walk.next()) {
          if (!is_nonzero(in[walk.offset()])) continue;
          std::copy(walk.index(), walk.index() + ndim, row);
          row += ndim;
        }
      }
    });
  });
  return out;
}

}  // namespace

EMBER_REGISTER_KERNEL(cumsum, CPU, cumsum_kernel);
EMBER_REGISTER_KERNEL(nonzero, CPU, nonzero_kernel);

}  // namespace ember::cpu
