// CPU rows of max_pool2d, avg_pool2d, adaptive_avg_pool2d and their backward: loops over planes
// (split over threads) around the window functions of kernels/pool2d_math.h. Backward kernels
// own whole planes, so overlapping windows add into grad_input in one fixed order per plane.
#include <algorithm>

#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/pool2d_math.h"

namespace ember::cpu {
namespace {

// Planes per thread chunk: enough elements to pay for a thread.
int64_t plane_grain(int64_t plane_elements) {
  return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, plane_elements));
}

void max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool2dParams& p) {
  const int64_t planes = input.size(0), h = input.size(1), w = input.size(2);
  const int64_t oh_n = out.size(1), ow_n = out.size(2);
  dispatch_dtype<Float32And64>(input.dtype(), "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    int64_t* idx = indices.data_ptr<int64_t>();
    parallel_for(0, planes, plane_grain(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* plane = x + pl * h * w;
        const int64_t base = pl * oh_n * ow_n;
        for (int64_t oh = 0; oh < oh_n; ++oh)
          for (int64_t ow = 0; ow < ow_n; ++ow)
            max_pool2d_window<T, T>(plane, h, w, oh, ow, p, y + base + oh * ow_n + ow,
                                    idx + base + oh * ow_n + ow);
      }
    });
  });
}

void max_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_output,
                                const Tensor& indices) {
  const int64_t planes = grad_input.size(0), plane_in = grad_input.size(1) * grad_input.size(2);
  const int64_t plane_out = grad_output.size(1) * grad_output.size(2);
  const int64_t* idx = indices.data_ptr<int64_t>();
  // First bad index (plane * plane_out + position), recorded and thrown after the loop.
  int64_t bad = -1;
  dispatch_dtype<Float32And64>(grad_input.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gx = grad_input.data_ptr<T>();
    const T* gy = grad_output.data_ptr<T>();
    parallel_for(0, planes, plane_grain(plane_in), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* gplane = gx + pl * plane_in;
        std::fill(gplane, gplane + plane_in, T(0));
        for (int64_t o = pl * plane_out; o < (pl + 1) * plane_out; ++o) {
          const int64_t i = idx[o];
          if (i < 0 || i >= plane_in) {
#pragma omp critical(ember_max_pool2d_bad_index)
            if (bad < 0 || o < bad) bad = o;
            continue;
          }
          gplane[i] += gy[o];
        }
      }
    });
  });
  EMBER_CHECK(bad < 0, Index,
              "max_pool2d_backward: index {} at position {} of indices is outside the input "
              "plane of {} elements; pass the indices max_pool2d_with_indices returned",
              idx[bad], bad, plane_in);
}

void avg_pool2d_kernel(const Tensor& out, const Tensor& input, const Pool2dParams& p) {
  const int64_t planes = input.size(0), h = input.size(1), w = input.size(2);
  const int64_t oh_n = out.size(1), ow_n = out.size(2);
  dispatch_dtype<Float32And64>(input.dtype(), "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    parallel_for(0, planes, plane_grain(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* plane = x + pl * h * w;
        T* yp = y + pl * oh_n * ow_n;
        for (int64_t oh = 0; oh < oh_n; ++oh) {
          for (int64_t ow = 0; ow < ow_n; ++ow) {
            const AvgPoolWindow win = avg_pool2d_window(h, w, oh, ow, p);
            T sum = 0;
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += plane[ih * w + iw];
            const bool empty = win.h0 >= win.h1 || win.w0 >= win.w1;
            yp[oh * ow_n + ow] = empty ? T(0) : sum / static_cast<T>(win.divisor);
          }
        }
      }
    });
  });
}

void avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_output,
                                const Pool2dParams& p) {
  const int64_t planes = grad_input.size(0), h = grad_input.size(1), w = grad_input.size(2);
  const int64_t oh_n = grad_output.size(1), ow_n = grad_output.size(2);
  dispatch_dtype<Float32And64>(grad_input.dtype(), "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gx = grad_input.data_ptr<T>();
    const T* gy = grad_output.data_ptr<T>();
    parallel_for(0, planes, plane_grain(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* gplane = gx + pl * h * w;
        const T* gyp = gy + pl * oh_n * ow_n;
        std::fill(gplane, gplane + h * w, T(0));
        for (int64_t oh = 0; oh < oh_n; ++oh) {
          for (int64_t ow = 0; ow < ow_n; ++ow) {
            const AvgPoolWindow win = avg_pool2d_window(h, w, oh, ow, p);
            const T g = gyp[oh * ow_n + ow] / static_cast<T>(win.divisor);
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) gplane[ih * w + iw] += g;
          }
        }
      }
    });
  });
}

void adaptive_avg_pool2d_kernel(const Tensor& out, const Tensor& input) {
  const int64_t planes = input.size(0), h = input.size(1), w = input.size(2);
  const int64_t oh_n = out.size(1), ow_n = out.size(2);
  dispatch_dtype<Float32And64>(input.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    parallel_for(0, planes, plane_grain(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* plane = x + pl * h * w;
        T* yp = y + pl * oh_n * ow_n;
        for (int64_t oh = 0; oh < oh_n; ++oh) {
          const int64_t h0 = adaptive_window_start(oh, h, oh_n);
          const int64_t h1 = adaptive_window_end(oh, h, oh_n);
          for (int64_t ow = 0; ow < ow_n; ++ow) {
            const int64_t w0 = adaptive_window_start(ow, w, ow_n);
            const int64_t w1 = adaptive_window_end(ow, w, ow_n);
            T sum = 0;
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) sum += plane[ih * w + iw];
            yp[oh * ow_n + ow] = sum / static_cast<T>((h1 - h0) * (w1 - w0));
          }
        }
      }
    });
  });
}

void adaptive_avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_output) {
  const int64_t planes = grad_input.size(0), h = grad_input.size(1), w = grad_input.size(2);
  const int64_t oh_n = grad_output.size(1), ow_n = grad_output.size(2);
  dispatch_dtype<Float32And64>(grad_input.dtype(), "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gx = grad_input.data_ptr<T>();
    const T* gy = grad_output.data_ptr<T>();
    parallel_for(0, planes, plane_grain(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* gplane = gx + pl * h * w;
        const T* gyp = gy + pl * oh_n * ow_n;
        std::fill(gplane, gplane + h * w, T(0));
        for (int64_t oh = 0; oh < oh_n; ++oh) {
          const int64_t h0 = adaptive_window_start(oh, h, oh_n);
          const int64_t h1 = adaptive_window_end(oh, h, oh_n);
          for (int64_t ow = 0; ow < ow_n; ++ow) {
            const int64_t w0 = adaptive_window_start(ow, w, ow_n);
            const int64_t w1 = adaptive_window_end(ow, w, ow_n);
            const T g = gyp[oh * ow_n + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) gplane[ih * w + iw] += g;
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(max_pool2d, CPU, max_pool2d_kernel);
EMBER_REGISTER_KERNEL(max_pool2d_backward, CPU, max_pool2d_backward_kernel);
EMBER_REGISTER_KERNEL(avg_pool2d, CPU, avg_pool2d_kernel);
EMBER_REGISTER_KERNEL(avg_pool2d_backward, CPU, avg_pool2d_backward_kernel);
EMBER_REGISTER_KERNEL(adaptive_avg_pool2d, CPU, adaptive_avg_pool2d_kernel);
EMBER_REGISTER_KERNEL(adaptive_avg_pool2d_backward, CPU, adaptive_avg_pool2d_backward_kernel);

}  // namespace ember::cpu
