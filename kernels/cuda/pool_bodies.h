// The bodies of Ember's CUDA pooling kernels as __host__ __device__ functions of an explicit
// index, over planes [P, H, W] -> [P, Ho, Wo] (contiguous): forward bodies take an output
// element, backward bodies an input element. pool_kernels.cu runs them one thread per index;
// tests/cuda/nn_body_test.cpp runs them in a CPU loop against the CPU kernels. Free of CUDA
// headers.
//
// Note [Pooling backward as a gather]
// The CPU's backward walks the outputs and adds each one's gradient into its window, which on a
// GPU would need float atomics wherever windows overlap. Here each input element instead
// gathers from the outputs whose windows cover it: the candidates are a small range of output
// rows and columns computed from the geometry (widened by one on each side and then checked with
// the forward's own window function, so an off-by-one in the range cannot drop or add a term).
// Candidates are visited in increasing (oh, ow), the order in which the CPU adds them, and each
// term is the CPU's (gradient / divisor in the input's dtype): the results equal the CPU's bit
// for bit. max_pool2d_backward gets no geometry (only the indices), so it gathers by sorting
// instead (gather_scatter_kernels.cu).
#pragma once

#include <cstdint>

#include "ember/core/kernel_signatures.h"
#include "ember/core/macros.h"
#include "kernels/pool2d_math.h"

namespace ember::cuda {

// Sizes of a pooling over planes.
struct PlaneShape {
  int64_t planes, h, w, out_h, out_w;
};

// ---- forward: one output element each ----
template <typename T>
struct MaxPoolForwardBody {
  T* out;
  int64_t* indices;
  const T* in;
  PlaneShape s;
  Pool2dParams p;
  EMBER_HOST_DEVICE void operator()(int64_t o) const {
    const int64_t ow = o % s.out_w, oh = (o / s.out_w) % s.out_h, plane = o / (s.out_w * s.out_h);
    max_pool2d_window<T, T>(in + plane * s.h * s.w, s.h, s.w, oh, ow, p, out + o, indices + o);
  }
};

template <typename T>
struct AvgPoolForwardBody {
  T* out;
  const T* in;
  PlaneShape s;
  Pool2dParams p;
  EMBER_HOST_DEVICE void operator()(int64_t o) const {
    const int64_t ow = o % s.out_w, oh = (o / s.out_w) % s.out_h, plane = o / (s.out_w * s.out_h);
    const T* x = in + plane * s.h * s.w;
    const AvgPoolWindow win = avg_pool2d_window(s.h, s.w, oh, ow, p);
    T sum = 0;
    for (int64_t ih = win.h0; ih < win.h1; ++ih)
      for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += x[ih * s.w + iw];
    const bool empty = win.h0 >= win.h1 || win.w0 >= win.w1;
    out[o] = empty ? T(0) : sum / static_cast<T>(win.divisor);
  }
};

template <typename T>
struct AdaptiveAvgPoolForwardBody {
  T* out;
  const T* in;
  PlaneShape s;
  EMBER_HOST_DEVICE void operator()(int64_t o) const {
    const int64_t ow = o % s.out_w, oh = (o / s.out_w) % s.out_h, plane = o / (s.out_w * s.out_h);
    const T* x = in + plane * s.h * s.w;
    const int64_t h0 = adaptive_window_start(oh, s.h, s.out_h);
    const int64_t h1 = adaptive_window_end(oh, s.h, s.out_h);
    const int64_t w0 = adaptive_window_start(ow, s.w, s.out_w);
    const int64_t w1 = adaptive_window_end(ow, s.w, s.out_w);
    T sum = 0;
    for (int64_t ih = h0; ih < h1; ++ih)
      for (int64_t iw = w0; iw < w1; ++iw) sum += x[ih * s.w + iw];
    out[o] = sum / static_cast<T>((h1 - h0) * (w1 - w0));
  }
};

// ---- backward: one input element each (Note [Pooling backward as a gather]) ----

// Output positions [first, last] along one dim whose windows (start o * stride - pad, `kernel`
// long) can cover input position i, widened by one on each side and clipped to [0, outputs).
struct CandidateRange {
  int64_t first, last;
};
EMBER_HOST_DEVICE inline CandidateRange window_candidates(int64_t i, int64_t kernel, int64_t stride,
                                                          int64_t pad, int64_t outputs) {
  // o * stride - pad <= i  and  i < o * stride - pad + kernel
  const int64_t lo_num = i + pad - kernel + 1;
  int64_t first = lo_num <= 0 ? 0 : (lo_num + stride - 1) / stride;
  int64_t last = (i + pad) / stride;
  first = first > 0 ? first - 1 : 0;
  last = last + 1 < outputs - 1 ? last + 1 : outputs - 1;
  return {first, last};
}

// Adaptive windows of n outputs over `in` positions covering position i.
EMBER_HOST_DEVICE inline CandidateRange adaptive_candidates(int64_t i, int64_t in, int64_t n) {
  int64_t first = (i * n) / in;
  int64_t last = ((i + 1) * n + in - 1) / in - 1;
  first = first > 0 ? first - 1 : 0;
  last = last + 1 < n - 1 ? last + 1 : n - 1;
  return {first, last};
}

template <typename T>
struct AvgPoolBackwardBody {
  T* grad_input;
  const T* grad_output;
  PlaneShape s;
  Pool2dParams p;
  EMBER_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t iw = i % s.w, ih = (i / s.w) % s.h, plane = i / (s.w * s.h);
    const T* gy = grad_output + plane * s.out_h * s.out_w;
    const CandidateRange rh =
        window_candidates(ih, p.kernel[0], p.stride[0], p.padding[0], s.out_h);
    const CandidateRange rw =
        window_candidates(iw, p.kernel[1], p.stride[1], p.padding[1], s.out_w);
    T sum = 0;
    for (int64_t oh = rh.first; oh <= rh.last; ++oh) {
      for (int64_t ow = rw.first; ow <= rw.last; ++ow) {
        const AvgPoolWindow win = avg_pool2d_window(s.h, s.w, oh, ow, p);
        if (ih < win.h0 || ih >= win.h1 || iw < win.w0 || iw >= win.w1) continue;
        sum += gy[oh * s.out_w + ow] / static_cast<T>(win.divisor);
      }
    }
    grad_input[i] = sum;
  }
};

template <typename T>
struct AdaptiveAvgPoolBackwardBody {
  T* grad_input;
  const T* grad_output;
  PlaneShape s;
  EMBER_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t iw = i % s.w, ih = (i / s.w) % s.h, plane = i / (s.w * s.h);
    const T* gy = grad_output + plane * s.out_h * s.out_w;
    const CandidateRange rh = adaptive_candidates(ih, s.h, s.out_h);
    const CandidateRange rw = adaptive_candidates(iw, s.w, s.out_w);
    T sum = 0;
    for (int64_t oh = rh.first; oh <= rh.last; ++oh) {
      const int64_t h0 = adaptive_window_start(oh, s.h, s.out_h);
      const int64_t h1 = adaptive_window_end(oh, s.h, s.out_h);
      if (ih < h0 || ih >= h1) continue;
      for (int64_t ow = rw.first; ow <= rw.last; ++ow) {
        const int64_t w0 = adaptive_window_start(ow, s.w, s.out_w);
        const int64_t w1 = adaptive_window_end(ow, s.w, s.out_w);
        if (iw < w0 || iw >= w1) continue;
        sum += gy[oh * s.out_w + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
      }
    }
    grad_input[i] = sum;
  }
};

}  // namespace ember::cuda
