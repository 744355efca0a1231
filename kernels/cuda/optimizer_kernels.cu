// CUDA rows of the fused optimizer steps (sgd_step, adam_step, rmsprop_step, adagrad_step,
// adadelta_step): one kernel launch updates every parameter of a step (Note [Multi-tensor
// launch] in optimizer_bodies.h), each element's update being kernels/optimizer_math.h's, the
// same code the CPU rows run. No host synchronisation: the launch only reads tensors' addresses
// and the step counts the optimizer keeps on the host. Memory-bound: each thread keeps
// kOptimizerIlp elements of every list in flight before it computes and stores them.
#include <array>
#include <type_traits>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/optimizer_bodies.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

using namespace ember::optim_math;

constexpr int kOptimizerThreads = 512;

template <typename T, int kLists, typename Scalars, typename Element>
__global__ void __launch_bounds__(kOptimizerThreads)
    multi_tensor_kernel(const __grid_constant__ MultiTensorTable<T, kLists, Scalars> table,
                        Element element) {
  const int64_t block = blockIdx.x;
  const int t = tensor_of_chunk(table.first_chunk, table.count, block);
  const int64_t begin = (block - table.first_chunk[t]) * kOptimizerChunk;
  const int64_t end =
      begin + kOptimizerChunk < table.numel[t] ? begin + kOptimizerChunk : table.numel[t];
  T* ptr[kLists];
#pragma unroll
  for (int l = 0; l < kLists; ++l) ptr[l] = table.data[l][t];
  const Scalars scalars = table.scalars[t];
  const int32_t flag = table.flag[t];
  for (int64_t base = begin + threadIdx.x; base < end;
       base += static_cast<int64_t>(kOptimizerIlp) * blockDim.x) {
    T v[kOptimizerIlp][kLists];
#pragma unroll
    for (int k = 0; k < kOptimizerIlp; ++k) {
      const int64_t i = base + static_cast<int64_t>(k) * blockDim.x;
#pragma unroll
      for (int l = 0; l < kLists; ++l) v[k][l] = i < end && ptr[l] != nullptr ? ptr[l][i] : T(0);
    }
#pragma unroll
    for (int k = 0; k < kOptimizerIlp; ++k) {
      if (base + static_cast<int64_t>(k) * blockDim.x < end) element(v[k], scalars, flag);
    }
#pragma unroll
    for (int k = 0; k < kOptimizerIlp; ++k) {
      const int64_t i = base + static_cast<int64_t>(k) * blockDim.x;
      if (i >= end) continue;
#pragma unroll
      for (int l = 0; l < kLists; ++l)
        if (l != 1 && ptr[l] != nullptr) ptr[l][i] = v[k][l];
    }
  }
}

// Launches the kernel once per table-full of the lists' tensors (all of dtype T).
template <typename T, typename Element, typename ScalarsOf, typename FlagOf>
void run_multi_tensor(const std::array<TensorList, Element::kLists>& lists,
                      const ScalarsOf& scalars_of, const FlagOf& flag_of, const Element& element,
                      const char* op) {
  constexpr int kLists = Element::kLists;
  const int device = lists[0][0].device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  for_each_table<T, kLists>(lists, scalars_of, flag_of, [&](const auto& table, int64_t chunks) {
    using Table = std::decay_t<decltype(table)>;
    using Scalars = std::remove_cvref_t<decltype(table.scalars[0])>;
    static_assert(std::is_same_v<Table, MultiTensorTable<T, kLists, Scalars>>);
    multi_tensor_kernel<T, kLists, Scalars, Element>
        <<<static_cast<unsigned>(chunks), kOptimizerThreads, 0, stream>>>(table, element);
  });
  check_launch(op);
}

template <typename F>
void with_bool(bool b, const F& f) {
  if (b) {
    f(std::true_type{});
  } else {
    f(std::false_type{});
  }
}

auto no_flag = [](size_t) { return int32_t{0}; };

void sgd_step_kernel(TensorList params, TensorList grads, TensorList momentum_buffers,
                     ArrayRef<int64_t> steps, const SgdStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "sgd_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const SgdScalars<T> s = sgd_scalars<T>(args);
    const bool momentum = args.momentum != 0;
    auto first = [&](size_t i) { return int32_t{momentum && !steps.empty() && steps[i] == 1}; };
    with_bool(momentum, [&](auto kMomentum) {
      with_bool(args.nesterov && momentum, [&](auto kNesterov) {
        with_bool(args.weight_decay != 0, [&](auto kWeightDecay) {
          run_multi_tensor<T>(
              {params, grads, momentum ? momentum_buffers : TensorList()},
              [&](size_t) { return s; }, first,
              SgdElement<decltype(kMomentum)::value, decltype(kNesterov)::value,
                         decltype(kWeightDecay)::value>{},
              "sgd_step");
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
    auto scalars = [&](size_t i) { return adam_scalars<T>(args, steps[i]); };
    const TensorList maxes = args.amsgrad ? max_exp_avg_sqs : TensorList();
    auto run = [&](auto amsgrad, auto decay) {
      run_multi_tensor<T>({params, grads, exp_avgs, exp_avg_sqs, maxes}, scalars, no_flag,
                          AdamElement<decltype(amsgrad)::value, decltype(decay)::value>{},
                          "adam_step");
    };
    with_bool(args.amsgrad, [&](auto amsgrad) {
      using Decay = AdamWeightDecay;
      switch (adam_weight_decay(args)) {
        case Decay::decoupled:
          run(amsgrad, std::integral_constant<Decay, Decay::decoupled>{});
          break;
        case Decay::l2:
          run(amsgrad, std::integral_constant<Decay, Decay::l2>{});
          break;
        case Decay::none:
          run(amsgrad, std::integral_constant<Decay, Decay::none>{});
          break;
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
    const RmspropScalars<T> s = rmsprop_scalars<T>(args);
    const bool momentum = args.momentum > 0;
    with_bool(args.centered, [&](auto kCentered) {
      with_bool(momentum, [&](auto kMomentum) {
        with_bool(args.weight_decay != 0, [&](auto kWeightDecay) {
          run_multi_tensor<T>(
              {params, grads, square_avgs, args.centered ? grad_avgs : TensorList(),
               momentum ? momentum_buffers : TensorList()},
              [&](size_t) { return s; }, no_flag,
              RmspropElement<decltype(kCentered)::value, decltype(kMomentum)::value,
                             decltype(kWeightDecay)::value>{},
              "rmsprop_step");
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
    run_multi_tensor<T>(
        {params, grads, state_sums}, [&](size_t i) { return adagrad_scalars<T>(args, steps[i]); },
        no_flag, AdagradElement{}, "adagrad_step");
  });
}

void adadelta_step_kernel(TensorList params, TensorList grads, TensorList square_avgs,
                          TensorList acc_deltas, const AdadeltaStepArgs& args) {
  if (params.empty()) return;
  dispatch_dtype<Float32And64>(params[0].dtype(), "adadelta_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const AdadeltaScalars<T> s = adadelta_scalars<T>(args);
    run_multi_tensor<T>(
        {params, grads, square_avgs, acc_deltas}, [&](size_t) { return s; }, no_flag,
        AdadeltaElement{}, "adadelta_step");
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(sgd_step, CUDA, sgd_step_kernel);
EMBER_REGISTER_KERNEL(adam_step, CUDA, adam_step_kernel);
EMBER_REGISTER_KERNEL(rmsprop_step, CUDA, rmsprop_step_kernel);
EMBER_REGISTER_KERNEL(adagrad_step, CUDA, adagrad_step_kernel);
EMBER_REGISTER_KERNEL(adadelta_step, CUDA, adadelta_step_kernel);

}  // namespace ember::cuda
