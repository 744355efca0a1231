// CPU rows of cross_entropy (log-softmax + NLL fused: one pass per position computes the
// log-sum-exp, which is saved, and the loss), its fused backward (softmax minus the smoothed,
// weighted target, written in one pass), and nll_loss forward and backward. Positions run in
// parallel; per-position losses are then reduced in position order, so a sum or mean does not
// depend on the thread count. A class index out of range (and not ignore_index) is recorded
// during the loop and thrown after it as an IndexError.
#include <atomic>
#include <limits>
#include <vector>

#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cross_entropy_math.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

// The first (lowest) position whose target is out of range, or -1.
class BadTarget {
 public:
  void record(int64_t position) {
    int64_t seen = first_.load(std::memory_order_relaxed);
    while ((seen < 0 || position < seen) &&
           !first_.compare_exchange_weak(seen, position, std::memory_order_relaxed)) {
    }
  }
  void throw_if_any(std::string_view op, const int64_t* target, const ClassLossArgs& args) const {
    const int64_t p = first_.load();
    EMBER_CHECK(p < 0, Index,
                "{}: target {} at position {} is out of bounds for {} classes (expected 0 to {}, "
                "or ignore_index {})",
                op, target[p], p, args.classes, args.classes - 1, args.ignore_index);
  }

 private:
  std::atomic<int64_t> first_{-1};
};

int64_t position_grain(int64_t classes) {
  return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, classes) / 4);
}

// Writes the reduced loss: per-position values for None, else their sum (divided by `denom`
// for Mean), summed in position order.
template <typename T>
void write_reduced(const Tensor& loss, const std::vector<double>& per_position, Reduction reduction,
                   double denom) {
  T* out = loss.data_ptr<T>();
  if (reduction == Reduction::None) {
    for (size_t i = 0; i < per_position.size(); ++i) out[i] = static_cast<T>(per_position[i]);
    return;
  }
  double total = 0;
  for (double v : per_position) total += v;
  out[0] = static_cast<T>(reduction == Reduction::Mean ? total / denom : total);
}

template <typename T>
void cross_entropy_typed(const Tensor& loss, const Tensor& lse_out, const Tensor& input,
                         const Tensor& target, const Tensor& weight, const ClassLossArgs& args) {
  const int64_t C = args.classes, inner = args.inner;
  const int64_t positions = input.numel() / C;
  const T* x = input.data_ptr<T>();
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  T* lse_p = lse_out.data_ptr<T>();
  const bool probs = target.dtype() != kInt64;
  const int64_t* t_index = probs ? nullptr : target.data_ptr<int64_t>();
  const T* t_prob = probs ? target.data_ptr<T>() : nullptr;
  const double eps = args.label_smoothing;
  std::vector<double> per_loss(static_cast<size_t>(positions));
  std::vector<double> per_weight(static_cast<size_t>(probs ? 0 : positions));
  BadTarget bad;
  parallel_for(0, positions, position_grain(C), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t offset = (p / inner) * C * inner + p % inner;
      const T* xs = x + offset;
      const double lse = class_log_sum_exp<T, double>(xs, inner, C);
      lse_p[p] = static_cast<T>(lse);
      if (probs) {
        per_loss[p] =
            cross_entropy_prob_loss<T, double>(xs, t_prob + offset, inner, C, w, lse, eps);
        continue;
      }
      const int64_t t = t_index[p];
      per_loss[p] = 0;
      per_weight[p] = 0;
      if (t == args.ignore_index) continue;
      if (t < 0 || t >= C) {
        bad.record(p);
        continue;
      }
      per_loss[p] = cross_entropy_index_loss<T, double>(xs, inner, C, t, w, lse, eps);
      per_weight[p] = class_weight<T, double>(w, t);
    }
  });
  if (!probs) bad.throw_if_any("cross_entropy", t_index, args);
  double denom = static_cast<double>(positions);
  if (!probs) {
    denom = 0;
    for (double v : per_weight) denom += v;
  }
  write_reduced<T>(loss, per_loss, args.reduction, denom);
}

template <typename T>
void cross_entropy_backward_typed(const Tensor& grad_input, const Tensor& grad_loss,
                                  const Tensor& input, const Tensor& target, const Tensor& weight,
                                  const Tensor& lse_t, const ClassLossArgs& args) {
  const int64_t C = args.classes, inner = args.inner;
  const int64_t positions = input.numel() / C;
  const T* x = input.data_ptr<T>();
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  const T* lse_p = lse_t.data_ptr<T>();
  const T* gl = grad_loss.data_ptr<T>();
  T* gx = grad_input.data_ptr<T>();
  const bool probs = target.dtype() != kInt64;
  const int64_t* t_index = probs ? nullptr : target.data_ptr<int64_t>();
  const T* t_prob = probs ? target.data_ptr<T>() : nullptr;
  const double eps = args.label_smoothing;

  double weight_sum = 0;
  for (int64_t c = 0; c < C; ++c) weight_sum += class_weight<T, double>(w, c);
  // Mean: the forward's denominator (summed weight of counted targets, or the position count).
  double denom = static_cast<double>(positions);
  if (args.reduction == Reduction::Mean && !probs) {
    denom = 0;
    for (int64_t p = 0; p < positions; ++p) {
      const int64_t t = t_index[p];
      if (t != args.ignore_index && t >= 0 && t < C) denom += class_weight<T, double>(w, t);
    }
  }
  BadTarget bad;
  parallel_for(0, positions, position_grain(C), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t offset = (p / inner) * C * inner + p % inner;
      const T* xs = x + offset;
      T* gs = gx + offset;
      double g = args.reduction == Reduction::None ? static_cast<double>(gl[p])
                                                   : static_cast<double>(gl[0]);
      if (args.reduction == Reduction::Mean) g /= denom;
      const double lse = static_cast<double>(lse_p[p]);
      if (probs) {
        const T* ps = t_prob + offset;
        double wq_sum = 0;
        for (int64_t c = 0; c < C; ++c) {
          const double q = (1 - eps) * static_cast<double>(ps[c * inner]) + eps / C;
          wq_sum += class_weight<T, double>(w, c) * q;
        }
        for (int64_t c = 0; c < C; ++c) {
          const double q = (1 - eps) * static_cast<double>(ps[c * inner]) + eps / C;
          gs[c * inner] = static_cast<T>(
              g * cross_entropy_prob_grad<double>(static_cast<double>(xs[c * inner]), lse, wq_sum,
                                                  class_weight<T, double>(w, c) * q));
        }
        continue;
      }
      const int64_t t = t_index[p];
      const bool counted = t != args.ignore_index && t >= 0 && t < C;
      if (!counted) {
        if (t != args.ignore_index) bad.record(p);
        for (int64_t c = 0; c < C; ++c) gs[c * inner] = T(0);
        continue;
      }
      const double w_t = class_weight<T, double>(w, t);
      for (int64_t c = 0; c < C; ++c) {
        gs[c * inner] =
            static_cast<T>(g * cross_entropy_index_grad<double>(
                                   static_cast<double>(xs[c * inner]), lse, c == t,
                                   class_weight<T, double>(w, c), w_t, weight_sum, eps, C));
      }
    }
  });
  if (!probs) bad.throw_if_any("cross_entropy_backward", t_index, args);
}

template <typename T>
void nll_loss_typed(const Tensor& loss, const Tensor& total_weight, const Tensor& input,
                    const Tensor& target, const Tensor& weight, const ClassLossArgs& args) {
  const int64_t C = args.classes, inner = args.inner;
  const int64_t positions = input.numel() / C;
  const T* x = input.data_ptr<T>();
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  const int64_t* t_index = target.data_ptr<int64_t>();
  std::vector<double> per_loss(static_cast<size_t>(positions));
  std::vector<double> per_weight(static_cast<size_t>(positions));
  BadTarget bad;
  parallel_for(0, positions, kParallelGrain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t t = t_index[p];
      per_loss[p] = 0;
      per_weight[p] = 0;
      if (t == args.ignore_index) continue;
      if (t < 0 || t >= C) {
        bad.record(p);
        continue;
      }
      const double wt = class_weight<T, double>(w, t);
      per_loss[p] = -wt * static_cast<double>(x[(p / inner) * C * inner + t * inner + p % inner]);
      per_weight[p] = wt;
    }
  });
  bad.throw_if_any("nll_loss", t_index, args);
  double total = 0;
  for (double v : per_weight) total += v;
  total_weight.data_ptr<T>()[0] = static_cast<T>(total);
  write_reduced<T>(loss, per_loss, args.reduction, total);
}

template <typename T>
void nll_loss_backward_typed(const Tensor& grad_input, const Tensor& grad_loss,
                             const Tensor& target, const Tensor& weight, const Tensor& total_weight,
                             const ClassLossArgs& args) {
  const int64_t C = args.classes, inner = args.inner;
  const int64_t positions = grad_input.numel() / C;
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  const int64_t* t_index = target.data_ptr<int64_t>();
  const T* gl = grad_loss.data_ptr<T>();
  T* gx = grad_input.data_ptr<T>();
  const double total = static_cast<double>(total_weight.data_ptr<T>()[0]);
  BadTarget bad;
  parallel_for(0, positions, position_grain(C), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gs = gx + (p / inner) * C * inner + p % inner;
      for (int64_t c = 0; c < C; ++c) gs[c * inner] = T(0);
      const int64_t t = t_index[p];
      if (t == args.ignore_index) continue;
      if (t < 0 || t >= C) {
        bad.record(p);
        continue;
      }
      double g = args.reduction == Reduction::None ? static_cast<double>(gl[p])
                                                   : static_cast<double>(gl[0]);
      if (args.reduction == Reduction::Mean) g /= total;
      gs[t * inner] = static_cast<T>(-class_weight<T, double>(w, t) * g);
    }
  });
  bad.throw_if_any("nll_loss_backward", t_index, args);
}

void cross_entropy_kernel(const Tensor& loss, const Tensor& lse, const Tensor& input,
                          const Tensor& target, const Tensor& weight, const ClassLossArgs& args) {
  dispatch_dtype<Float32And64>(input.dtype(), "cross_entropy", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cross_entropy_typed<T>(loss, lse, input, target, weight, args);
  });
}

void cross_entropy_backward_kernel(const Tensor& grad_input, const Tensor& grad_loss,
                                   const Tensor& input, const Tensor& target, const Tensor& weight,
                                   const Tensor& lse, const ClassLossArgs& args) {
  dispatch_dtype<Float32And64>(input.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cross_entropy_backward_typed<T>(grad_input, grad_loss, input, target, weight, lse, args);
  });
}

void nll_loss_kernel(const Tensor& loss, const Tensor& total_weight, const Tensor& input,
                     const Tensor& target, const Tensor& weight, const ClassLossArgs& args) {
  dispatch_dtype<Float32And64>(input.dtype(), "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_loss_typed<T>(loss, total_weight, input, target, weight, args);
  });
}

void nll_loss_backward_kernel(const Tensor& grad_input, const Tensor& grad_loss,
                              const Tensor& target, const Tensor& weight,
                              const Tensor& total_weight, const ClassLossArgs& args) {
  dispatch_dtype<Float32And64>(grad_input.dtype(), "nll_loss_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_loss_backward_typed<T>(grad_input, grad_loss, target, weight, total_weight, args);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(cross_entropy, CPU, cross_entropy_kernel);
EMBER_REGISTER_KERNEL(cross_entropy_backward, CPU, cross_entropy_backward_kernel);
EMBER_REGISTER_KERNEL(nll_loss, CPU, nll_loss_kernel);
EMBER_REGISTER_KERNEL(nll_loss_backward, CPU, nll_loss_backward_kernel);

}  // namespace ember::cpu
