// The neural-network ops as free functions, named and typed like libtorch's (torch::mm,
// torch::conv2d, torch::max_pool2d, torch::native_batch_norm, torch::nn::functional losses):
// matrix products, convolution, pooling, normalization, softmax, losses, dropout, embedding. Each
// forward op that has a derivative has its backward function here too; the autograd layer wires
// them into the graph. Each checks its inputs device-neutrally, then runs the kernel registered
// for the inputs' device (core/dispatch.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

// How a loss combines its per-element values (torch::Reduction).
enum class Reduction : uint8_t { None, Mean, Sum };

// ---- matrix products (float32 and float64) ----
// Whether CUDA matmuls may use TF32 tensor cores (off by default, like
// torch.backends.cuda.matmul.allow_tf32). The CPU ignores it.
EMBER_API void set_allow_tf32(bool allow);
EMBER_API bool allow_tf32();

// [n, k] @ [k, m] -> [n, m].
EMBER_API Tensor mm(const Tensor& self, const Tensor& other);
// [b, n, k] @ [b, k, m] -> [b, n, m].
EMBER_API Tensor bmm(const Tensor& self, const Tensor& other);
// torch.matmul: dot product of 1-D tensors, matrix-vector, matrix-matrix, and batched products
// with broadcast batch dims (a 1-D operand gets a dim prepended or appended, then removed).
EMBER_API Tensor matmul(const Tensor& self, const Tensor& other);
// beta * bias + alpha * (mat1 @ mat2); bias broadcasts to [n, m]. beta = 0 ignores bias.
EMBER_API Tensor addmm(const Tensor& bias, const Tensor& mat1, const Tensor& mat2,
                       const Scalar& beta = 1, const Scalar& alpha = 1);
// input [*, in] @ weight[out, in]^T + bias[out] (bias optional, fused into the GEMM's output).
EMBER_API Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

// ---- convolution ----
// input [N, Cin, H, W] (or [Cin, H, W]), weight [Cout, Cin / groups, kh, kw], bias [Cout] or
// undefined. stride, padding, dilation: one value for both dims, or {h, w}.
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
                        int64_t groups = 1);
// Gradients of conv2d with respect to input, weight and bias; output_mask says which to compute
// (the others come back undefined).
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, IntArrayRef stride,
    IntArrayRef padding, IntArrayRef dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});

// ---- pooling (input [N, C, H, W] or [C, H, W]) ----
// stride empty: the kernel size. Returns the output and, for backward, the int64 flat index
// (h * W + w) of each maximum within its input plane.
EMBER_API std::tuple<Tensor, Tensor> max_pool2d_with_indices(
    const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
    IntArrayRef dilation = 1, bool ceil_mode = false);
EMBER_API Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                            IntArrayRef padding = 0, IntArrayRef dilation = 1,
                            bool ceil_mode = false);
// The gradient of input: each output's gradient flows to its maximum (indices from forward).
EMBER_API Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& input,
                                     const Tensor& indices);
// divisor_override: divide every window's sum by this instead of its size.
EMBER_API Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                            IntArrayRef padding = 0, bool ceil_mode = false,
                            bool count_include_pad = true,
                            std::optional<int64_t> divisor_override = std::nullopt);
EMBER_API Tensor avg_pool2d_backward(const Tensor& grad_output, const Tensor& input,
                                     IntArrayRef kernel_size, IntArrayRef stride = {},
                                     IntArrayRef padding = 0, bool ceil_mode = false,
                                     bool count_include_pad = true,
                                     std::optional<int64_t> divisor_override = std::nullopt);
// output_size: {h, w} (or one value for both).
EMBER_API Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);
EMBER_API Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& input);

// ---- normalization ----
// input [N, C, *]. training: normalizes with the batch's statistics and, when running_mean and
// running_var are given, updates them in place (running = (1 - momentum) * running + momentum *
// batch, the variance unbiased). Eval: normalizes with the running statistics.
EMBER_API Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                            const Tensor& running_mean, const Tensor& running_var, bool training,
                            double momentum = 0.1, double eps = 1e-5);
// batch_norm that also returns what backward needs: (output, save_mean, save_invstd), the
// batch's mean and 1 / sqrt(var + eps) per channel in training, empty tensors in eval.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_batch_norm(
    const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
    const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// (grad_input, grad_weight, grad_bias); output_mask says which to compute.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_batch_norm_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight,
    const Tensor& running_mean, const Tensor& running_var, const Tensor& save_mean,
    const Tensor& save_invstd, bool training, double eps = 1e-5,
    std::array<bool, 3> output_mask = {true, true, true});
// Normalizes over the trailing dims normalized_shape; weight and bias (optional) have that shape.
EMBER_API Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                            const Tensor& weight = {}, const Tensor& bias = {}, double eps = 1e-5);
// (output, mean, rstd); mean and rstd have input's leading dims and size 1 in the normalized dims.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                               IntArrayRef normalized_shape,
                                                               const Tensor& weight,
                                                               const Tensor& bias, double eps);
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_layer_norm_backward(
    const Tensor& grad_output, const Tensor& input, IntArrayRef normalized_shape,
    const Tensor& mean, const Tensor& rstd, const Tensor& weight,
    std::array<bool, 3> output_mask = {true, true, true});

// ---- softmax (floating inputs; dtype: compute and return in this dtype) ----
EMBER_API Tensor softmax(const Tensor& input, int64_t dim,
                         std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor log_softmax(const Tensor& input, int64_t dim,
                             std::optional<DType> dtype = std::nullopt);
// Gradients of input given softmax's (log_softmax's) output.
EMBER_API Tensor softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim);
EMBER_API Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim);

// ---- losses ----
// Log-softmax and negative log-likelihood in one pass over logits [N, C], [C] or [N, C, d...].
// target: int64 class indices of shape [N] / [] / [N, d...] (ignore_index skipped), or class
// probabilities of logits' shape. weight: [C] or undefined. label_smoothing in [0, 1].
EMBER_API Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                               Reduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                               double label_smoothing = 0.0);
// cross_entropy that also returns each position's log-sum-exp ([N, d...]) for backward.
EMBER_API std::tuple<Tensor, Tensor> cross_entropy_forward(
    const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
    int64_t ignore_index, double label_smoothing);
// The gradient of input in one pass (softmax minus the smoothed target, weighted).
EMBER_API Tensor cross_entropy_backward(const Tensor& grad_output, const Tensor& input,
                                        const Tensor& target, const Tensor& log_sum_exp,
                                        const Tensor& weight, Reduction reduction,
                                        int64_t ignore_index, double label_smoothing);
// input: log-probabilities [N, C], [C] or [N, C, d...]; target int64 class indices.
EMBER_API Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                          Reduction reduction = Reduction::Mean, int64_t ignore_index = -100);
// (loss, total_weight): the sum of the weights of the targets that count.
EMBER_API std::tuple<Tensor, Tensor> nll_loss_forward(const Tensor& input, const Tensor& target,
                                                      const Tensor& weight, Reduction reduction,
                                                      int64_t ignore_index);
EMBER_API Tensor nll_loss_backward(const Tensor& grad_output, const Tensor& input,
                                   const Tensor& target, const Tensor& weight, Reduction reduction,
                                   int64_t ignore_index, const Tensor& total_weight);
// (input - target)^2, |input - target|, and the Huber-like smooth L1 (quadratic below beta).
EMBER_API Tensor mse_loss(const Tensor& input, const Tensor& target,
                          Reduction reduction = Reduction::Mean);
EMBER_API Tensor l1_loss(const Tensor& input, const Tensor& target,
                         Reduction reduction = Reduction::Mean);
EMBER_API Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                                Reduction reduction = Reduction::Mean, double beta = 1.0);
// -weight * (target * log(input) + (1 - target) * log(1 - input)), each log clamped at -100.
EMBER_API Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                      const Tensor& weight = {},
                                      Reduction reduction = Reduction::Mean);
// Sigmoid and binary cross-entropy in one numerically stable formula; pos_weight scales the
// positive term (broadcast along the last dim, one value per class).
EMBER_API Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                                  const Tensor& weight = {},
                                                  const Tensor& pos_weight = {},
                                                  Reduction reduction = Reduction::Mean);
// The gradients of input of the losses above; grad_output has the loss's shape (zero-dim for
// mean and sum).
EMBER_API Tensor mse_loss_backward(const Tensor& grad_output, const Tensor& input,
                                   const Tensor& target, Reduction reduction);
EMBER_API Tensor l1_loss_backward(const Tensor& grad_output, const Tensor& input,
                                  const Tensor& target, Reduction reduction);
EMBER_API Tensor smooth_l1_loss_backward(const Tensor& grad_output, const Tensor& input,
                                         const Tensor& target, Reduction reduction, double beta);
EMBER_API Tensor binary_cross_entropy_backward(const Tensor& grad_output, const Tensor& input,
                                               const Tensor& target, const Tensor& weight,
                                               Reduction reduction);
EMBER_API Tensor binary_cross_entropy_with_logits_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& target, const Tensor& weight,
    const Tensor& pos_weight, Reduction reduction);

// ---- dropout ----
// Zeroes each element with probability p (drawn by bernoulli_ on the default generator of the
// input's device) and scales the rest by 1 / (1 - p); the identity when not training.
EMBER_API Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);
// (output, mask): mask is bool, true where the element was kept.
EMBER_API std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, bool training);
// grad_output * mask * scale, scale = 1 / (1 - p) (0 when p = 1).
EMBER_API Tensor native_dropout_backward(const Tensor& grad_output, const Tensor& mask,
                                         double scale);

// ---- embedding ----
// Rows of weight [num, dim] picked by integer indices of any shape: [*indices, dim]. Indices are
// bounds-checked. padding_idx (counted from the end when negative) only keeps that row's
// gradient at zero.
EMBER_API Tensor embedding(const Tensor& weight, const Tensor& indices,
                           std::optional<int64_t> padding_idx = std::nullopt);
// The gradient of weight ([num_weights, dim]): each index's output gradient summed into its row,
// deterministically (no atomics).
EMBER_API Tensor embedding_backward(const Tensor& grad_output, const Tensor& indices,
                                    int64_t num_weights,
                                    std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace ember
