// CPU rows of the fused optimizer updates (sgd_step, adam_step, rmsprop_step, adagrad_step,
// adadelta_step): one pass over each parameter does its whole update (kernels/optimizer_math.h)
// instead of five or six element-wise ops, each reading and writing the whole tensor. The
// elements of all parameters are cut into fixed chunks that OpenMP threads share; every element's
// result depends only on its own inputs, so results do not depend on the thread count.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ember/core/dispatch.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/optimizer_math.h"

namespace ember::cpu {
namespace {

using namespace ember::optim_math;

// Elements per chunk of work handed to a thread.
constexpr int64_t kOptimizerChunk = 16384;

// Calls body(tensor_index, begin, end) over every element of every tensor of the list, in
// parallel chunks when the total is large enough to pay for threads.
template <typename F>
void for_each_chunk(TensorList params, const F& body) {
  int64_t total = 0;
  for (const Tensor& p : params) total += p.numel();
  if (total <= kParallelGrain || max_threads() <= 1 || in_parallel_region()) {
    for (size_t i = 0; i < params.size(); ++i) body(i, int64_t{0}, params[i].numel());
    return;
  }
  struct Chunk {
    size_t tensor;
    int64_t begin, end;
  };
  std::vector<Chunk> chunks;
  chunks.reserve(static_cast<size_t>(total / kOptimizerChunk + params.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    const int64_t n = params[i].numel();
    for (int64_t b = 0; b < n; b += kOptimizerChunk) {
      chunks.push_back({i, b, std::min(n, b + kOptimizerChunk)});
    }
  }
  parallel_for(0, static_cast<int64_t>(chunks.size()), 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      const Chunk& k = chunks[static_cast<size_t>(c)];
      body(k.tensor, k.begin, k.end);
    }
  });
}

// Typed pointers of a list (empty list: nulls), taken before any parallel region.
template <typename T>
std::vector<T*> pointers(TensorList list, size_t count) {
  std::vector<T*> out(count, nullptr);
  for (size_t i = 0; i < list.size() && i < count; ++i) out[i] = list[i].data_ptr<T>();
  return out;
}

// Calls f(std::bool_constant<b>{}): turns a run-time switch into a compile-time one.
template <typename F>
void with_bool(bool b, const F& f) {
  if (b) {
    f(std::true_type{});
  } else {
    f(std::false_type{});
  }
}

void sgd_step_kernel(TensorList params, TensorList grads, TensorList momentum_buffers,
                     ArrayRef<int64_t> steps, const SgdStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "sgd_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const size_t n = params.size();
    const auto p = pointers<T>(params, n);
    const auto g = pointers<T>(grads, n);
    const auto buf = pointers<T>(momentum_buffers, n);
    const SgdScalars<T> s = sgd_scalars<T>(args);
    with_bool(args.momentum != 0, [&](auto momentum) {
      with_bool(args.nesterov, [&](auto nesterov) {
        with_bool(args.weight_decay != 0, [&](auto weight_decay) {
          constexpr bool kMomentum = decltype(momentum)::value;
          constexpr bool kNesterov = kMomentum && decltype(nesterov)::value;
          constexpr bool kWeightDecay = decltype(weight_decay)::value;
          for_each_chunk(params, [&](size_t t, int64_t b, int64_t e) {
            T* __restrict pt = p[t];
            const T* __restrict gt = g[t];
            T* __restrict bt = buf[t];
            const bool first = kMomentum && !steps.empty() && steps[t] == 1;
            with_bool(first, [&](auto first_step) {
              constexpr bool kFirst = decltype(first_step)::value;
              for (int64_t i = b; i < e; ++i) {
                sgd_update<kMomentum, kFirst, kNesterov, kWeightDecay>(
                    pt[i], gt[i], kMomentum ? bt + i : nullptr, s);
              }
            });
          });
        });
      });
    });
  });
}

void adam_step_kernel(TensorList params, TensorList grads, TensorList exp_avgs,
                      TensorList exp_avg_sqs, TensorList max_exp_avg_sqs, ArrayRef<int64_t> steps,
                      const AdamStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "adam_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const size_t n = params.size();
    const auto p = pointers<T>(params, n);
    const auto g = pointers<T>(grads, n);
    const auto m = pointers<T>(exp_avgs, n);
    const auto v = pointers<T>(exp_avg_sqs, n);
    const auto vmax = pointers<T>(max_exp_avg_sqs, n);
    std::vector<AdamScalars<T>> s;
    s.reserve(n);
    for (size_t i = 0; i < n; ++i) s.push_back(adam_scalars<T>(args, steps[i]));
    const AdamWeightDecay decay = adam_weight_decay(args);
    auto run = [&](auto amsgrad, auto weight_decay) {
      constexpr bool kAmsgrad = decltype(amsgrad)::value;
      constexpr AdamWeightDecay kDecay = decltype(weight_decay)::value;
      for_each_chunk(params, [&](size_t t, int64_t b, int64_t e) {
        T* __restrict pt = p[t];
        const T* __restrict gt = g[t];
        T* __restrict mt = m[t];
        T* __restrict vt = v[t];
        T* __restrict xt = vmax[t];
        const AdamScalars<T> st = s[t];
        for (int64_t i = b; i < e; ++i) {
          adam_update<kAmsgrad, kDecay>(pt[i], gt[i], mt[i], vt[i], kAmsgrad ? xt + i : nullptr,
                                        st);
        }
      });
    };
    with_bool(args.amsgrad, [&](auto amsgrad) {
      using Decay = AdamWeightDecay;
      if (decay == Decay::decoupled) {
        run(amsgrad, std::integral_constant<Decay, Decay::decoupled>{});
      } else if (decay == Decay::l2) {
        run(amsgrad, std::integral_constant<Decay, Decay::l2>{});
      } else {
        run(amsgrad, std::integral_constant<Decay, Decay::none>{});
      }
    });
  });
}

void rmsprop_step_kernel(TensorList params, TensorList grads, TensorList square_avgs,
                         TensorList grad_avgs, TensorList momentum_buffers,
                         const RmspropStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "rmsprop_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const size_t n = params.size();
    const auto p = pointers<T>(params, n);
    const auto g = pointers<T>(grads, n);
    const auto sq = pointers<T>(square_avgs, n);
    const auto ga = pointers<T>(grad_avgs, n);
    const auto buf = pointers<T>(momentum_buffers, n);
    const RmspropScalars<T> s = rmsprop_scalars<T>(args);
    with_bool(args.centered, [&](auto centered) {
      with_bool(args.momentum > 0, [&](auto momentum) {
        with_bool(args.weight_decay != 0, [&](auto weight_decay) {
          constexpr bool kCentered = decltype(centered)::value;
          constexpr bool kMomentum = decltype(momentum)::value;
          constexpr bool kWeightDecay = decltype(weight_decay)::value;
          for_each_chunk(params, [&](size_t t, int64_t b, int64_t e) {
            T* __restrict pt = p[t];
            const T* __restrict gt = g[t];
            T* __restrict sqt = sq[t];
            T* __restrict gat = ga[t];
            T* __restrict bt = buf[t];
            for (int64_t i = b; i < e; ++i) {
              rmsprop_update<kCentered, kMomentum, kWeightDecay>(pt[i], gt[i], sqt[i],
                                                                 kCentered ? gat + i : nullptr,
                                                                 kMomentum ? bt + i : nullptr, s);
            }
          });
        });
      });
    });
  });
}

void adagrad_step_kernel(TensorList params, TensorList grads, TensorList state_sums,
                         ArrayRef<int64_t> steps, const AdagradStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "adagrad_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const size_t n = params.size();
    const auto p = pointers<T>(params, n);
    const auto g = pointers<T>(grads, n);
    const auto sum = pointers<T>(state_sums, n);
    std::vector<AdagradScalars<T>> s;
    s.reserve(n);
    for (size_t i = 0; i < n; ++i) s.push_back(adagrad_scalars<T>(args, steps[i]));
    for_each_chunk(params, [&](size_t t, int64_t b, int64_t e) {
      T* pt = p[t];
      const T* gt = g[t];
      T* st = sum[t];
      for (int64_t i = b; i < e; ++i) adagrad_update(pt[i], gt[i], st[i], s[t]);
    });
  });
}

void adadelta_step_kernel(TensorList params, TensorList grads, TensorList square_avgs,
                          TensorList acc_deltas, const AdadeltaStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "adadelta_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const size_t n = params.size();
    const auto p = pointers<T>(params, n);
    const auto g = pointers<T>(grads, n);
    const auto sq = pointers<T>(square_avgs, n);
    const auto acc = pointers<T>(acc_deltas, n);
    const AdadeltaScalars<T> s = adadelta_scalars<T>(args);
    for_each_chunk(params, [&](size_t t, int64_t b, int64_t e) {
      T* pt = p[t];
      const T* gt = g[t];
      T* sqt = sq[t];
      T* at = acc[t];
      for (int64_t i = b; i < e; ++i) adadelta_update(pt[i], gt[i], sqt[i], at[i], s);
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(sgd_step, CPU, sgd_step_kernel);
EMBER_REGISTER_KERNEL(adam_step, CPU, adam_step_kernel);
EMBER_REGISTER_KERNEL(rmsprop_step, CPU, rmsprop_step_kernel);
EMBER_REGISTER_KERNEL(adagrad_step, CPU, adagrad_step_kernel);
EMBER_REGISTER_KERNEL(adadelta_step, CPU, adadelta_step_kernel);

}  // namespace ember::cpu
