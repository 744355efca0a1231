// CPU rows of conv2d and conv2d_backward: im2col + OpenBLAS GEMM, one image at a time, images
// split over threads (each BLAS call then runs on one thread), so an image's column buffer stays
// in cache between im2col and its GEMMs (Note [Convolution as GEMM]).
//
// Note [Convolution as GEMM]
// For one image and group g, with K = Cin/groups * kh * kw and P = Ho * Wo:
//   forward       y_g [Cout_g, P] = W_g [Cout_g, K] @ col_g [K, P]      (+ bias, via beta = 1)
//   grad input    dcol_g [K, P] = W_g^T @ dy_g [Cout_g, P], then col2im adds dcol into dx
//   grad weight   dW_g [Cout_g, K] += dy_g [Cout_g, P] @ col_g^T [P, K]
// A 1x1 kernel with stride 1 and no padding needs no im2col: col is the image itself.
// The weight gradient sums over images. To stay independent of the thread count, images are cut
// into a number of chunks that depends only on the shapes; each chunk sums its images in order
// into its own buffer, and the chunk buffers are added in chunk order at the end. Threads take
// images (forward, input gradient) or chunks one at a time as they become free, so a thread
// slowed down by another process on its core holds the others up by at most one item.
#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/row_sum.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

// Sizes of one convolution, from the operands' shapes.
struct ConvShape {
  int64_t batch, cin, h, w, cout, kh, kw, out_h, out_w, groups;
  int64_t cin_g, cout_g;
  int64_t k;       // rows of a group's column matrix: cin_g * kh * kw
  int64_t plane;   // out_h * out_w
  bool pointwise;  // 1x1, stride 1, no padding: the image is its own column matrix
};

ConvShape conv_shape(const Tensor& input, const Tensor& weight, const Tensor& grad_or_out,
                     const Conv2dParams& p) {
  ConvShape s{};
  s.batch = input.size(0);
  s.cin = input.size(1);
  s.h = input.size(2);
  s.w = input.size(3);
  s.cout = weight.size(0);
  s.kh = weight.size(2);
  s.kw = weight.size(3);
  s.out_h = grad_or_out.size(2);
  s.out_w = grad_or_out.size(3);
  s.groups = p.groups;
  s.cin_g = s.cin / s.groups;
  s.cout_g = s.cout / s.groups;
  s.k = s.cin_g * s.kh * s.kw;
  s.plane = s.out_h * s.out_w;
  s.pointwise = s.kh == 1 && s.kw == 1 && p.stride[0] == 1 && p.stride[1] == 1 &&
                p.padding[0] == 0 && p.padding[1] == 0;
  return s;
}

// The range [begin, end) of output positions o whose input position o * stride + offset lies in
// [0, size).
struct ValidRange {
  int64_t begin, end;
};
inline ValidRange valid_outputs(int64_t offset, int64_t stride, int64_t size, int64_t outputs) {
  int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t end = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;
  begin = std::min(begin, outputs);
  end = std::clamp(end, begin, outputs);
  return {begin, end};
}

// col [cin * kh * kw, out_h * out_w] from one image x [cin, h, w].
template <typename T>
void im2col(const T* x, const ConvShape& s, const Conv2dParams& p, T* col) {
  const int64_t sh = p.stride[0], sw = p.stride[1];
  for (int64_t c = 0; c < s.cin; ++c) {
    for (int64_t ki = 0; ki < s.kh; ++ki) {
      const int64_t off_h = ki * p.dilation[0] - p.padding[0];
      for (int64_t kj = 0; kj < s.kw; ++kj) {
        const int64_t off_w = kj * p.dilation[1] - p.padding[1];
        const ValidRange cols = valid_outputs(off_w, sw, s.w, s.out_w);
        T* dst = col + ((c * s.kh + ki) * s.kw + kj) * s.plane;
        for (int64_t oh = 0; oh < s.out_h; ++oh, dst += s.out_w) {
          const int64_t ih = oh * sh + off_h;
          if (ih < 0 || ih >= s.h) {
            std::fill(dst, dst + s.out_w, T(0));
            continue;
          }
          std::fill(dst, dst + cols.begin, T(0));
          const T* src = x + (c * s.h + ih) * s.w + off_w;
          if (sw == 1) {  // rows are short: an inline loop beats a memcpy call
            for (int64_t ow = cols.begin; ow < cols.end; ++ow) dst[ow] = src[ow];
          } else {
            for (int64_t ow = cols.begin; ow < cols.end; ++ow) dst[ow] = src[ow * sw];
          }
          std::fill(dst + cols.end, dst + s.out_w, T(0));
        }
      }
    }
  }
}

// dx [cin, h, w] = the sum of col's entries at the input positions they were copied from.
template <typename T>
void col2im(const T* col, const ConvShape& s, const Conv2dParams& p, T* dx) {
  std::fill(dx, dx + s.cin * s.h * s.w, T(0));
  const int64_t sh = p.stride[0], sw = p.stride[1];
  for (int64_t c = 0; c < s.cin; ++c) {
    for (int64_t ki = 0; ki < s.kh; ++ki) {
      const int64_t off_h = ki * p.dilation[0] - p.padding[0];
      const ValidRange rows = valid_outputs(off_h, sh, s.h, s.out_h);
      for (int64_t kj = 0; kj < s.kw; ++kj) {
        const int64_t off_w = kj * p.dilation[1] - p.padding[1];
        const ValidRange cols = valid_outputs(off_w, sw, s.w, s.out_w);
        const T* src = col + ((c * s.kh + ki) * s.kw + kj) * s.plane;
        for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
          T* dst = dx + (c * s.h + oh * sh + off_h) * s.w + off_w;
          const T* row = src + oh * s.out_w;
          if (sw == 1) {
            for (int64_t ow = cols.begin; ow < cols.end; ++ow) dst[ow] += row[ow];
          } else {
            for (int64_t ow = cols.begin; ow < cols.end; ++ow) dst[ow * sw] += row[ow];
          }
        }
      }
    }
  }
}

// Multiply-adds a thread should get at least: smaller convolutions stay on one thread (a parallel
// region costs more than they do).
constexpr int64_t kConvGrainMacs = int64_t{1} << 20;

// Units of work (images or chunks of images) per thread chunk, for units of `macs` each.
int64_t work_grain(int64_t macs) {
  return std::max<int64_t>(1, kConvGrainMacs / std::max<int64_t>(1, macs));
}

// Multiply-adds of one image's forward convolution.
int64_t image_macs(const ConvShape& s) {
  return s.cout * s.k * s.plane;
}

template <typename T>
std::unique_ptr<T[]> scratch(int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))]);
}

// Runs worker(take) on the threads (on this thread alone when there are fewer than 2 * grain
// items): take() hands out the items 0..n-1 one at a time and then -1. Items go to whichever
// thread asks first, so a thread slowed down by another process simply does fewer; each item's
// result does not depend on the thread that computes it. worker sets up per-thread scratch once.
template <typename Worker>
void parallel_items(int64_t n, int64_t grain, const Worker& worker) {
  std::atomic<int64_t> next{0};
  auto take = [&]() -> int64_t {
    const int64_t i = next.fetch_add(1, std::memory_order_relaxed);
    return i < n ? i : -1;
  };
  const int64_t threads = std::min<int64_t>(max_threads(), n / std::max<int64_t>(1, grain));
  if (threads <= 1 || in_parallel_region()) {
    worker(take);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(static_cast <int>(threads))
  worker(take);
#else
  worker(take);
#endif
}

template <typename T>
void conv2d_forward_typed(const Tensor& out, const Tensor& input, const Tensor& weight,
                          const Tensor& bias, const Conv2dParams& p) {
  const ConvShape s = conv_shape(input, weight, out, p);
  const T* x = input.data_ptr<T>();
  const T* wt = weight.data_ptr<T>();
  const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
  T* y = out.data_ptr<T>();
  parallel_items(s.batch, work_grain(image_macs(s)), [&](const auto& take) {
    std::unique_ptr<T[]> col_buffer = s.pointwise ? nullptr : scratch<T>(s.k * s.groups * s.plane);
    for (int64_t n = take(); n >= 0; n = take()) {
      const T* xn = x + n * s.cin * s.h * s.w;
      T* yn = y + n * s.cout * s.plane;
      const T* col = xn;
      if (!s.pointwise) {
        im2col(xn, s, p, col_buffer.get());
        col = col_buffer.get();
      }
      if (b != nullptr) {
        for (int64_t co = 0; co < s.cout; ++co)
          std::fill(yn + co * s.plane, yn + (co + 1) * s.plane, b[co]);
      }
      for (int64_t g = 0; g < s.groups; ++g) {
        blas_gemm<T>(false, false, s.cout_g, s.plane, s.k, T(1), wt + g * s.cout_g * s.k, s.k,
                     col + g * s.k * s.plane, s.plane, b != nullptr ? T(1) : T(0),
                     yn + g * s.cout_g * s.plane, s.plane);
      }
    }
  });
}

// Chunks of images for the weight gradient: about four images each, at most 16, and at most
// 64 MiB of chunk buffers. Depends only on the shapes (Note [Convolution as GEMM]).
int64_t weight_grad_chunks(int64_t batch, int64_t weight_numel, size_t elem_size) {
  const int64_t by_batch = std::clamp<int64_t>(batch / 4, 1, 16);
  const int64_t by_memory =
      std::max<int64_t>(1, (int64_t{64} << 20) / std::max<int64_t>(1, weight_numel * elem_size));
  return std::min(by_batch, by_memory);
}

template <typename T>
void conv2d_backward_typed(const Tensor& grad_input, const Tensor& grad_weight,
                           const Tensor& grad_bias, const Tensor& grad_output, const Tensor& input,
                           const Tensor& weight, const Conv2dParams& p) {
  const ConvShape s = conv_shape(input, weight, grad_output, p);
  const T* x = input.data_ptr<T>();
  const T* wt = weight.data_ptr<T>();
  const T* dy = grad_output.data_ptr<T>();
  const bool want_input = grad_input.defined(), want_weight = grad_weight.defined();
  const bool need_col = !s.pointwise;
  T* dx = want_input ? grad_input.data_ptr<T>() : nullptr;
  const int64_t weight_numel = s.cout * s.k;

  // Work items: chunks of images when the weight gradient is wanted (chunk c sums its images'
  // weight gradients in image order into its own buffer; chunk 0's is grad_weight), else images.
  // The bias gradient is summed per item too (while the item's grad_output is in cache), then
  // over items in order.
  const bool want_bias = grad_bias.defined();
  const int64_t items =
      want_weight ? std::min(s.batch, weight_grad_chunks(s.batch, weight_numel, sizeof(T)))
                  : s.batch;
  std::unique_ptr<T[]> partials =
      want_weight && items > 1 ? scratch<T>((items - 1) * weight_numel) : nullptr;
  auto chunk_sum = [&](int64_t c) {
    return c == 0 ? grad_weight.data_ptr<T>() : partials.get() + (c - 1) * weight_numel;
  };
  if (want_weight && s.batch == 0) std::fill(chunk_sum(0), chunk_sum(0) + weight_numel, T(0));
  std::vector<double> bias_partials(want_bias ? static_cast<size_t>(items * s.cout) : 0, 0.0);

  const int64_t item_macs = image_macs(s) * ((want_input ? 1 : 0) + (want_weight ? 1 : 0)) *
                            std::max<int64_t>(1, s.batch / std::max<int64_t>(1, items));
  parallel_items(items, work_grain(item_macs), [&](const auto& take) {
    std::unique_ptr<T[]> col_buffer =
        need_col && want_weight ? scratch<T>(s.k * s.groups * s.plane) : nullptr;
    std::unique_ptr<T[]> dcol_buffer =
        need_col && want_input ? scratch<T>(s.k * s.groups * s.plane) : nullptr;
    for (int64_t item = take(); item >= 0; item = take()) {
      const int64_t n0 = want_weight ? item * s.batch / items : item;
      const int64_t n1 = want_weight ? (item + 1) * s.batch / items : item + 1;
      for (int64_t n = n0; n < n1; ++n) {
        const T* xn = x + n * s.cin * s.h * s.w;
        const T* dyn = dy + n * s.cout * s.plane;
        if (want_input) {
          T* dxn = dx + n * s.cin * s.h * s.w;
          T* dcol = need_col ? dcol_buffer.get() : dxn;
          for (int64_t g = 0; g < s.groups; ++g) {
            blas_gemm<T>(true, false, s.k, s.plane, s.cout_g, T(1), wt + g * s.cout_g * s.k, s.k,
                         dyn + g * s.cout_g * s.plane, s.plane, T(0), dcol + g * s.k * s.plane,
                         s.plane);
          }
          if (need_col) col2im(dcol, s, p, dxn);
        }
        if (want_weight) {
          const T* col = xn;
          if (need_col) {
            im2col(xn, s, p, col_buffer.get());
            col = col_buffer.get();
          }
          T* dw = chunk_sum(item);
          const T beta = n == n0 ? T(0) : T(1);
          for (int64_t g = 0; g < s.groups; ++g) {
            blas_gemm<T>(false, true, s.cout_g, s.k, s.plane, T(1), dyn + g * s.cout_g * s.plane,
                         s.plane, col + g * s.k * s.plane, s.plane, beta, dw + g * s.cout_g * s.k,
                         s.k);
          }
        }
        if (want_bias) {
          double* bp = bias_partials.data() + item * s.cout;
          for (int64_t co = 0; co < s.cout; ++co) bp[co] += row_sum(dyn + co * s.plane, s.plane);
        }
      }
    }
  });

  if (want_weight && items > 1) {
    T* dw = grad_weight.data_ptr<T>();
    parallel_for(0, weight_numel, kParallelGrain, [&](int64_t i0, int64_t i1) {
      for (int64_t c = 1; c < items; ++c) {
        const T* part = chunk_sum(c);
        for (int64_t i = i0; i < i1; ++i) dw[i] += part[i];
      }
    });
  }
  if (want_bias) {
    T* db = grad_bias.data_ptr<T>();
    for (int64_t co = 0; co < s.cout; ++co) {
      double sum = 0;
      for (int64_t i = 0; i < items; ++i) sum += bias_partials[i * s.cout + co];
      db[co] = static_cast<T>(sum);
    }
  }
}

void conv2d_kernel(const Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   const Conv2dParams& params) {
  dispatch_dtype<Float32And64>(out.dtype(), "conv2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    conv2d_forward_typed<T>(out, input, weight, bias, params);
  });
}

void conv2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                            const Tensor& grad_bias, const Tensor& grad_output, const Tensor& input,
                            const Tensor& weight, const Conv2dParams& params) {
  dispatch_dtype<Float32And64>(input.dtype(), "conv2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    conv2d_backward_typed<T>(grad_input, grad_weight, grad_bias, grad_output, input, weight,
                             params);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(conv2d, CPU, conv2d_kernel);
EMBER_REGISTER_KERNEL(conv2d_backward, CPU, conv2d_backward_kernel);

}  // namespace ember::cpu
