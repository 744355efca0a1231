// CUDA rows of cross_entropy (log-softmax + NLL fused, forward and backward) and nll_loss
// (forward and backward).
//
// Note [Fused cross-entropy on the GPU]
// The loss is memory-bound: everything it needs is one read of the class scores. For class
// scores in rows (inner == 1: [N, C]) a warp (C <= 1024) or a block of 256 threads (larger C) owns
// a row and reads it once with 16-byte vector loads, keeping an online softmax denominator
// (running maximum and sum of exp, rescaled when the maximum grows), so max and sum need no
// second pass; the target's score is one more load. Label smoothing and probability targets
// need sum_c w_c q_c (lse - x_c), which a second pass over the row (in L1/L2 by then) computes
// directly rather than as lse * sum - sum, which could cancel. The backward writes
// softmax - smoothed target, weighted and scaled, in one read and one write of the row: the
// bytes of a copy. float32 accumulates in float (double exp would make the loss compute-bound),
// float64 in double. Layouts with inner > 1 ([N, C, d...]) run one thread per position with the
// double-accumulating bodies of softmax_loss_bodies.h, as the CPU does.
//
// Reductions are deterministic with no atomics: each position writes its loss (and the weight
// that counts for a mean) to a scratch array, and one block sums the array in a fixed order.
// Targets out of range are recorded in a device word and reported after the launch as the CPU's
// IndexError (Note [Bad indices on the GPU]): that read-back synchronises with the stream, once
// per cross_entropy / nll_loss call and once per backward call with class-index targets.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/group_reduce.cuh"
#include "kernels/cuda/nn_kernel_support.h"
#include "kernels/cuda/position_launch.cuh"
#include "kernels/cuda/row_access.cuh"
#include "kernels/cuda/softmax_loss_bodies.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

template <typename T>
using AccOf = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T, typename Acc>
__device__ inline Acc weight_of(const T* weight, int64_t c) {
  return weight != nullptr ? Acc(weight[c]) : Acc(1);
}

// ---- forward, rows ----
template <typename T>
struct CrossEntropyRows {
  const T* input;
  const int64_t* target_index;  // or null
  const T* target_prob;         // or null
  const T* weight;              // or null
  T* log_sum_exp;
  T* loss_out;  // Reduction::None, else null
  double* per_loss;
  double* per_weight;
  unsigned long long* bad;
  ClassLossArgs args;
  int64_t rows;
};

template <typename T, int kGroup, int kVec>
__global__ void cross_entropy_rows_kernel(CrossEntropyRows<T> a) {
  using Acc = AccOf<T>;
  __shared__ Acc shared_max[kGroup / 32], shared_sum[kGroup / 32];
  const int64_t row = group_row<kGroup>();
  if (row >= a.rows) return;
  const int lane = threadIdx.x;
  const int64_t C = a.args.classes;
  const Acc eps = Acc(a.args.label_smoothing);
  const T* x = a.input + row * C;

  MaxSum<Acc> ms{Acc(-INFINITY), Acc(0)};
  for_each_owned<kGroup, kVec>(x, C, lane, [&](int64_t, T v) { add_to_max_sum(ms, Acc(v)); });
  ms = group_reduce_max_sum<kGroup>(ms, shared_max, shared_sum);
  const Acc lse = log_sum_exp_of(ms);

  Acc loss = 0, counted_weight = 0;
  if (a.target_prob != nullptr) {
    Acc part = 0;
    for_each_owned2<kGroup, kVec>(x, a.target_prob + row * C, C, lane, [&](int64_t c, T xv, T pv) {
      const Acc q = (Acc(1) - eps) * Acc(pv) + eps / Acc(C);
      part += weight_of<T, Acc>(a.weight, c) * q * (lse - Acc(xv));
    });
    loss = group_reduce<kGroup>(part, SumOp{}, shared_sum);
    counted_weight = 1;
  } else {
    const int64_t t = a.target_index[row];
    if (t != a.args.ignore_index) {
      if (t < 0 || t >= C) {
        if (lane == 0) record_bad_position(a.bad, row);
      } else {
        const Acc w_t = weight_of<T, Acc>(a.weight, t);
        loss = (Acc(1) - eps) * w_t * (lse - Acc(x[t]));
        if (a.args.label_smoothing > 0) {
          Acc part = 0;
          for_each_owned<kGroup, kVec>(x, C, lane, [&](int64_t c, T v) {
            part += weight_of<T, Acc>(a.weight, c) * (lse - Acc(v));
          });
          part = group_reduce<kGroup>(part, SumOp{}, shared_sum);
          loss += eps / Acc(C) * part;
        }
        counted_weight = w_t;
      }
    }
  }
  if (lane != 0) return;
  a.log_sum_exp[row] = T(lse);
  if (a.loss_out != nullptr) {
    a.loss_out[row] = T(loss);
  } else {
    a.per_loss[row] = double(loss);
    a.per_weight[row] = double(counted_weight);
  }
}

// ---- backward, rows ----
template <typename T>
struct CrossEntropyBackwardRows {
  T* grad_input;
  const T* grad_loss;
  const T* input;
  const int64_t* target_index;
  const T* target_prob;
  const T* weight;
  const T* log_sum_exp;
  const ClassLossTotals* totals;
  unsigned long long* bad;
  ClassLossArgs args;
  int64_t rows;
};

template <typename T, int kGroup, int kVec>
__global__ void cross_entropy_backward_rows_kernel(CrossEntropyBackwardRows<T> a) {
  using Acc = AccOf<T>;
  __shared__ Acc shared[kGroup / 32];
  const int64_t row = group_row<kGroup>();
  if (row >= a.rows) return;
  const int lane = threadIdx.x;
  const int64_t C = a.args.classes;
  const Acc eps = Acc(a.args.label_smoothing);
  const T* x = a.input + row * C;
  T* gx = a.grad_input + row * C;
  double g_d =
      a.args.reduction == Reduction::None ? double(a.grad_loss[row]) : double(a.grad_loss[0]);
  if (a.args.reduction == Reduction::Mean) g_d /= a.totals->denominator;
  const Acc g = Acc(g_d);
  const Acc lse = Acc(a.log_sum_exp[row]);

  if (a.target_prob != nullptr) {
    const T* pr = a.target_prob + row * C;
    Acc wq = 0;
    for_each_owned<kGroup, kVec>(pr, C, lane, [&](int64_t c, T pv) {
      wq += weight_of<T, Acc>(a.weight, c) * ((Acc(1) - eps) * Acc(pv) + eps / Acc(C));
    });
    wq = group_reduce<kGroup>(wq, SumOp{}, shared);
    transform_owned2<kGroup, kVec>(x, pr, gx, C, lane, [&](int64_t c, T xv, T pv) {
      const Acc q = (Acc(1) - eps) * Acc(pv) + eps / Acc(C);
      return T(g *
               cross_entropy_prob_grad<Acc>(Acc(xv), lse, wq, weight_of<T, Acc>(a.weight, c) * q));
    });
    return;
  }
  const int64_t t = a.target_index[row];
  const bool counted = t != a.args.ignore_index && t >= 0 && t < C;
  if (!counted) {
    if (t != a.args.ignore_index && lane == 0) record_bad_position(a.bad, row);
    transform_owned<kGroup, kVec>(x, gx, C, lane, [](int64_t, T) { return T(0); });
    return;
  }
  const Acc w_t = weight_of<T, Acc>(a.weight, t);
  const Acc weight_sum = Acc(a.totals->weight_sum);
  transform_owned<kGroup, kVec>(x, gx, C, lane, [&](int64_t c, T xv) {
    return T(g * cross_entropy_index_grad<Acc>(Acc(xv), lse, c == t, weight_of<T, Acc>(a.weight, c),
                                               w_t, weight_sum, eps, C));
  });
}

// ---- one-block reductions ----
constexpr int kReduceThreads = 1024;

// loss (when not null) = the reduced per-position losses; total_weight (when not null) = the
// summed per-position weights. Summed in a fixed order (Note [Deterministic group reductions]).
template <typename T>
__global__ void __launch_bounds__(kReduceThreads)
    reduce_loss_kernel(T* loss, T* total_weight, const double* per_loss, const double* per_weight,
                       int64_t positions, Reduction reduction, bool weighted_mean) {
  __shared__ double shared[kReduceThreads / 32];
  double l = 0, w = 0;
  for (int64_t p = threadIdx.x; p < positions; p += kReduceThreads) {
    if (per_loss != nullptr) l += per_loss[p];
    w += per_weight[p];
  }
  l = group_reduce<kReduceThreads>(l, SumOp{}, shared);
  w = group_reduce<kReduceThreads>(w, SumOp{}, shared);
  if (threadIdx.x != 0) return;
  if (loss != nullptr) loss[0] = T(reduced_loss({l, w}, reduction, weighted_mean, positions));
  if (total_weight != nullptr) total_weight[0] = T(w);
}

// The denominator of a mean and the sum of class weights, for the backward passes.
template <typename T>
__global__ void __launch_bounds__(kReduceThreads)
    class_loss_totals_kernel(ClassLossTotals* totals, const int64_t* target, const T* weight,
                             int64_t positions, ClassLossArgs args) {
  __shared__ double shared[kReduceThreads / 32];
  double counted = 0, weight_sum = 0;
  if (target != nullptr) {
    for (int64_t p = threadIdx.x; p < positions; p += kReduceThreads) {
      const int64_t t = target[p];
      if (t != args.ignore_index && t >= 0 && t < args.classes)
        counted += weight != nullptr ? double(weight[t]) : 1.0;
    }
  }
  for (int64_t c = threadIdx.x; c < args.classes; c += kReduceThreads)
    weight_sum += weight != nullptr ? double(weight[c]) : 1.0;
  counted = group_reduce<kReduceThreads>(counted, SumOp{}, shared);
  weight_sum = group_reduce<kReduceThreads>(weight_sum, SumOp{}, shared);
  if (threadIdx.x != 0) return;
  totals->denominator = target != nullptr ? counted : double(positions);
  totals->weight_sum = weight_sum;
}

struct LaunchContext {
  int device;
  cudaStream_t stream;
};

LaunchContext context_of(const Tensor& t) {
  return {t.device().index(), current_stream(t.device().index())};
}

// Throws the CPU's IndexError when a kernel recorded a bad class target (synchronises).
void check_targets(const BadPositionFlag& bad, const char* op, const Tensor& target,
                   const ClassLossArgs& args, cudaStream_t stream) {
  const int64_t p = bad.wait_and_read();
  if (p >= 0) throw_class_target_error(op, read_int64(target, p, stream), p, args);
}

template <typename T>
void cross_entropy_typed(const Tensor& loss, const Tensor& lse, const Tensor& input,
                         const Tensor& target, const Tensor& weight, const ClassLossArgs& args,
                         const LaunchContext& ctx) {
  const int64_t C = args.classes;
  const int64_t positions = input.numel() / C;
  const bool probs = target.dtype() != kInt64;
  const bool none = args.reduction == Reduction::None;
  const BadPositionFlag bad(ctx.device, ctx.stream);
  Tensor scratch;
  double* per_loss = nullptr;
  double* per_weight = nullptr;
  if (!none) {
    scratch = nn_scratch(2 * positions * static_cast<int64_t>(sizeof(double)), ctx.device);
    per_loss = reinterpret_cast<double*>(scratch.data_ptr());
    per_weight = per_loss + positions;
  }
  const T* x = input.data_ptr<T>();
  const int64_t* t_index = probs ? nullptr : target.data_ptr<int64_t>();
  const T* t_prob = probs ? target.data_ptr<T>() : nullptr;
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  T* loss_out = none ? loss.data_ptr<T>() : nullptr;
  if (positions > 0 && args.inner == 1) {
    const CrossEntropyRows<T> rows{x,        t_index,  t_prob,     w,          lse.data_ptr<T>(),
                                   loss_out, per_loss, per_weight, bad.slot(), args,
                                   positions};
    const bool vec =
        rows_vectorizable<T>(x, C) && (t_prob == nullptr || rows_vectorizable<T>(t_prob, C));
    with_row_config<T>(positions, C, vec, [&](auto config, dim3 grid, dim3 block) {
      using Config = decltype(config);
      cross_entropy_rows_kernel<T, Config::group, Config::vec>
          <<<grid, block, 0, ctx.stream>>>(rows);
    });
  } else {
    launch_positions(CrossEntropyColumnBody<T>{x, t_index, t_prob, w, lse.data_ptr<T>(), loss_out,
                                               per_loss, per_weight, bad.slot(), args},
                     positions, ctx.stream);
  }
  if (!none) {
    reduce_loss_kernel<T><<<1, kReduceThreads, 0, ctx.stream>>>(
        loss.data_ptr<T>(), nullptr, per_loss, per_weight, positions, args.reduction, !probs);
  }
  check_launch("cross_entropy");
  if (!probs) check_targets(bad, "cross_entropy", target, args, ctx.stream);
}

template <typename T>
void cross_entropy_backward_typed(const Tensor& grad_input, const Tensor& grad_loss,
                                  const Tensor& input, const Tensor& target, const Tensor& weight,
                                  const Tensor& lse, const ClassLossArgs& args,
                                  const LaunchContext& ctx) {
  const int64_t C = args.classes;
  const int64_t positions = input.numel() / C;
  if (positions == 0) return;
  const bool probs = target.dtype() != kInt64;
  const BadPositionFlag bad(ctx.device, ctx.stream);
  const Tensor totals_buffer = nn_scratch(sizeof(ClassLossTotals), ctx.device);
  auto* totals = reinterpret_cast<ClassLossTotals*>(totals_buffer.data_ptr());
  const T* x = input.data_ptr<T>();
  const int64_t* t_index = probs ? nullptr : target.data_ptr<int64_t>();
  const T* t_prob = probs ? target.data_ptr<T>() : nullptr;
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  class_loss_totals_kernel<T>
      <<<1, kReduceThreads, 0, ctx.stream>>>(totals, t_index, w, positions, args);
  if (args.inner == 1) {
    const CrossEntropyBackwardRows<T> rows{grad_input.data_ptr<T>(),
                                           grad_loss.data_ptr<T>(),
                                           x,
                                           t_index,
                                           t_prob,
                                           w,
                                           lse.data_ptr<T>(),
                                           totals,
                                           bad.slot(),
                                           args,
                                           positions};
    const bool vec = rows_vectorizable<T>(x, C) && rows_vectorizable<T>(grad_input.data_ptr(), C) &&
                     (t_prob == nullptr || rows_vectorizable<T>(t_prob, C));
    with_row_config<T>(positions, C, vec, [&](auto config, dim3 grid, dim3 block) {
      using Config = decltype(config);
      cross_entropy_backward_rows_kernel<T, Config::group, Config::vec>
          <<<grid, block, 0, ctx.stream>>>(rows);
    });
  } else {
    launch_positions(
        CrossEntropyBackwardColumnBody<T>{grad_input.data_ptr<T>(), grad_loss.data_ptr<T>(), x,
                                          t_index, t_prob, w, lse.data_ptr<T>(), totals, bad.slot(),
                                          args},
        positions, ctx.stream);
  }
  check_launch("cross_entropy_backward");
  if (!probs) check_targets(bad, "cross_entropy_backward", target, args, ctx.stream);
}

template <typename T>
void nll_loss_typed(const Tensor& loss, const Tensor& total_weight, const Tensor& input,
                    const Tensor& target, const Tensor& weight, const ClassLossArgs& args,
                    const LaunchContext& ctx) {
  const int64_t positions = input.numel() / args.classes;
  const bool none = args.reduction == Reduction::None;
  const BadPositionFlag bad(ctx.device, ctx.stream);
  const Tensor scratch = nn_scratch(
      2 * std::max<int64_t>(positions, 1) * static_cast<int64_t>(sizeof(double)), ctx.device);
  double* per_weight = reinterpret_cast<double*>(scratch.data_ptr());
  double* per_loss = none ? nullptr : per_weight + positions;
  launch_positions(
      NllLossBody<T>{input.data_ptr<T>(), target.data_ptr<int64_t>(),
                     weight.defined() ? weight.data_ptr<T>() : nullptr,
                     none ? loss.data_ptr<T>() : nullptr, per_loss, per_weight, bad.slot(), args},
      positions, ctx.stream);
  reduce_loss_kernel<T><<<1, kReduceThreads, 0, ctx.stream>>>(
      none ? nullptr : loss.data_ptr<T>(), total_weight.data_ptr<T>(), per_loss, per_weight,
      positions, args.reduction, true);
  check_launch("nll_loss");
  check_targets(bad, "nll_loss", target, args, ctx.stream);
}

template <typename T>
void nll_loss_backward_typed(const Tensor& grad_input, const Tensor& grad_loss,
                             const Tensor& target, const Tensor& weight, const Tensor& total_weight,
                             const ClassLossArgs& args, const LaunchContext& ctx) {
  const int64_t positions = grad_input.numel() / args.classes;
  if (grad_input.numel() > 0)
    EMBER_CUDA_CHECK(cudaMemsetAsync(grad_input.data_ptr(), 0, grad_input.nbytes(), ctx.stream));
  const BadPositionFlag bad(ctx.device, ctx.stream);
  launch_positions(NllLossBackwardBody<T>{grad_input.data_ptr<T>(), grad_loss.data_ptr<T>(),
                                          target.data_ptr<int64_t>(),
                                          weight.defined() ? weight.data_ptr<T>() : nullptr,
                                          total_weight.data_ptr<T>(), bad.slot(), args},
                   positions, ctx.stream);
  check_launch("nll_loss_backward");
  check_targets(bad, "nll_loss_backward", target, args, ctx.stream);
}

void cross_entropy_kernel(const Tensor& loss, const Tensor& lse, const Tensor& input,
                          const Tensor& target, const Tensor& weight, const ClassLossArgs& args) {
  const LaunchContext ctx = context_of(input);
  DeviceGuard guard(ctx.device);
  dispatch_dtype<Float32And64>(input.dtype(), "cross_entropy", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cross_entropy_typed<T>(loss, lse, input, target, weight, args, ctx);
  });
}

void cross_entropy_backward_kernel(const Tensor& grad_input, const Tensor& grad_loss,
                                   const Tensor& input, const Tensor& target, const Tensor& weight,
                                   const Tensor& lse, const ClassLossArgs& args) {
  const LaunchContext ctx = context_of(input);
  DeviceGuard guard(ctx.device);
  dispatch_dtype<Float32And64>(input.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cross_entropy_backward_typed<T>(grad_input, grad_loss, input, target, weight, lse, args, ctx);
  });
}

void nll_loss_kernel(const Tensor& loss, const Tensor& total_weight, const Tensor& input,
                     const Tensor& target, const Tensor& weight, const ClassLossArgs& args) {
  const LaunchContext ctx = context_of(input);
  DeviceGuard guard(ctx.device);
  dispatch_dtype<Float32And64>(input.dtype(), "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_loss_typed<T>(loss, total_weight, input, target, weight, args, ctx);
  });
}

void nll_loss_backward_kernel(const Tensor& grad_input, const Tensor& grad_loss,
                              const Tensor& target, const Tensor& weight,
                              const Tensor& total_weight, const ClassLossArgs& args) {
  const LaunchContext ctx = context_of(grad_input);
  DeviceGuard guard(ctx.device);
  dispatch_dtype<Float32And64>(grad_input.dtype(), "nll_loss_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_loss_backward_typed<T>(grad_input, grad_loss, target, weight, total_weight, args, ctx);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(cross_entropy, CUDA, cross_entropy_kernel);
EMBER_REGISTER_KERNEL(cross_entropy_backward, CUDA, cross_entropy_backward_kernel);
EMBER_REGISTER_KERNEL(nll_loss, CUDA, nll_loss_kernel);
EMBER_REGISTER_KERNEL(nll_loss_backward, CUDA, nll_loss_backward_kernel);

}  // namespace ember::cuda
