// CPU rows of softmax, log_softmax and their backward. The input is seen as [outer, n, inner]
// with the softmax over n. Numerically stable: the maximum is subtracted before exp, sums are
// accumulated in double. inner == 1 (softmax over the last dim) runs row by row; otherwise a
// block of up to kColumns neighbouring columns runs together so every loop reads memory in order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

constexpr int64_t kColumns = 256;

struct SoftmaxShape {
  int64_t outer = 1, n = 1, inner = 1;
};
SoftmaxShape softmax_shape(const Tensor& t, int64_t dim) {
  SoftmaxShape s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= t.size(d);
  s.n = t.size(dim);
  for (int64_t d = dim + 1; d < t.dim(); ++d) s.inner *= t.size(d);
  return s;
}

// max that lets NaN through (so a NaN input gives NaN outputs).
inline double max_nan(double m, double v) {
  return (v > m || v != v) ? v : m;
}

// Softmax of `width` columns x[k * stride + j] (k < n, j < width) into y. m, s: scratch[width].
template <typename T, bool kLog>
void softmax_block(const T* x, T* y, int64_t n, int64_t stride, int64_t width, double* m,
                   double* s) {
  std::fill(m, m + width, -std::numeric_limits<double>::infinity());
  std::fill(s, s + width, 0.0);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < width; ++j)
      m[j] = max_nan(m[j], static_cast<double>(x[k * stride + j]));
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < width; ++j)
      s[j] += std::exp(static_cast<double>(x[k * stride + j]) - m[j]);
  if constexpr (kLog) {
    for (int64_t j = 0; j < width; ++j) m[j] += std::log(s[j]);  // m becomes log-sum-exp
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < width; ++j)
        y[k * stride + j] = static_cast<T>(static_cast<double>(x[k * stride + j]) - m[j]);
  } else {
    for (int64_t j = 0; j < width; ++j) s[j] = 1.0 / s[j];
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < width; ++j)
        y[k * stride + j] =
            static_cast<T>(std::exp(static_cast<double>(x[k * stride + j]) - m[j]) * s[j]);
  }
}

// softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g).
template <typename T, bool kLog>
void softmax_backward_block(const T* g, const T* y, T* gx, int64_t n, int64_t stride, int64_t width,
                            double* s) {
  std::fill(s, s + width, 0.0);
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t j = 0; j < width; ++j) {
      const double gk = static_cast<double>(g[k * stride + j]);
      s[j] += kLog ? gk : gk * static_cast<double>(y[k * stride + j]);
    }
  }
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t j = 0; j < width; ++j) {
      const int64_t i = k * stride + j;
      const double gk = static_cast<double>(g[i]), yk = static_cast<double>(y[i]);
      gx[i] = static_cast<T>(kLog ? gk - std::exp(yk) * s[j] : yk * (gk - s[j]));
    }
  }
}

// Calls f(offset, width) for every block of columns: offset of the block's first element.
template <typename F>
void for_each_block(const SoftmaxShape& s, const F& f) {
  const int64_t blocks_per_outer = s.inner == 1 ? 1 : (s.inner + kColumns - 1) / kColumns;
  const int64_t units = s.outer * blocks_per_outer;
  const int64_t unit_elems = s.n * std::min(s.inner, kColumns);
  parallel_for(0, units, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, unit_elems)),
               [&](int64_t u0, int64_t u1) {
                 std::vector<double> m(static_cast<size_t>(std::min(s.inner, kColumns)));
                 std::vector<double> sum(m.size());
                 for (int64_t u = u0; u < u1; ++u) {
                   const int64_t o = u / blocks_per_outer, blk = u % blocks_per_outer;
                   const int64_t j0 = blk * kColumns;
                   const int64_t width = std::min(s.inner - j0, kColumns);
                   f(o * s.n * s.inner + j0, width, m.data(), sum.data());
                 }
               });
}

template <bool kLog>
void softmax_kernel(const Tensor& out, const Tensor& input, int64_t dim) {
  const SoftmaxShape s = softmax_shape(input, dim);
  dispatch_dtype<Float32And64>(input.dtype(), kLog ? "log_softmax" : "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    for_each_block(s, [&](int64_t offset, int64_t width, double* m, double* sum) {
      softmax_block<T, kLog>(x + offset, y + offset, s.n, s.inner, width, m, sum);
    });
  });
}

template <bool kLog>
void softmax_backward_kernel(const Tensor& grad_input, const Tensor& grad_output,
                             const Tensor& output, int64_t dim) {
  const SoftmaxShape s = softmax_shape(output, dim);
  dispatch_dtype<Float32And64>(
      output.dtype(), kLog ? "log_softmax_backward" : "softmax_backward", [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* g = grad_output.data_ptr<T>();
        const T* y = output.data_ptr<T>();
        T* gx = grad_input.data_ptr<T>();
        for_each_block(s, [&](int64_t offset, int64_t width, double*, double* sum) {
          softmax_backward_block<T, kLog>(g + offset, y + offset, gx + offset, s.n, s.inner, width,
                                          sum);
        });
      });
}

}  // namespace

EMBER_REGISTER_KERNEL(softmax, CPU, softmax_kernel<false>);
EMBER_REGISTER_KERNEL(log_softmax, CPU, softmax_kernel<true>);
EMBER_REGISTER_KERNEL(softmax_backward, CPU, softmax_backward_kernel<false>);
EMBER_REGISTER_KERNEL(log_softmax_backward, CPU, softmax_backward_kernel<true>);

}  // namespace ember::cpu
