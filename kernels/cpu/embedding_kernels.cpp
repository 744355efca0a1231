// CPU rows of embedding (a gather of weight rows) and its backward (each index's gradient row
// added into its weight row). The backward splits the columns over threads and walks the
// indices in order within each column block, so every sum runs in index order: deterministic,
// no atomics. Out-of-range indices are recorded during the loop and thrown after it.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

void record_first(std::atomic<int64_t>& first, int64_t i) {
  int64_t seen = first.load(std::memory_order_relaxed);
  while ((seen < 0 || i < seen) && !first.compare_exchange_weak(seen, i)) {
  }
}

void throw_bad_index(std::string_view op, std::atomic<int64_t>& first, const int64_t* idx,
                     int64_t num) {
  const int64_t i = first.load();
  EMBER_CHECK(i < 0, Index,
              "{}: index {} at position {} is out of range for {} embeddings (expected 0 to {})",
              op, i >= 0 ? idx[i] : 0, i, num, num - 1);
}

void embedding_kernel(const Tensor& out, const Tensor& weight, const Tensor& indices) {
  const int64_t n = indices.numel(), num = weight.size(0), dim = weight.size(1);
  const int64_t* idx = indices.data_ptr<int64_t>();
  std::atomic<int64_t> bad{-1};
  dispatch_dtype<FloatingTypes>(weight.dtype(), "embedding", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* w = weight.data_ptr<T>();
    T* y = out.data_ptr<T>();
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, dim));
    parallel_for(0, n, grain, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t r = idx[i];
        if (r < 0 || r >= num) {
          record_first(bad, i);
          continue;
        }
        std::memcpy(y + i * dim, w + r * dim, static_cast<size_t>(dim) * sizeof(T));
      }
    });
  });
  throw_bad_index("embedding", bad, idx, num);
}

void embedding_backward_kernel(const Tensor& grad_weight, const Tensor& grad_output,
                               const Tensor& indices, int64_t padding_idx) {
  const int64_t n = indices.numel(), num = grad_weight.size(0), dim = grad_weight.size(1);
  const int64_t* idx = indices.data_ptr<int64_t>();
  std::atomic<int64_t> bad{-1};
  for (int64_t i = 0; i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= num) {
      bad = i;
      break;
    }
  }
  throw_bad_index("embedding_backward", bad, idx, num);
  dispatch_dtype<Float32And64>(grad_weight.dtype(), "embedding_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gw = grad_weight.data_ptr<T>();
    const T* gy = grad_output.data_ptr<T>();
    std::fill(gw, gw + num * dim, T(0));
    // Column blocks of at least 16 elements; each thread owns whole blocks of every row.
    constexpr int64_t kBlock = 16;
    const int64_t blocks = (dim + kBlock - 1) / kBlock;
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, n * kBlock));
    parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
      const int64_t j0 = b0 * kBlock, j1 = std::min(dim, b1 * kBlock);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r = idx[i];
        if (r == padding_idx) continue;
        T* dst = gw + r * dim;
        const T* src = gy + i * dim;
        for (int64_t j = j0; j < j1; ++j) dst[j] += src[j];
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(embedding, CPU, embedding_kernel);
EMBER_REGISTER_KERNEL(embedding_backward, CPU, embedding_backward_kernel);

}  // namespace ember::cpu
