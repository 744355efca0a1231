// The signatures of kernels, one per family of ops (see core/op_list.h), and the small argument
// structs they take. Kernels receive finished, checked descriptions and only compute.
#pragma once

#include <cstdint>

#include "ember/core/generator.h"
#include "ember/core/nn_ops.h"
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
// ---- neural-network kernels (core/nn_ops.h) ----

// How a BLAS reads one [rows, cols] matrix with strides (s_row, s_col): row-major (transposed =
// false) when s_col is 1, column-major (transposed = true) when s_row is 1, with leading dimension
// ld. ok is false when neither stride is 1 (or ld is too small): the op copies that operand.
struct BlasMatrixLayout {
  bool ok = false;
  bool transposed = false;
  int64_t ld = 0;
};
EMBER_HOST_DEVICE inline BlasMatrixLayout blas_matrix_layout(int64_t rows, int64_t cols,
                                                             int64_t s_row, int64_t s_col) {
  const int64_t min_rows = rows > 1 ? rows : 1, min_cols = cols > 1 ? cols : 1;
  if ((s_col == 1 || cols == 1) && (rows == 1 || s_row >= min_cols))
    return {true, false, rows == 1 ? min_cols : s_row};
  if ((s_row == 1 || rows == 1) && (cols == 1 || s_col >= min_rows))
    return {true, true, cols == 1 ? min_rows : s_col};
  return {};
}

// out[i] = alpha * a[i] @ b[i] + beta * bias[i] for i over dim 0 (bias undefined: no term).
// a [B, M, K], b [B, K, N]: any batch strides, and each matrix has a BLAS layout
// (blas_matrix_layout(...).ok). out [B, M, N] contiguous; bias, when defined, has out's shape
// (usually an expanded view). float32 and float64.
using GemmKernel = void(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                        double alpha, double beta);

// Geometry of a 2-D convolution, {h, w} each.
struct Conv2dParams {
  int64_t stride[2] = {1, 1};
  int64_t padding[2] = {0, 0};
  int64_t dilation[2] = {1, 1};
  int64_t groups = 1;
};
// out [N, Cout, Ho, Wo] = conv(input [N, Cin, H, W], weight [Cout, Cin / groups, kh, kw]) + bias
// [Cout] (bias may be undefined). All contiguous, one floating dtype.
using Conv2dKernel = void(const Tensor& out, const Tensor& input, const Tensor& weight,
                          const Tensor& bias, const Conv2dParams& params);
// Writes the gradients that are defined (grad_input like input, grad_weight like weight,
// grad_bias [Cout]); grad_output [N, Cout, Ho, Wo]. All contiguous.
using Conv2dBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_weight,
                                  const Tensor& grad_bias, const Tensor& grad_output,
                                  const Tensor& input, const Tensor& weight,
                                  const Conv2dParams& params);

// Geometry of a 2-D pooling window, {h, w} each. divisor_override 0: none.
struct Pool2dParams {
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t padding[2] = {0, 0};
  int64_t dilation[2] = {1, 1};
  bool count_include_pad = true;
  int64_t divisor_override = 0;
};
// Pooling kernels see planes: input [P, H, W] and output [P, Ho, Wo], contiguous.
// indices: int64 [P, Ho, Wo], the flat position (h * W + w) of each maximum in its plane.
using MaxPool2dKernel = void(const Tensor& out, const Tensor& indices, const Tensor& input,
                             const Pool2dParams& params);
// grad_input [P, H, W] (zeroed by the kernel) gathers grad_output [P, Ho, Wo] at indices.
using MaxPool2dBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_output,
                                     const Tensor& indices);
using AvgPool2dKernel = void(const Tensor& out, const Tensor& input, const Pool2dParams& params);
// grad_input [P, H, W] (written entirely by the kernel) from grad_output [P, Ho, Wo].
using AvgPool2dBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_output,
                                     const Pool2dParams& params);
// Adaptive average pooling of planes, forward (out, input) and backward (grad_input,
// grad_output): window i of n over a size s spans [floor(i * s / n), ceil((i + 1) * s / n)).
using AdaptivePool2dKernel = void(const Tensor& dst, const Tensor& src);

struct BatchNormArgs {
  bool training = true;
  double momentum = 0.1;
  double eps = 1e-5;
};
// input [N, C, S] contiguous. weight, bias [C] or undefined. training: writes save_mean and
// save_invstd [C] (input's dtype) and, when defined, updates running_mean and running_var [C] in
// place; eval: normalizes with the running statistics (save_* are empty).
using BatchNormKernel = void(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                             const Tensor& input, const Tensor& weight, const Tensor& bias,
                             const Tensor& running_mean, const Tensor& running_var,
                             const BatchNormArgs& args);
// Writes the defined gradients; grad_output and grad_input like input, grad_weight/bias [C].
using BatchNormBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_weight,
                                     const Tensor& grad_bias, const Tensor& grad_output,
                                     const Tensor& input, const Tensor& weight,
                                     const Tensor& running_mean, const Tensor& running_var,
                                     const Tensor& save_mean, const Tensor& save_invstd,
                                     const BatchNormArgs& args);
// input as [rows, cols] contiguous, normalized per row; weight and bias [cols] or undefined;
// mean and rstd [rows].
using LayerNormKernel = void(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                             const Tensor& input, const Tensor& weight, const Tensor& bias,
                             double eps);
using LayerNormBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_weight,
                                     const Tensor& grad_bias, const Tensor& grad_output,
                                     const Tensor& input, const Tensor& mean, const Tensor& rstd,
                                     const Tensor& weight);

// softmax / log_softmax of a contiguous input along dim into a contiguous out of its shape.
using SoftmaxKernel = void(const Tensor& out, const Tensor& input, int64_t dim);
// The input gradient from grad_output and the forward's output (all contiguous, one shape).
using SoftmaxBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_output,
                                   const Tensor& output, int64_t dim);

// Losses over class scores viewed as [N, C, inner] (contiguous); targets as [N, inner] int64
// class indices, or (cross_entropy only) [N, C, inner] probabilities of the input's dtype.
struct ClassLossArgs {
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;
  double label_smoothing = 0.0;
  int64_t classes = 1;
  int64_t inner = 1;
};
// loss: [N, inner] for Reduction::None, else zero-dim. log_sum_exp [N, inner] (input's dtype).
// Throws IndexError naming cross_entropy for a class index out of range (not ignore_index).
using CrossEntropyKernel = void(const Tensor& loss, const Tensor& log_sum_exp, const Tensor& input,
                                const Tensor& target, const Tensor& weight,
                                const ClassLossArgs& args);
// grad_input [N, C, inner]; grad_loss [N, inner] or zero-dim.
using CrossEntropyBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_loss,
                                        const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& log_sum_exp,
                                        const ClassLossArgs& args);
// input holds log-probabilities. total_weight: zero-dim, the summed weight of counted targets.
using NllLossKernel = void(const Tensor& loss, const Tensor& total_weight, const Tensor& input,
                           const Tensor& target, const Tensor& weight, const ClassLossArgs& args);
// grad_input [N, C, inner] (written entirely by the kernel).
using NllLossBackwardKernel = void(const Tensor& grad_input, const Tensor& grad_loss,
                                   const Tensor& target, const Tensor& weight,
                                   const Tensor& total_weight, const ClassLossArgs& args);

// out [n, dim] = weight[indices[i]] for n int64 indices (contiguous); throws IndexError naming
// embedding for an index outside [0, num_weights).
using EmbeddingKernel = void(const Tensor& out, const Tensor& weight, const Tensor& indices);
// grad_weight [num_weights, dim] (zeroed by the kernel) += grad_output [n, dim] rows at indices,
// in index order, skipping padding_idx (-1: none).
using EmbeddingBackwardKernel = void(const Tensor& grad_weight, const Tensor& grad_output,
                                     const Tensor& indices, int64_t padding_idx);

}  // namespace ember
