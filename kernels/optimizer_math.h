// The math of the fused optimizer updates, once, for the CPU rows
// (kernels/cpu/optimizer_kernels.cpp) and the CUDA rows: per-tensor scalars prepared on the host
// from a group's options and a parameter's step count, and a __host__ __device__ update of one
// element.
//
// Each update repeats, element by element and in the same order, the in-place ops of PyTorch 1.13's
// for-loop optimizers (torch/optim/*.py, _single_tensor_*), with every Python float converted to
// the compute type T once, as ATen does with a Scalar: mul_(b) is x * b, add_(y, alpha=a) is
// x + a * y, addcmul_(y, z, value=v) is x + v * y * z, addcdiv_(y, z, value=v) is x + v * y / z.
// Host-side scalars (bias corrections, lr / (1 + (step - 1) * lr_decay)) are computed in double
// with the same expressions as Python. The result matches the op-by-op rule within float rounding.
#pragma once

#include <math.h>

#include <cstdint>

#include "ember/core/kernel_signatures.h"
#include "ember/core/macros.h"

namespace ember::optim_math {

template <typename T>
EMBER_HOST_DEVICE inline T sqrt_of(T x) {
  if constexpr (sizeof(T) == sizeof(float)) {
    return ::sqrtf(x);
  } else {
    return ::sqrt(x);
  }
}

// ---- SGD ----
template <typename T>
struct SgdScalars {
  T grad_sign, neg_lr, momentum, one_minus_dampening, weight_decay;
};
template <typename T>
inline SgdScalars<T> sgd_scalars(const SgdStepArgs& a) {
  return {static_cast<T>(a.maximize ? -1 : 1), static_cast<T>(-a.lr), static_cast<T>(a.momentum),
          static_cast<T>(1.0 - a.dampening), static_cast<T>(a.weight_decay)};
}
// buf is read only when kMomentum; kFirst: the buffer is new and takes the gradient as is.
template <bool kMomentum, bool kFirst, bool kNesterov, bool kWeightDecay, typename T>
EMBER_HOST_DEVICE inline void sgd_update(T& p, T g, T* buf, const SgdScalars<T>& s) {
  T d = g * s.grad_sign;
  if constexpr (kWeightDecay) d = d + s.weight_decay * p;
  if constexpr (kMomentum) {
    T b;
    if constexpr (kFirst) {
      b = d;
    } else {
      b = *buf * s.momentum;
      b = b + s.one_minus_dampening * d;
    }
    *buf = b;
    if constexpr (kNesterov) {
      d = d + s.momentum * b;
    } else {
      d = b;
    }
  }
  p = p + s.neg_lr * d;
}

// ---- Adam / AdamW ----
// How weight decay enters: none, added to the gradient (Adam), or decoupled (AdamW).
enum class AdamWeightDecay { none, l2, decoupled };
inline AdamWeightDecay adam_weight_decay(const AdamStepArgs& a) {
  if (a.decoupled_weight_decay) return AdamWeightDecay::decoupled;
  return a.weight_decay != 0 ? AdamWeightDecay::l2 : AdamWeightDecay::none;
}
template <typename T>
struct AdamScalars {
  T grad_sign;  // -1 when maximising: -g is exact
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, param_decay;
  T neg_step_size, bias_correction2_sqrt;
};
template <typename T>
inline AdamScalars<T> adam_scalars(const AdamStepArgs& a, int64_t step) {
  const double s = static_cast<double>(step);
  const double bias_correction1 = 1.0 - ::pow(a.beta1, s);
  const double bias_correction2 = 1.0 - ::pow(a.beta2, s);
  const double step_size = a.lr / bias_correction1;
  AdamScalars<T> r;
  r.grad_sign = static_cast<T>(a.maximize ? -1 : 1);
  r.beta1 = static_cast<T>(a.beta1);
  r.one_minus_beta1 = static_cast<T>(1.0 - a.beta1);
  r.beta2 = static_cast<T>(a.beta2);
  r.one_minus_beta2 = static_cast<T>(1.0 - a.beta2);
  r.eps = static_cast<T>(a.eps);
  r.weight_decay = static_cast<T>(a.weight_decay);
  r.param_decay = static_cast<T>(1.0 - a.lr * a.weight_decay);
  r.neg_step_size = static_cast<T>(-step_size);
  r.bias_correction2_sqrt = static_cast<T>(::sqrt(bias_correction2));
  return r;
}
// torch.maximum: the larger, or NaN if either is NaN (written as a select so loops vectorise).
template <typename T>
EMBER_HOST_DEVICE inline T maximum_propagating_nan(T a, T b) {
  return (b > a || b != b) ? b : a;
}
// The switches are template arguments so that a CPU loop has no branches and vectorises.
// max_exp_avg_sq is read only when kAmsgrad.
template <bool kAmsgrad, AdamWeightDecay kWeightDecay, typename T>
EMBER_HOST_DEVICE inline void adam_update(T& p, T g, T& exp_avg, T& exp_avg_sq, T* max_exp_avg_sq,
                                          const AdamScalars<T>& s) {
  g = g * s.grad_sign;
  if constexpr (kWeightDecay == AdamWeightDecay::l2) g = g + s.weight_decay * p;
  if constexpr (kWeightDecay == AdamWeightDecay::decoupled) p = p * s.param_decay;
  T m = exp_avg * s.beta1;
  m = m + s.one_minus_beta1 * g;
  T v = exp_avg_sq * s.beta2;
  v = v + s.one_minus_beta2 * g * g;
  exp_avg = m;
  exp_avg_sq = v;
  if constexpr (kAmsgrad) {
    v = maximum_propagating_nan(*max_exp_avg_sq, v);
    *max_exp_avg_sq = v;
  }
  const T denom = sqrt_of(v) / s.bias_correction2_sqrt + s.eps;
  p = p + s.neg_step_size * m / denom;
}

// ---- RMSprop ----
template <typename T>
struct RmspropScalars {
  T grad_sign, neg_lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
};
template <typename T>
inline RmspropScalars<T> rmsprop_scalars(const RmspropStepArgs& a) {
  return {
      static_cast<T>(a.maximize ? -1 : 1), static_cast<T>(-a.lr), static_cast<T>(a.alpha),
      static_cast<T>(1.0 - a.alpha),       static_cast<T>(a.eps), static_cast<T>(a.weight_decay),
      static_cast<T>(a.momentum)};
}
// grad_avg is read only when kCentered, buf only when kMomentum.
template <bool kCentered, bool kMomentum, bool kWeightDecay, typename T>
EMBER_HOST_DEVICE inline void rmsprop_update(T& p, T g, T& square_avg, T* grad_avg, T* buf,
                                             const RmspropScalars<T>& s) {
  g = g * s.grad_sign;
  if constexpr (kWeightDecay) g = g + s.weight_decay * p;
  T sq = square_avg * s.alpha;
  sq = sq + s.one_minus_alpha * g * g;
  square_avg = sq;
  T avg;
  if constexpr (kCentered) {
    T ga = *grad_avg * s.alpha;
    ga = ga + s.one_minus_alpha * g;
    *grad_avg = ga;
    avg = sqrt_of(sq + static_cast<T>(-1) * ga * ga);
  } else {
    avg = sqrt_of(sq);
  }
  avg = avg + s.eps;
  if constexpr (kMomentum) {
    T b = *buf * s.momentum;
    b = b + static_cast<T>(1) * g / avg;
    *buf = b;
    p = p + s.neg_lr * b;
  } else {
    p = p + s.neg_lr * g / avg;
  }
}

// ---- Adagrad ----
template <typename T>
struct AdagradScalars {
  T neg_clr, eps, weight_decay;
  bool use_weight_decay, maximize;
};
template <typename T>
inline AdagradScalars<T> adagrad_scalars(const AdagradStepArgs& a, int64_t step) {
  const double clr = a.lr / (1.0 + static_cast<double>(step - 1) * a.lr_decay);
  return {static_cast<T>(-clr), static_cast<T>(a.eps), static_cast<T>(a.weight_decay),
          a.weight_decay != 0, a.maximize};
}
template <typename T>
EMBER_HOST_DEVICE inline void adagrad_update(T& p, T g, T& state_sum, const AdagradScalars<T>& s) {
  if (s.maximize) g = -g;
  if (s.use_weight_decay) g = g + s.weight_decay * p;
  const T sum = state_sum + static_cast<T>(1) * g * g;
  state_sum = sum;
  const T std = sqrt_of(sum) + s.eps;
  p = p + s.neg_clr * g / std;
}

// ---- Adadelta ----
template <typename T>
struct AdadeltaScalars {
  T neg_lr, rho, one_minus_rho, eps, weight_decay;
  bool use_weight_decay, maximize;
};
template <typename T>
inline AdadeltaScalars<T> adadelta_scalars(const AdadeltaStepArgs& a) {
  return {static_cast<T>(-a.lr),
          static_cast<T>(a.rho),
          static_cast<T>(1.0 - a.rho),
          static_cast<T>(a.eps),
          static_cast<T>(a.weight_decay),
          a.weight_decay != 0,
          a.maximize};
}
template <typename T>
EMBER_HOST_DEVICE inline void adadelta_update(T& p, T g, T& square_avg, T& acc_delta,
                                              const AdadeltaScalars<T>& s) {
  if (s.maximize) g = -g;
  if (s.use_weight_decay) g = g + s.weight_decay * p;
  T sq = square_avg * s.rho;
  sq = sq + s.one_minus_rho * g * g;
  square_avg = sq;
  const T std = sqrt_of(sq + s.eps);
  const T delta = sqrt_of(acc_delta + s.eps) / std * g;
  T acc = acc_delta * s.rho;
  acc = acc + s.one_minus_rho * delta * delta;
  acc_delta = acc;
  p = p + s.neg_lr * delta;
}

}  // namespace ember::optim_math
