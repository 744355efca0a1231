// The windows of 2-D pooling as __host__ __device__ functions of one output position, shared by
// the CPU loops and the CUDA kernels so both read the same input elements in the same order:
// max pooling (PyTorch's choice of the first maximum, NaN wins), average pooling (clipped
// windows, count_include_pad, divisor_override) and adaptive average pooling.
#pragma once

#include <cstdint>
#include <limits>

#include "ember/core/kernel_signatures.h"
#include "ember/core/macros.h"

namespace ember {

// The maximum of output (oh, ow)'s window over one plane [h, w]: its value and its flat index.
template <typename T, typename Acc>
EMBER_HOST_DEVICE inline void max_pool2d_window(const T* plane, int64_t h, int64_t w, int64_t oh,
                                                int64_t ow, const Pool2dParams& p, T* value,
                                                int64_t* index) {
  int64_t h0 = oh * p.stride[0] - p.padding[0];
  int64_t w0 = ow * p.stride[1] - p.padding[1];
  const int64_t h1 = h0 + (p.kernel[0] - 1) * p.dilation[0] + 1 < h
                         ? h0 + (p.kernel[0] - 1) * p.dilation[0] + 1
                         : h;
  const int64_t w1 = w0 + (p.kernel[1] - 1) * p.dilation[1] + 1 < w
                         ? w0 + (p.kernel[1] - 1) * p.dilation[1] + 1
                         : w;
  while (h0 < 0) h0 += p.dilation[0];
  while (w0 < 0) w0 += p.dilation[1];
  int64_t best_index = h0 * w + w0;
  Acc best = -std::numeric_limits<Acc>::infinity();
  for (int64_t ih = h0; ih < h1; ih += p.dilation[0]) {
    for (int64_t iw = w0; iw < w1; iw += p.dilation[1]) {
      const int64_t i = ih * w + iw;
      const Acc v = static_cast<Acc>(plane[i]);
      if (v > best || v != v) {  // NaN propagates
        best = v;
        best_index = i;
      }
    }
  }
  *value = static_cast<T>(best);
  *index = best_index;
}

// The part of output (oh, ow)'s average-pooling window inside the plane, and its divisor.
// Empty (h0 >= h1 or w0 >= w1) windows give 0.
struct AvgPoolWindow {
  int64_t h0, h1, w0, w1, divisor;
};
EMBER_HOST_DEVICE inline AvgPoolWindow avg_pool2d_window(int64_t h, int64_t w, int64_t oh,
                                                         int64_t ow, const Pool2dParams& p) {
  AvgPoolWindow win;
  win.h0 = oh * p.stride[0] - p.padding[0];
  win.w0 = ow * p.stride[1] - p.padding[1];
  win.h1 = win.h0 + p.kernel[0] < h + p.padding[0] ? win.h0 + p.kernel[0] : h + p.padding[0];
  win.w1 = win.w0 + p.kernel[1] < w + p.padding[1] ? win.w0 + p.kernel[1] : w + p.padding[1];
  const int64_t padded_size = (win.h1 - win.h0) * (win.w1 - win.w0);
  win.h0 = win.h0 > 0 ? win.h0 : 0;
  win.w0 = win.w0 > 0 ? win.w0 : 0;
  win.h1 = win.h1 < h ? win.h1 : h;
  win.w1 = win.w1 < w ? win.w1 : w;
  if (p.divisor_override != 0) {
    win.divisor = p.divisor_override;
  } else if (p.count_include_pad) {
    win.divisor = padded_size;
  } else {
    win.divisor = (win.h1 - win.h0) * (win.w1 - win.w0);
  }
  return win;
}

// Adaptive pooling: window i of `out` windows over `in` positions spans [start, end).
EMBER_HOST_DEVICE inline int64_t adaptive_window_start(int64_t i, int64_t in, int64_t out) {
  return (i * in) / out;
}
EMBER_HOST_DEVICE inline int64_t adaptive_window_end(int64_t i, int64_t in, int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

}  // namespace ember
