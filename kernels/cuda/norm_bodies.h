// The bodies of Ember's CUDA batch_norm and layer_norm kernels that are functions of an explicit
// index (a channel, an element, a column), as __host__ __device__ code: norm_kernels.cu runs them
// one thread each; tests/cuda/nn_body_test.cpp runs them in CPU loops. The per-channel and
// per-row sums themselves use block reductions (GPU-only, norm_kernels.cu). Free of CUDA headers.
//
// Note [Batch-norm statistics on the GPU]
// A channel's N * S values are split into `parts` ranges of whole batch rows; a block sums each
// part, all parts of all channels at once so that even a few channels fill the GPU. Sums are
// taken in double around a shift K (the channel's first value): sum(x - K) and sum((x - K)^2),
// whose variance sum2 / n - (sum1 / n)^2 does not cancel the way a plain sum of squares does
// when the mean is large against the spread (K is within a few deviations of the mean). Parts
// are combined per channel in part order: deterministic, no atomics. The CPU uses two passes in
// double; the results agree within double rounding.
#pragma once

#include <cmath>
#include <cstdint>

#include "ember/core/kernel_signatures.h"
#include "ember/core/macros.h"

namespace ember::cuda {

// The shifted sums of one part of one channel (batch_norm) or one part of one column
// (layer_norm's parameter gradients).
struct PartialSums {
  double a;  // batch_norm forward: sum(x - K); backward: sum(dy); layer_norm: sum(dy * xhat)
  double
      b;  // batch_norm forward: sum((x - K)^2); backward: sum(dy * (x - mean)); layer_norm: sum(dy)
};

// Rows [first, last) of batch part `part` of `parts` over n rows.
EMBER_HOST_DEVICE inline void part_rows(int64_t part, int64_t parts, int64_t n, int64_t* first,
                                        int64_t* last) {
  *first = part * n / parts;
  *last = (part + 1) * n / parts;
}

// A strided per-channel vector (running statistics may be views), or null.
template <typename T>
struct ChannelVector {
  T* data;
  int64_t stride;
  EMBER_HOST_DEVICE T& operator[](int64_t c) const { return data[c * stride]; }
};

// The channel of element e of [N, C, S], with 32-bit divisions when the sizes allow (much
// cheaper on the GPU).
EMBER_HOST_DEVICE inline int64_t channel_of(int64_t e, int64_t channels, int64_t spatial) {
  if (((e | channels | spatial) >> 31) == 0) {
    return static_cast<int64_t>((static_cast<uint32_t>(e) / static_cast<uint32_t>(spatial)) %
                                static_cast<uint32_t>(channels));
  }
  return (e / spatial) % channels;
}

// ---- batch_norm forward: per channel, then per element ----
// Per channel: mean and invstd (from the parts' sums when training, else from the running
// statistics), the running-statistics update, and the affine map y = x * scale + shift in T.
template <typename T>
struct BatchNormChannelBody {
  const PartialSums* partials;  // [C, parts] (training)
  const T* input;               // for K: x[0, c, 0]
  int64_t parts, batch, channels, spatial;
  const T* weight;                             // or null
  const T* bias;                               // or null
  ChannelVector<T> running_mean, running_var;  // data null when absent
  T* save_mean;                                // training
  T* save_invstd;
  T* scale;  // [C] scratch
  T* shift;
  BatchNormArgs args;

  EMBER_HOST_DEVICE void operator()(int64_t c) const {
    double mean, invstd;
    if (args.training) {
      const double count = static_cast<double>(batch * spatial);
      double s1 = 0, s2 = 0;
      for (int64_t g = 0; g < parts; ++g) {
        s1 += partials[c * parts + g].a;
        s2 += partials[c * parts + g].b;
      }
      const double k = static_cast<double>(input[c * spatial]);
      const double shifted_mean = s1 / count;
      double var = s2 / count - shifted_mean * shifted_mean;
      var = var > 0 ? var : 0;
      mean = k + shifted_mean;
      invstd = 1.0 / ::sqrt(var + args.eps);
      save_mean[c] = static_cast<T>(mean);
      save_invstd[c] = static_cast<T>(invstd);
      if (running_mean.data != nullptr) {
        const double unbiased = var * count / (count - 1);
        T& m = running_mean[c];
        T& v = running_var[c];
        m = static_cast<T>((1.0 - args.momentum) * static_cast<double>(m) + args.momentum * mean);
        v = static_cast<T>((1.0 - args.momentum) * static_cast<double>(v) +
                           args.momentum * unbiased);
      }
    } else {
      mean = static_cast<double>(running_mean[c]);
      invstd = 1.0 / ::sqrt(static_cast<double>(running_var[c]) + args.eps);
    }
    const double scale_d = (weight ? static_cast<double>(weight[c]) : 1.0) * invstd;
    scale[c] = static_cast<T>(scale_d);
    shift[c] = static_cast<T>((bias ? static_cast<double>(bias[c]) : 0.0) - mean * scale_d);
  }
};

// y[e] = x[e] * scale[c] + shift[c] for element e of [N, C, S].
template <typename T>
struct BatchNormApplyBody {
  T* out;
  const T* input;
  const T* scale;
  const T* shift;
  int64_t channels, spatial;
  EMBER_HOST_DEVICE void operator()(int64_t e) const {
    const int64_t c = channel_of(e, channels, spatial);
    out[e] = input[e] * scale[c] + shift[c];
  }
};

// ---- batch_norm backward ----
// Per-channel coefficients of the input gradient, and the parameter gradients.
struct BatchNormBackwardCoefficients {
  double mean, mean_dy, k, scale;  // training: dx = (dy - mean_dy - (x - mean) * k) * scale
};

template <typename T>
struct BatchNormBackwardChannelBody {
  const PartialSums* partials;  // [C, parts]: sum(dy), sum(dy * (x - mean))
  int64_t parts, count;
  const T* weight;                              // or null
  ChannelVector<const T> mean_of;               // save_mean (training) or running_mean
  ChannelVector<const T> stat_of;               // save_invstd (training) or running_var
  T* grad_weight;                               // or null
  T* grad_bias;                                 // or null
  BatchNormBackwardCoefficients* coefficients;  // [C]
  BatchNormArgs args;

  EMBER_HOST_DEVICE void operator()(int64_t c) const {
    const double mean = static_cast<double>(mean_of[c]);
    const double invstd = args.training ? static_cast<double>(stat_of[c])
                                        : 1.0 / ::sqrt(static_cast<double>(stat_of[c]) + args.eps);
    double sum_dy = 0, sum_dy_xmu = 0;
    for (int64_t g = 0; g < parts; ++g) {
      sum_dy += partials[c * parts + g].a;
      sum_dy_xmu += partials[c * parts + g].b;
    }
    if (grad_weight) grad_weight[c] = static_cast<T>(sum_dy_xmu * invstd);
    if (grad_bias) grad_bias[c] = static_cast<T>(sum_dy);
    const double wc = weight ? static_cast<double>(weight[c]) : 1.0;
    BatchNormBackwardCoefficients k;
    k.mean = mean;
    k.mean_dy = sum_dy / static_cast<double>(count);
    k.k = sum_dy_xmu / static_cast<double>(count) * invstd * invstd;
    k.scale = invstd * wc;
    coefficients[c] = k;
  }
};

// grad_input[e] for element e of [N, C, S].
template <typename T>
struct BatchNormBackwardApplyBody {
  T* grad_input;
  const T* grad_output;
  const T* input;
  const BatchNormBackwardCoefficients* coefficients;
  int64_t channels, spatial;
  bool training;
  EMBER_HOST_DEVICE void operator()(int64_t e) const {
    const BatchNormBackwardCoefficients& k = coefficients[channel_of(e, channels, spatial)];
    if (training) {
      const double xmu = static_cast<double>(input[e]) - k.mean;
      grad_input[e] =
          static_cast<T>((static_cast<double>(grad_output[e]) - k.mean_dy - xmu * k.k) * k.scale);
    } else {
      grad_input[e] = grad_output[e] * static_cast<T>(k.scale);
    }
  }
};

// ---- layer_norm's parameter gradients: columns summed over parts of the rows ----
// Sums over rows [first, last) of one column j: sum(dy * xhat) and sum(dy).
template <typename T>
struct LayerNormColumnPartBody {
  PartialSums* partials;  // [parts, cols]
  const T* grad_output;
  const T* input;
  const T* mean;
  const T* rstd;
  int64_t rows, cols, parts;
  EMBER_HOST_DEVICE void operator()(int64_t part, int64_t j) const {
    int64_t first, last;
    part_rows(part, parts, rows, &first, &last);
    double sw = 0, sb = 0;
    for (int64_t r = first; r < last; ++r) {
      const double g = static_cast<double>(grad_output[r * cols + j]);
      sw += g * (static_cast<double>(input[r * cols + j]) - static_cast<double>(mean[r])) *
            static_cast<double>(rstd[r]);
      sb += g;
    }
    partials[part * cols + j] = {sw, sb};
  }
};

template <typename T>
struct LayerNormColumnFinishBody {
  const PartialSums* partials;
  int64_t cols, parts;
  T* grad_weight;  // or null
  T* grad_bias;    // or null
  EMBER_HOST_DEVICE void operator()(int64_t j) const {
    double sw = 0, sb = 0;
    for (int64_t g = 0; g < parts; ++g) {
      sw += partials[g * cols + j].a;
      sb += partials[g * cols + j].b;
    }
    if (grad_weight) grad_weight[j] = static_cast<T>(sw);
    if (grad_bias) grad_bias[j] = static_cast<T>(sb);
  }
};

// How many parts the batch rows of each channel (or the rows of layer_norm's columns) are cut
// into: enough blocks to fill a large GPU whatever the channel count, each still worth a block.
// Depends only on the shapes, so results do not depend on the device.
EMBER_HOST_DEVICE inline int64_t parts_for(int64_t units, int64_t rows, int64_t elements_per_row) {
  constexpr int64_t kTargetBlocks = 1024, kMinElementsPerPart = 4096;
  int64_t parts = kTargetBlocks / (units > 0 ? units : 1);
  const int64_t by_work = rows * elements_per_row / kMinElementsPerPart;
  if (parts > by_work) parts = by_work;
  if (parts > rows) parts = rows;
  return parts > 1 ? parts : 1;
}

}  // namespace ember::cuda
