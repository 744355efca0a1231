// CPU rows of batch_norm and layer_norm, forward and backward. Statistics are accumulated in
// double with two passes (mean, then squared deviations), one channel (batch_norm) or one row
// (layer_norm) per loop iteration, so each sum runs in one fixed order whatever the threads.
// layer_norm's weight and bias gradients sum over rows per block of columns, also in row order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

// Element i of a 1-D tensor (any stride), or `fallback` when it is undefined.
template <typename T>
struct VectorReader {
  const T* data = nullptr;
  int64_t stride = 0;
  explicit VectorReader(const Tensor& t)
      : data(t.defined() ? t.data_ptr<T>() : nullptr), stride(t.defined() ? t.stride(0) : 0) {}
  double at(int64_t i, double fallback) const {
    return data ? static_cast<double>(data[i * stride]) : fallback;
  }
};

// Channels per thread chunk: enough elements to pay for a thread.
int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, per_channel));
}

template <typename T>
void batch_norm_typed(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                      const Tensor& input, const Tensor& weight, const Tensor& bias,
                      const Tensor& running_mean, const Tensor& running_var,
                      const BatchNormArgs& args) {
  const int64_t n_batch = input.size(0), channels = input.size(1), spatial = input.size(2);
  const int64_t count = n_batch * spatial;
  const T* x = input.data_ptr<T>();
  T* y = out.data_ptr<T>();
  const VectorReader<T> w(weight), b(bias);
  T* rm = running_mean.defined() ? running_mean.data_ptr<T>() : nullptr;
  T* rv = running_var.defined() ? running_var.data_ptr<T>() : nullptr;
  const int64_t rm_stride = rm ? running_mean.stride(0) : 0;
  const int64_t rv_stride = rv ? running_var.stride(0) : 0;
  parallel_for(0, channels, channel_grain(count), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double mean, invstd;
      if (args.training) {
        double sum = 0;
        for (int64_t n = 0; n < n_batch; ++n) {
          const T* row = x + (n * channels + c) * spatial;
          for (int64_t s = 0; s < spatial; ++s) sum += static_cast<double>(row[s]);
        }
        mean = sum / static_cast<double>(count);
        double squares = 0;
        for (int64_t n = 0; n < n_batch; ++n) {
          const T* row = x + (n * channels + c) * spatial;
          for (int64_t s = 0; s < spatial; ++s) {
            const double d = static_cast<double>(row[s]) - mean;
            squares += d * d;
          }
        }
        const double var = squares / static_cast<double>(count);
        invstd = 1.0 / std::sqrt(var + args.eps);
        save_mean.data_ptr<T>()[c] = static_cast<T>(mean);
        save_invstd.data_ptr<T>()[c] = static_cast<T>(invstd);
        if (rm != nullptr) {
          const double unbiased = squares / static_cast<double>(count - 1);
          T& m = rm[c * rm_stride];
          T& v = rv[c * rv_stride];
          m = static_cast<T>((1.0 - args.momentum) * static_cast<double>(m) + args.momentum * mean);
          v = static_cast<T>((1.0 - args.momentum) * static_cast<double>(v) +
                             args.momentum * unbiased);
        }
      } else {
        mean = static_cast<double>(rm[c * rm_stride]);
        invstd = 1.0 / std::sqrt(static_cast<double>(rv[c * rv_stride]) + args.eps);
      }
      // y = x * scale + shift, as PyTorch's CPU kernel computes it.
      const double scale_d = w.at(c, 1.0) * invstd;
      const T scale = static_cast<T>(scale_d);
      const T shift = static_cast<T>(b.at(c, 0.0) - mean * scale_d);
      for (int64_t n = 0; n < n_batch; ++n) {
        const T* xr = x + (n * channels + c) * spatial;
        T* yr = y + (n * channels + c) * spatial;
        for (int64_t s = 0; s < spatial; ++s) yr[s] = xr[s] * scale + shift;
      }
    }
  });
}

template <typename T>
void batch_norm_backward_typed(const Tensor& grad_input, const Tensor& grad_weight,
                               const Tensor& grad_bias, const Tensor& grad_output,
                               const Tensor& input, const Tensor& weight,
                               const Tensor& running_mean, const Tensor& running_var,
                               const Tensor& save_mean, const Tensor& save_invstd,
                               const BatchNormArgs& args) {
  const int64_t n_batch = input.size(0), channels = input.size(1), spatial = input.size(2);
  const int64_t count = n_batch * spatial;
  const T* x = input.data_ptr<T>();
  const T* dy = grad_output.data_ptr<T>();
  T* dx = grad_input.defined() ? grad_input.data_ptr<T>() : nullptr;
  const VectorReader<T> w(weight);
  const VectorReader<T> mean_of(args.training ? save_mean : running_mean);
  const VectorReader<T> stat_of(args.training ? save_invstd : running_var);
  parallel_for(0, channels, channel_grain(count), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double mean = mean_of.at(c, 0.0);
      const double invstd =
          args.training ? stat_of.at(c, 1.0) : 1.0 / std::sqrt(stat_of.at(c, 1.0) + args.eps);
      double sum_dy = 0, sum_dy_xmu = 0;
      for (int64_t n = 0; n < n_batch; ++n) {
        const int64_t base = (n * channels + c) * spatial;
        for (int64_t s = 0; s < spatial; ++s) {
          const double g = static_cast<double>(dy[base + s]);
          sum_dy += g;
          sum_dy_xmu += g * (static_cast<double>(x[base + s]) - mean);
        }
      }
      if (grad_weight.defined()) grad_weight.data_ptr<T>()[c] = static_cast<T>(sum_dy_xmu * invstd);
      if (grad_bias.defined()) grad_bias.data_ptr<T>()[c] = static_cast<T>(sum_dy);
      if (dx == nullptr) continue;
      const double wc = w.at(c, 1.0);
      if (args.training) {
        // dx = (dy - mean(dy) - (x - mean) * k) * invstd * w, k = mean(dy * (x - mean)) * invstd^2
        const double mean_dy = sum_dy / static_cast<double>(count);
        const double k = sum_dy_xmu / static_cast<double>(count) * invstd * invstd;
        const double scale = invstd * wc;
        for (int64_t n = 0; n < n_batch; ++n) {
          const int64_t base = (n * channels + c) * spatial;
          for (int64_t s = 0; s < spatial; ++s) {
            const double xmu = static_cast<double>(x[base + s]) - mean;
            dx[base + s] =
                static_cast<T>((static_cast<double>(dy[base + s]) - mean_dy - xmu * k) * scale);
          }
        }
      } else {
        const T scale = static_cast<T>(invstd * wc);
        for (int64_t n = 0; n < n_batch; ++n) {
          const int64_t base = (n * channels + c) * spatial;
          for (int64_t s = 0; s < spatial; ++s) dx[base + s] = dy[base + s] * scale;
        }
      }
    }
  });
}

template <typename T>
void layer_norm_typed(const Tensor& out, const Tensor& mean_out, const Tensor& rstd_out,
                      const Tensor& input, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t rows = input.size(0), cols = input.size(1);
  const T* x = input.data_ptr<T>();
  T* y = out.data_ptr<T>();
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
  T* mean_p = mean_out.data_ptr<T>();
  T* rstd_p = rstd_out.data_ptr<T>();
  parallel_for(0, rows, channel_grain(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      double sum = 0;
      for (int64_t j = 0; j < cols; ++j) sum += static_cast<double>(xr[j]);
      const double mean = sum / static_cast<double>(cols);
      double squares = 0;
      for (int64_t j = 0; j < cols; ++j) {
        const double d = static_cast<double>(xr[j]) - mean;
        squares += d * d;
      }
      const double rstd = 1.0 / std::sqrt(squares / static_cast<double>(cols) + eps);
      mean_p[r] = static_cast<T>(mean);
      rstd_p[r] = static_cast<T>(rstd);
      for (int64_t j = 0; j < cols; ++j) {
        double v = (static_cast<double>(xr[j]) - mean) * rstd;
        if (w) v *= static_cast<double>(w[j]);
        if (b) v += static_cast<double>(b[j]);
        yr[j] = static_cast<T>(v);
      }
    }
  });
}

template <typename T>
void layer_norm_backward_typed(const Tensor& grad_input, const Tensor& grad_weight,
                               const Tensor& grad_bias, const Tensor& grad_output,
                               const Tensor& input, const Tensor& mean_t, const Tensor& rstd_t,
                               const Tensor& weight) {
  const int64_t rows = input.size(0), cols = input.size(1);
  const T* x = input.data_ptr<T>();
  const T* dy = grad_output.data_ptr<T>();
  const T* mean = mean_t.data_ptr<T>();
  const T* rstd = rstd_t.data_ptr<T>();
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  if (grad_input.defined()) {
    T* dx = grad_input.data_ptr<T>();
    parallel_for(0, rows, channel_grain(cols), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * cols;
        const T* gr = dy + r * cols;
        const double mu = static_cast<double>(mean[r]), rs = static_cast<double>(rstd[r]);
        double sum_g = 0, sum_g_xhat = 0;  // of dxhat = dy * w
        for (int64_t j = 0; j < cols; ++j) {
          const double g = static_cast<double>(gr[j]) * (w ? static_cast<double>(w[j]) : 1.0);
          sum_g += g;
          sum_g_xhat += g * (static_cast<double>(xr[j]) - mu) * rs;
        }
        const double a = sum_g / static_cast<double>(cols);
        const double c = sum_g_xhat / static_cast<double>(cols);
        T* dr = dx + r * cols;
        for (int64_t j = 0; j < cols; ++j) {
          const double g = static_cast<double>(gr[j]) * (w ? static_cast<double>(w[j]) : 1.0);
          const double xhat = (static_cast<double>(xr[j]) - mu) * rs;
          dr[j] = static_cast<T>(rs * (g - a - xhat * c));
        }
      }
    });
  }
  if (grad_weight.defined() || grad_bias.defined()) {
    T* dw = grad_weight.defined() ? grad_weight.data_ptr<T>() : nullptr;
    T* db = grad_bias.defined() ? grad_bias.data_ptr<T>() : nullptr;
    constexpr int64_t kBlock = 256;
    const int64_t blocks = (cols + kBlock - 1) / kBlock;
    parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
      std::vector<double> sum_w(kBlock), sum_b(kBlock);
      for (int64_t blk = b0; blk < b1; ++blk) {
        const int64_t j0 = blk * kBlock, j1 = std::min(cols, j0 + kBlock);
        std::fill(sum_w.begin(), sum_w.end(), 0.0);
        std::fill(sum_b.begin(), sum_b.end(), 0.0);
        for (int64_t r = 0; r < rows; ++r) {
          const double mu = static_cast<double>(mean[r]), rs = static_cast<double>(rstd[r]);
          const T* xr = x + r * cols;
          const T* gr = dy + r * cols;
          for (int64_t j = j0; j < j1; ++j) {
            const double g = static_cast<double>(gr[j]);
            sum_w[j - j0] += g * (static_cast<double>(xr[j]) - mu) * rs;
            sum_b[j - j0] += g;
          }
        }
        for (int64_t j = j0; j < j1; ++j) {
          if (dw) dw[j] = static_cast<T>(sum_w[j - j0]);
          if (db) db[j] = static_cast<T>(sum_b[j - j0]);
        }
      }
    });
  }
}

void batch_norm_kernel(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                       const Tensor& input, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var,
                       const BatchNormArgs& args) {
  dispatch_dtype<Float32And64>(input.dtype(), "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    batch_norm_typed<T>(out, save_mean, save_invstd, input, weight, bias, running_mean, running_var,
                        args);
  });
}

void batch_norm_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                                const Tensor& grad_bias, const Tensor& grad_output,
                                const Tensor& input, const Tensor& weight,
                                const Tensor& running_mean, const Tensor& running_var,
                                const Tensor& save_mean, const Tensor& save_invstd,
                                const BatchNormArgs& args) {
  dispatch_dtype<Float32And64>(input.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    batch_norm_backward_typed<T>(grad_input, grad_weight, grad_bias, grad_output, input, weight,
                                 running_mean, running_var, save_mean, save_invstd, args);
  });
}

void layer_norm_kernel(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                       const Tensor& input, const Tensor& weight, const Tensor& bias, double eps) {
  dispatch_dtype<Float32And64>(input.dtype(), "layer_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    layer_norm_typed<T>(out, mean, rstd, input, weight, bias, eps);
  });
}

void layer_norm_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                                const Tensor& grad_bias, const Tensor& grad_output,
                                const Tensor& input, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight) {
  dispatch_dtype<Float32And64>(input.dtype(), "layer_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    layer_norm_backward_typed<T>(grad_input, grad_weight, grad_bias, grad_output, input, mean, rstd,
                                 weight);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(batch_norm, CPU, batch_norm_kernel);
EMBER_REGISTER_KERNEL(batch_norm_backward, CPU, batch_norm_backward_kernel);
EMBER_REGISTER_KERNEL(layer_norm, CPU, layer_norm_kernel);
EMBER_REGISTER_KERNEL(layer_norm_backward, CPU, layer_norm_backward_kernel);

}  // namespace ember::cpu
