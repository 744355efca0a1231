// The signatures of kernels, one per family of ops (see core/op_list.h), and the small argument
// structs they take. Kernels receive finished, checked descriptions and only compute.
#pragma once

#include <cstdint>

#include "ember/core/generator.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_iterator.h"

namespace ember {

// Point-wise ops over an ElementwiseIter (output first, then inputs).
using ElementwiseKernel = void(const ElementwiseIter& iter, const ElementwiseArgs& args);
// dst.copy_(src): same shape (src already expanded), any dtypes; one of them may be on another
// device (the kernel registered for the non-CPU side handles transfers).
using CopyKernel = void(const Tensor& dst, const Tensor& src, bool non_blocking);
// Reductions over a ReduceIter; out_index is filled by max/min/argmax/argmin.
using ReduceKernel = void(const ReduceIter& iter);

// out[i] = start + i * step, or, when symmetric (linspace), end - (n - 1 - i) * step for the
// upper half so both ends are exact.
struct RangeArgs {
  double start = 0, step = 1, end = 0;
  int64_t int_start = 0, int_step = 1;
  bool symmetric = false;
};
using RangeKernel = void(const Tensor& out, const RangeArgs& args);

// Random fills of a contiguous tensor. a/b: [from, to) for uniform, (mean, std) for normal,
// p for bernoulli, [low, high) (as integers) for random_int.
struct RandomArgs {
  double a = 0, b = 1;
  int64_t low = 0, high = 0;
};
using RandomKernel = void(const Tensor& out, const RandomArgs& args, PhiloxState state);

// out = cat(inputs, dim): inputs already share out's dtype and device.
using CatKernel = void(const Tensor& out, TensorList inputs, int64_t dim);
// index_select and gather: out, self, dim, index (int64, checked by the kernel against bounds).
using IndexSelectKernel = void(const Tensor& out, const Tensor& self, int64_t dim,
                               const Tensor& index);
// out (holding a copy of self) += src scattered along dim at index.
using ScatterKernel = void(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);
// Returns the [count, ndim] int64 coordinates of non-zero elements.
using NonzeroKernel = Tensor(const Tensor& self);
// values/indices of self's shape; stable.
using SortKernel = void(const Tensor& values, const Tensor& indices, const Tensor& self,
                        int64_t dim, bool descending);
using TopkKernel = void(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k,
                        int64_t dim, bool largest, bool sorted);
// Inclusive scan along dim.
using ScanKernel = void(const Tensor& out, const Tensor& self, int64_t dim);

// ---- fused optimizer updates (Note [Fused optimizer steps] in optim/fused_step.cpp) ----
// One call updates many parameters: params[i] with grads[i] and the i-th tensor of each state
// list. Every tensor of a call is contiguous, of one dtype (float32 or float64) and on one device;
// a state list the configuration does not use is empty. steps[i] is parameter i's step count
// including this step (SGD: 1 when its momentum buffer is new and takes the gradient as is).
// Scalars are per group; per-parameter ones (bias corrections) derive from steps on the host.
struct SgdStepArgs {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
};
using SgdStepKernel = void(TensorList params, TensorList grads, TensorList momentum_buffers,
                           ArrayRef<int64_t> steps, const SgdStepArgs& args);
// Adam, and AdamW when decoupled_weight_decay (the parameter decays by 1 - lr * weight_decay).
struct AdamStepArgs {
  double lr = 0, beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0;
  bool amsgrad = false, maximize = false, decoupled_weight_decay = false;
};
using AdamStepKernel = void(TensorList params, TensorList grads, TensorList exp_avgs,
                            TensorList exp_avg_sqs, TensorList max_exp_avg_sqs,
                            ArrayRef<int64_t> steps, const AdamStepArgs& args);
struct RmspropStepArgs {
  double lr = 0, alpha = 0, eps = 0, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
};
using RmspropStepKernel = void(TensorList params, TensorList grads, TensorList square_avgs,
                               TensorList grad_avgs, TensorList momentum_buffers,
                               const RmspropStepArgs& args);
struct AdagradStepArgs {
  double lr = 0, lr_decay = 0, weight_decay = 0, eps = 0;
  bool maximize = false;
};
using AdagradStepKernel = void(TensorList params, TensorList grads, TensorList state_sums,
                               ArrayRef<int64_t> steps, const AdagradStepArgs& args);
struct AdadeltaStepArgs {
  double lr = 0, rho = 0, eps = 0, weight_decay = 0;
  bool maximize = false;
};
using AdadeltaStepKernel = void(TensorList params, TensorList grads, TensorList square_avgs,
                                TensorList acc_deltas, const AdadeltaStepArgs& args);

}  // namespace ember
