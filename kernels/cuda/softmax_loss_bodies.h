// The per-position bodies of Ember's CUDA softmax and class-loss kernels, as __host__ __device__
// functions of an explicit position index: the thin __global__ wrappers in softmax_kernels.cu and
// class_loss_kernels.cu run them one thread per position, and tests/cuda/nn_body_test.cpp runs
// them in a plain CPU loop against the CPU kernels. Free of CUDA headers.
//
// A position is one softmax (or one sample's class scores) of a tensor seen as [outer, n, inner]:
// position p = o * inner + j reads x[o * n * inner + k * inner + j], k < n. These bodies serve the
// layouts where inner > 1 (the scores of a position are strided); rows with inner == 1 take the
// row kernels (a warp or block per row, GPU-only), which use the same math in float for float32.
// The bodies accumulate in double, as the CPU kernels do.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "ember/core/kernel_signatures.h"
#include "ember/core/macros.h"
#include "kernels/cross_entropy_math.h"
#include "kernels/cuda/bad_position.h"

namespace ember::cuda {

// Offset of position p's first score in [outer, n, inner].
EMBER_HOST_DEVICE inline int64_t position_offset(int64_t p, int64_t n, int64_t inner) {
  return (p / inner) * n * inner + p % inner;
}

EMBER_HOST_DEVICE inline double max_propagating_nan(double m, double v) {
  return (v > m || v != v) ? v : m;
}

// ---- softmax / log_softmax of one position ----
template <typename T, bool kLog>
struct SoftmaxColumnBody {
  T* out;
  const T* in;
  int64_t n, inner;
  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t base = position_offset(p, n, inner);
    const T* x = in + base;
    T* y = out + base;
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < n; ++k) m = max_propagating_nan(m, static_cast<double>(x[k * inner]));
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += ::exp(static_cast<double>(x[k * inner]) - m);
    if constexpr (kLog) {
      const double lse = m + ::log(s);
      for (int64_t k = 0; k < n; ++k)
        y[k * inner] = static_cast<T>(static_cast<double>(x[k * inner]) - lse);
    } else {
      const double inv = 1.0 / s;
      for (int64_t k = 0; k < n; ++k)
        y[k * inner] = static_cast<T>(::exp(static_cast<double>(x[k * inner]) - m) * inv);
    }
  }
};

// softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g).
template <typename T, bool kLog>
struct SoftmaxBackwardColumnBody {
  T* grad_input;
  const T* grad_output;
  const T* output;
  int64_t n, inner;
  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t base = position_offset(p, n, inner);
    const T* g = grad_output + base;
    const T* y = output + base;
    T* gx = grad_input + base;
    double s = 0;
    for (int64_t k = 0; k < n; ++k) {
      const double gk = static_cast<double>(g[k * inner]);
      s += kLog ? gk : gk * static_cast<double>(y[k * inner]);
    }
    for (int64_t k = 0; k < n; ++k) {
      const double gk = static_cast<double>(g[k * inner]), yk = static_cast<double>(y[k * inner]);
      gx[k * inner] = static_cast<T>(kLog ? gk - ::exp(yk) * s : yk * (gk - s));
    }
  }
};

// ---- cross_entropy of one position (log-softmax + NLL fused) ----
// Writes log_sum_exp[p]; the loss goes to loss_out[p] (Reduction::None) or, with the weight that
// counts for a mean, to per_loss[p] and per_weight[p] for the deterministic reduction.
template <typename T>
struct CrossEntropyColumnBody {
  const T* input;               // [N, C, inner]
  const int64_t* target_index;  // [N, inner], or null for probabilities
  const T* target_prob;         // [N, C, inner], or null
  const T* weight;              // [C] or null
  T* log_sum_exp;               // [N, inner]
  T* loss_out;                  // Reduction::None: [N, inner]; else null
  double* per_loss;             // else: [N, inner]
  double* per_weight;           // else: [N, inner]
  unsigned long long* bad;      // first out-of-range target
  ClassLossArgs args;

  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t C = args.classes, inner = args.inner;
    const int64_t offset = position_offset(p, C, inner);
    const T* xs = input + offset;
    const double lse = class_log_sum_exp<T, double>(xs, inner, C);
    log_sum_exp[p] = static_cast<T>(lse);
    double loss = 0, w = 0;
    if (target_prob != nullptr) {
      loss = cross_entropy_prob_loss<T, double>(xs, target_prob + offset, inner, C, weight, lse,
                                                args.label_smoothing);
      w = 1;
    } else {
      const int64_t t = target_index[p];
      if (t != args.ignore_index) {
        if (t < 0 || t >= C) {
          record_bad_position(bad, p);
        } else {
          loss = cross_entropy_index_loss<T, double>(xs, inner, C, t, weight, lse,
                                                     args.label_smoothing);
          w = class_weight<T, double>(weight, t);
        }
      }
    }
    if (loss_out != nullptr) {
      loss_out[p] = static_cast<T>(loss);
    } else {
      per_loss[p] = loss;
      per_weight[p] = w;
    }
  }
};

// The scalars every position of a cross_entropy or nll_loss backward needs, computed once on the
// device before the positions run: the mean's denominator and the sum of the class weights.
struct ClassLossTotals {
  double denominator;  // Mean: summed weight of counted targets (or positions); else 1
  double weight_sum;   // sum of all class weights (C without weights)
};

// d loss / d x of one position.
template <typename T>
struct CrossEntropyBackwardColumnBody {
  T* grad_input;       // [N, C, inner]
  const T* grad_loss;  // [N, inner] (None) or one value
  const T* input;
  const int64_t* target_index;
  const T* target_prob;
  const T* weight;
  const T* log_sum_exp;
  const ClassLossTotals* totals;  // one, on the device
  unsigned long long* bad;
  ClassLossArgs args;

  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t C = args.classes, inner = args.inner;
    const int64_t offset = position_offset(p, C, inner);
    const T* xs = input + offset;
    T* gs = grad_input + offset;
    const double eps = args.label_smoothing;
    double g = args.reduction == Reduction::None ? static_cast<double>(grad_loss[p])
                                                 : static_cast<double>(grad_loss[0]);
    if (args.reduction == Reduction::Mean) g /= totals->denominator;
    const double lse = static_cast<double>(log_sum_exp[p]);
    if (target_prob != nullptr) {
      const T* ps = target_prob + offset;
      double wq_sum = 0;
      for (int64_t c = 0; c < C; ++c) {
        const double q = (1 - eps) * static_cast<double>(ps[c * inner]) + eps / C;
        wq_sum += class_weight<T, double>(weight, c) * q;
      }
      for (int64_t c = 0; c < C; ++c) {
        const double q = (1 - eps) * static_cast<double>(ps[c * inner]) + eps / C;
        gs[c * inner] = static_cast<T>(
            g * cross_entropy_prob_grad<double>(static_cast<double>(xs[c * inner]), lse, wq_sum,
                                                class_weight<T, double>(weight, c) * q));
      }
      return;
    }
    const int64_t t = target_index[p];
    const bool counted = t != args.ignore_index && t >= 0 && t < C;
    if (!counted) {
      if (t != args.ignore_index) record_bad_position(bad, p);
      for (int64_t c = 0; c < C; ++c) gs[c * inner] = T(0);
      return;
    }
    const double w_t = class_weight<T, double>(weight, t);
    for (int64_t c = 0; c < C; ++c) {
      gs[c * inner] = static_cast<T>(
          g * cross_entropy_index_grad<double>(static_cast<double>(xs[c * inner]), lse, c == t,
                                               class_weight<T, double>(weight, c), w_t,
                                               totals->weight_sum, eps, C));
    }
  }
};

// ---- nll_loss of one position ----
template <typename T>
struct NllLossBody {
  const T* input;  // log-probabilities [N, C, inner]
  const int64_t* target;
  const T* weight;
  T* loss_out;  // None: [N, inner]; else null
  double* per_loss;
  double* per_weight;  // always written (total_weight)
  unsigned long long* bad;
  ClassLossArgs args;

  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t C = args.classes, inner = args.inner;
    const int64_t t = target[p];
    double loss = 0, w = 0;
    if (t != args.ignore_index) {
      if (t < 0 || t >= C) {
        record_bad_position(bad, p);
      } else {
        w = class_weight<T, double>(weight, t);
        loss = -w * static_cast<double>(input[(p / inner) * C * inner + t * inner + p % inner]);
      }
    }
    if (loss_out != nullptr) loss_out[p] = static_cast<T>(loss);
    if (per_loss != nullptr) per_loss[p] = loss;
    per_weight[p] = w;
  }
};

// grad_input of one position; grad_input is zeroed beforehand.
template <typename T>
struct NllLossBackwardBody {
  T* grad_input;
  const T* grad_loss;
  const int64_t* target;
  const T* weight;
  const T* total_weight;  // one value, on the device
  unsigned long long* bad;
  ClassLossArgs args;

  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t C = args.classes, inner = args.inner;
    const int64_t t = target[p];
    if (t == args.ignore_index) return;
    if (t < 0 || t >= C) {
      record_bad_position(bad, p);
      return;
    }
    double g = args.reduction == Reduction::None ? static_cast<double>(grad_loss[p])
                                                 : static_cast<double>(grad_loss[0]);
    if (args.reduction == Reduction::Mean) g /= static_cast<double>(total_weight[0]);
    grad_input[(p / inner) * C * inner + t * inner + p % inner] =
        static_cast<T>(-class_weight<T, double>(weight, t) * g);
  }
};

// The loss and (nll_loss) total weight from per-position values, as the CPU sums them: per-thread
// partial sums are combined in a fixed order on the device; this is the final step, used by the
// one-block reduction kernel and by the CPU test.
struct LossTotals {
  double loss;    // summed per-position losses
  double weight;  // summed per-position weights
};
EMBER_HOST_DEVICE inline double reduced_loss(const LossTotals& t, Reduction reduction,
                                             bool weighted_mean, int64_t positions) {
  if (reduction == Reduction::Sum) return t.loss;
  return t.loss / (weighted_mean ? t.weight : static_cast<double>(positions));
}

}  // namespace ember::cuda
