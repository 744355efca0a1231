// The math of the fused cross-entropy at one position (one sample, or one pixel of a K-d input)
// as __host__ __device__ functions, shared by the CPU loop and the CUDA kernels: the
// log-sum-exp of the class scores, the position's loss for a class-index or a class-probability
// target (class weights and label smoothing included, as PyTorch defines them), and the
// gradient of one class score. Scores of one position are x[c * stride], c < classes.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "ember/core/macros.h"

namespace ember {

// log(sum_c exp(x_c)), with the maximum subtracted first.
template <typename T, typename Acc>
EMBER_HOST_DEVICE inline Acc class_log_sum_exp(const T* x, int64_t stride, int64_t classes) {
  Acc m = -std::numeric_limits<Acc>::infinity();
  for (int64_t c = 0; c < classes; ++c) {
    const Acc v = static_cast<Acc>(x[c * stride]);
    if (v > m || v != v) m = v;
  }
  Acc s = 0;
  for (int64_t c = 0; c < classes; ++c) s += std::exp(static_cast<Acc>(x[c * stride]) - m);
  return m + std::log(s);
}

// Weight of class c (1 without weights).
template <typename T, typename Acc>
EMBER_HOST_DEVICE inline Acc class_weight(const T* weight, int64_t c) {
  return weight ? static_cast<Acc>(weight[c]) : Acc(1);
}

// Loss at a position whose target is class t (not ignored):
//   (1 - eps) * w_t * (lse - x_t) + eps / C * sum_c w_c * (lse - x_c).
template <typename T, typename Acc>
EMBER_HOST_DEVICE inline Acc cross_entropy_index_loss(const T* x, int64_t stride, int64_t classes,
                                                      int64_t t, const T* weight, Acc lse,
                                                      Acc smoothing) {
  Acc loss = (Acc(1) - smoothing) * class_weight<T, Acc>(weight, t) *
             (lse - static_cast<Acc>(x[t * stride]));
  if (smoothing > 0) {
    Acc smooth = 0;
    for (int64_t c = 0; c < classes; ++c)
      smooth += class_weight<T, Acc>(weight, c) * (lse - static_cast<Acc>(x[c * stride]));
    loss += smoothing / static_cast<Acc>(classes) * smooth;
  }
  return loss;
}

// Loss at a position with target probabilities p (same layout as x):
//   sum_c w_c * q_c * (lse - x_c), q_c = (1 - eps) * p_c + eps / C.
template <typename T, typename Acc>
EMBER_HOST_DEVICE inline Acc cross_entropy_prob_loss(const T* x, const T* p, int64_t stride,
                                                     int64_t classes, const T* weight, Acc lse,
                                                     Acc smoothing) {
  Acc loss = 0;
  for (int64_t c = 0; c < classes; ++c) {
    const Acc q = (Acc(1) - smoothing) * static_cast<Acc>(p[c * stride]) +
                  smoothing / static_cast<Acc>(classes);
    loss += class_weight<T, Acc>(weight, c) * q * (lse - static_cast<Acc>(x[c * stride]));
  }
  return loss;
}

// d loss / d x_c for a class-index target t, per unit of the position's loss gradient.
// weight_sum: sum of all class weights (C without weights).
template <typename Acc>
EMBER_HOST_DEVICE inline Acc cross_entropy_index_grad(Acc x_c, Acc lse, bool is_target, Acc w_c,
                                                      Acc w_t, Acc weight_sum, Acc smoothing,
                                                      int64_t classes) {
  const Acc p = std::exp(x_c - lse);
  Acc g = (Acc(1) - smoothing) * w_t * (p - (is_target ? Acc(1) : Acc(0)));
  if (smoothing > 0) g += smoothing / static_cast<Acc>(classes) * (weight_sum * p - w_c);
  return g;
}

// d loss / d x_c for probability targets: (sum_k w_k q_k) * softmax_c - w_c q_c.
// weighted_q_sum: sum_k w_k q_k; wq_c: w_c q_c.
template <typename Acc>
EMBER_HOST_DEVICE inline Acc cross_entropy_prob_grad(Acc x_c, Acc lse, Acc weighted_q_sum,
                                                     Acc wq_c) {
  return weighted_q_sum * std::exp(x_c - lse) - wq_c;
}

}  // namespace ember
