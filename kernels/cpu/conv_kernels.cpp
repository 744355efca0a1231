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
// into its own buffer, and the chunk buffers are added in chunk order at the end.
#include <algorithm>
#include <cstring>
#include <memory>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"
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
          if (sw == 1) {
            std::memcpy(dst + cols.begin, src + cols.begin,
                        static_cast<size_t>(cols.end - cols.begin) * sizeof(T));
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

template <typename T>
std::unique_ptr<T[]> scratch(int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))]);
}

template <typename T>
void conv2d_forward_typed(const Tensor& out, const Tensor& input, const Tensor& weight,
                          const Tensor& bias, const Conv2dParams& p) {
  const ConvShape s = conv_shape(input, weight, out, p);
  const T* x = input.data_ptr<T>();
  const T* wt = weight.data_ptr<T>();
  const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
  T* y = out.data_ptr<T>();
  parallel_for(0, s.batch, 1, [&](int64_t n0, int64_t n1) {
    std::unique_ptr<T[]> col_buffer = s.pointwise ? nullptr : scratch<T>(s.k * s.groups * s.plane);
    for (int64_t n = n0; n < n1; ++n) {
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
  T* dx = want_input ? grad_input.data_ptr<T>() : nullptr;
  const int64_t weight_numel = s.cout * s.k;

  // Per-chunk weight-gradient sums; chunk 0 sums straight into grad_weight.
  const int64_t chunks =
      want_weight ? std::min(s.batch, weight_grad_chunks(s.batch, weight_numel, sizeof(T))) : 0;
  std::unique_ptr<T[]> partials = chunks > 1 ? scratch<T>((chunks - 1) * weight_numel) : nullptr;
  auto chunk_sum = [&](int64_t c) {
    return c == 0 ? grad_weight.data_ptr<T>() : partials.get() + (c - 1) * weight_numel;
  };

  // Runs images [n0, n1): their input gradients and, when `chunk` >= 0, their weight gradient
  // summed into chunk `chunk`'s buffer.
  auto run_images = [&](int64_t n0, int64_t n1, int64_t chunk) {
    const bool need_col = !s.pointwise;
    std::unique_ptr<T[]> col_buffer =
        need_col && chunk >= 0 ? scratch<T>(s.k * s.groups * s.plane) : nullptr;
    std::unique_ptr<T[]> dcol_buffer =
        need_col && want_input ? scratch<T>(s.k * s.groups * s.plane) : nullptr;
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
      if (chunk >= 0) {
        const T* col = xn;
        if (need_col) {
          im2col(xn, s, p, col_buffer.get());
          col = col_buffer.get();
        }
        T* dw = chunk_sum(chunk);
        const T beta = n == n0 ? T(0) : T(1);
        for (int64_t g = 0; g < s.groups; ++g) {
          blas_gemm<T>(false, true, s.cout_g, s.k, s.plane, T(1), dyn + g * s.cout_g * s.plane,
                       s.plane, col + g * s.k * s.plane, s.plane, beta, dw + g * s.cout_g * s.k,
                       s.k);
        }
      }
    }
  };

  if (want_weight) {
    if (s.batch == 0) std::fill(chunk_sum(0), chunk_sum(0) + weight_numel, T(0));
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c)
        run_images(c * s.batch / chunks, (c + 1) * s.batch / chunks, c);
    });
    if (chunks > 1) {
      T* dw = grad_weight.data_ptr<T>();
      parallel_for(0, weight_numel, kParallelGrain, [&](int64_t i0, int64_t i1) {
        for (int64_t c = 1; c < chunks; ++c) {
          const T* part = chunk_sum(c);
          for (int64_t i = i0; i < i1; ++i) dw[i] += part[i];
        }
      });
    }
  } else if (want_input) {
    parallel_for(0, s.batch, 1, [&](int64_t n0, int64_t n1) { run_images(n0, n1, -1); });
  }

  if (grad_bias.defined()) {
    T* db = grad_bias.data_ptr<T>();
    parallel_for(0, s.cout, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t co = c0; co < c1; ++co) {
        double sum = 0;
        for (int64_t n = 0; n < s.batch; ++n) {
          const T* row = dy + (n * s.cout + co) * s.plane;
          for (int64_t i = 0; i < s.plane; ++i) sum += static_cast<double>(row[i]);
        }
        db[co] = static_cast<T>(sum);
      }
    });
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
