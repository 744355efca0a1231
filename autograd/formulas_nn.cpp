// Derivative formulas of the neural-network ops. Matrix products are written with matrix products
// (so they support double backward); convolution, pooling, normalization, softmax and the losses
// call the backward kernels of core/nn_ops.h, which compute each gradient in one fused pass.
#include "ember/autograd/formula_node.h"
#include "ember/autograd/register_formula.h"
#include "ember/core/factories.h"
#include "ember/core/nn_ops.h"
#include "ember/core/ops.h"

namespace ember::autograd {
namespace {

// Keeps a tensor the forward produced besides its differentiable output (log-sum-exp of
// cross_entropy, the total weight of nll_loss) for the node's formula, after saved(...) of the
// recorded inputs.
void save_extra(const Tensor& output, const Tensor& extra) {
  auto* node = static_cast<FormulaNode*>(output.grad_fn().get());
  if (node) node->saved_.emplace_back(extra, /*is_output=*/false);
}

Tensor mT(const Tensor& t) {
  return t.transpose(-1, -2);
}

// ---- matrix products ----
Tensor mm_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "MmBackward", {a, b}, {a, b}, false, [&] { return mm(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {n.needs_grad(0) ? mm(g[0], n.saved(1).t()) : Tensor(),
                n.needs_grad(1) ? mm(n.saved(0).t(), g[0]) : Tensor()};
      });
}

Tensor bmm_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "BmmBackward", {a, b}, {a, b}, false, [&] { return bmm(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {n.needs_grad(0) ? bmm(g[0], mT(n.saved(1))) : Tensor(),
                n.needs_grad(1) ? bmm(mT(n.saved(0)), g[0]) : Tensor()};
      });
}

// 1-D operands become matrices first (recorded views), so the node only sees the batched
// matrix case; broadcast batch dims are summed back by the node.
Tensor matmul_fn(const Tensor& a, const Tensor& b) {
  const bool a_vec = a.dim() == 1, b_vec = b.dim() == 1;
  const Tensor a2 = a_vec ? a.unsqueeze(0) : a;
  const Tensor b2 = b_vec ? b.unsqueeze(-1) : b;
  Tensor out = record1(
      "MatmulBackward", {a2, b2}, {a2, b2}, false, [&] { return matmul(a2, b2); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {n.needs_grad(0) ? matmul(g[0], mT(n.saved(1))) : Tensor(),
                n.needs_grad(1) ? matmul(mT(n.saved(0)), g[0]) : Tensor()};
      });
  if (b_vec) out = out.squeeze(-1);
  if (a_vec) out = out.squeeze(b_vec ? -1 : -2);
  return out;
}

Tensor addmm_fn(const Tensor& bias, const Tensor& m1, const Tensor& m2, const Scalar& beta,
                const Scalar& alpha) {
  const double b = beta.to_double(), a = alpha.to_double();
  return record1(
      "AddmmBackward", {bias, m1, m2}, {m1, m2}, false,
      [&] { return addmm(bias, m1, m2, beta, alpha); },
      [a, b](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {n.needs_grad(0) ? g[0] * b : Tensor(),
                n.needs_grad(1) ? mm(g[0], n.saved(1).t()) * a : Tensor(),
                n.needs_grad(2) ? mm(n.saved(0).t(), g[0]) * a : Tensor()};
      });
}

// out = x @ W^T + b over any leading dims of x.
Tensor linear_fn(const Tensor& x, const Tensor& w, const Tensor& bias) {
  return record1(
      "LinearBackward", {x, w, bias}, {x, w}, false, [&] { return linear(x, w, bias); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor x = n.saved(0), w = n.saved(1);
        const Tensor g2 = g[0].reshape({-1, g[0].size(-1)});
        Tensor gx, gw, gb;
        if (n.needs_grad(0)) gx = matmul(g[0], w);
        if (n.needs_grad(1)) gw = mm(g2.t(), x.reshape({-1, x.size(-1)}));
        if (n.needs_grad(2)) gb = sum(g2, {0});
        return {gx, gw, gb};
      });
}

// ---- convolution and pooling ----
Tensor conv2d_fn(const Tensor& x, const Tensor& w, const Tensor& bias, IntArrayRef stride,
                 IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  const DimVector s(stride), p(padding), d(dilation);
  return record1(
      "Conv2dBackward", {x, w, bias}, {x, w}, false,
      [&] { return conv2d(x, w, bias, stride, padding, dilation, groups); },
      [s, p, d, groups](const variable_list& g, const FormulaNode& n) -> variable_list {
        auto [gx, gw, gb] = conv2d_backward(g[0], n.saved(0), n.saved(1), s, p, d, groups,
                                            {n.needs_grad(0), n.needs_grad(1), n.needs_grad(2)});
        return {gx, gw, gb};
      });
}

TensorPair max_pool2d_fn(const Tensor& x, IntArrayRef kernel, IntArrayRef stride,
                         IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  variable_list out = record(
      "MaxPool2DBackward", {x}, {x}, true,
      [&] {
        auto [y, idx] = max_pool2d_with_indices(x, kernel, stride, padding, dilation, ceil_mode);
        return variable_list{y, idx};
      },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {max_pool2d_backward(g[0], n.saved(0), n.saved(2))};
      });
  return {out[0], out[1]};
}

Tensor avg_pool2d_fn(const Tensor& x, IntArrayRef kernel, IntArrayRef stride, IntArrayRef padding,
                     bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor) {
  const DimVector k(kernel), s(stride), p(padding);
  return record1(
      "AvgPool2DBackward", {x}, {x}, false,
      [&] { return avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor); },
      [=](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {
            avg_pool2d_backward(g[0], n.saved(0), k, s, p, ceil_mode, count_include_pad, divisor)};
      });
}

Tensor adaptive_avg_pool2d_fn(const Tensor& x, IntArrayRef output_size) {
  const DimVector o(output_size);
  return record1(
      "AdaptiveAvgPool2DBackward", {x}, {x}, false, [&] { return adaptive_avg_pool2d(x, o); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {adaptive_avg_pool2d_backward(g[0], n.saved(0))};
      });
}

// ---- normalization ----
TensorTriple batch_norm_fn(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm,
                           const Tensor& rv, bool training, double momentum, double eps) {
  // Saved: x, w, rm, rv (inputs), then outputs y, save_mean, save_invstd. Training backward uses
  // the batch statistics, so the running ones (updated in place by every forward) are saved only
  // in eval mode.
  variable_list out = record(
      "NativeBatchNormBackward", {x, w, b},
      training ? std::vector<Tensor>{x, w, Tensor(), Tensor()} : std::vector<Tensor>{x, w, rm, rv},
      true,
      [&] {
        auto [y, mean, invstd] = native_batch_norm(x, w, b, rm, rv, training, momentum, eps);
        return variable_list{y, mean, invstd};
      },
      [training, eps](const variable_list& g, const FormulaNode& n) -> variable_list {
        auto [gx, gw, gb] = native_batch_norm_backward(
            g[0], n.saved(0), n.saved(1), n.saved(2), n.saved(3), n.saved(5), n.saved(6), training,
            eps, {n.needs_grad(0), n.needs_grad(1), n.needs_grad(2)});
        return {gx, gw, gb};
      });
  return {out[0], out[1], out[2]};
}

TensorTriple layer_norm_fn(const Tensor& x, IntArrayRef normalized_shape, const Tensor& w,
                           const Tensor& b, double eps) {
  const DimVector shape(normalized_shape);
  variable_list out = record(
      "NativeLayerNormBackward", {x, w, b}, {x, w}, true,
      [&] {
        auto [y, mean, rstd] = native_layer_norm(x, shape, w, b, eps);
        return variable_list{y, mean, rstd};
      },
      [shape](const variable_list& g, const FormulaNode& n) -> variable_list {
        auto [gx, gw, gb] =
            native_layer_norm_backward(g[0], n.saved(0), shape, n.saved(3), n.saved(4), n.saved(1),
                                       {n.needs_grad(0), n.needs_grad(1), n.needs_grad(2)});
        return {gx, gw, gb};
      });
  return {out[0], out[1], out[2]};
}

// ---- softmax ----
Tensor softmax_fn(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return record1(
      "SoftmaxBackward", {x}, {}, true, [&] { return softmax(x, dim, dtype); },
      [dim](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {softmax_backward(g[0], n.saved(0), dim)};
      });
}

Tensor log_softmax_fn(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return record1(
      "LogSoftmaxBackward", {x}, {}, true, [&] { return log_softmax(x, dim, dtype); },
      [dim](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {log_softmax_backward(g[0], n.saved(0), dim)};
      });
}

// ---- losses ----
Tensor cross_entropy_fn(const Tensor& x, const Tensor& target, const Tensor& weight,
                        Reduction reduction, int64_t ignore_index, double label_smoothing) {
  Tensor lse;
  Tensor loss = record1(
      "CrossEntropyLossBackward", {x, target, weight}, {x, target, weight}, false,
      [&] {
        auto [l, s] =
            cross_entropy_forward(x, target, weight, reduction, ignore_index, label_smoothing);
        lse = s;
        return l;
      },
      [=](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {cross_entropy_backward(g[0], n.saved(0), n.saved(1), n.saved(3), n.saved(2),
                                       reduction, ignore_index, label_smoothing),
                Tensor(), Tensor()};
      });
  save_extra(loss, lse);
  return loss;
}

Tensor nll_loss_fn(const Tensor& x, const Tensor& target, const Tensor& weight, Reduction reduction,
                   int64_t ignore_index) {
  Tensor total_weight;
  Tensor loss = record1(
      "NllLossBackward", {x, target, weight}, {x, target, weight}, false,
      [&] {
        auto [l, tw] = nll_loss_forward(x, target, weight, reduction, ignore_index);
        total_weight = tw;
        return l;
      },
      [=](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {nll_loss_backward(g[0], n.saved(0), n.saved(1), n.saved(2), reduction, ignore_index,
                                  n.saved(3)),
                Tensor(), Tensor()};
      });
  save_extra(loss, total_weight);
  return loss;
}

// The element-wise losses: input and target both receive gradients (target's is the negative
// for the symmetric ones), like PyTorch.
Tensor mse_loss_fn(const Tensor& x, const Tensor& t, Reduction reduction) {
  return record1(
      "MseLossBackward", {x, t}, {x, t}, false, [&] { return mse_loss(x, t, reduction); },
      [reduction](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor gx = mse_loss_backward(g[0], n.saved(0), n.saved(1), reduction);
        return {gx, n.needs_grad(1) ? -gx : Tensor()};
      });
}

Tensor l1_loss_fn(const Tensor& x, const Tensor& t, Reduction reduction) {
  return record1(
      "L1LossBackward", {x, t}, {x, t}, false, [&] { return l1_loss(x, t, reduction); },
      [reduction](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor gx = l1_loss_backward(g[0], n.saved(0), n.saved(1), reduction);
        return {gx, n.needs_grad(1) ? -gx : Tensor()};
      });
}

Tensor smooth_l1_loss_fn(const Tensor& x, const Tensor& t, Reduction reduction, double beta) {
  return record1(
      "SmoothL1LossBackward", {x, t}, {x, t}, false,
      [&] { return smooth_l1_loss(x, t, reduction, beta); },
      [reduction, beta](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor gx = smooth_l1_loss_backward(g[0], n.saved(0), n.saved(1), reduction, beta);
        return {gx, n.needs_grad(1) ? -gx : Tensor()};
      });
}

Tensor bce_fn(const Tensor& x, const Tensor& t, const Tensor& w, Reduction reduction) {
  return record1(
      "BinaryCrossEntropyBackward", {x, t, w}, {x, t, w}, false,
      [&] { return binary_cross_entropy(x, t, w, reduction); },
      [reduction](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {binary_cross_entropy_backward(g[0], n.saved(0), n.saved(1), n.saved(2), reduction),
                Tensor(), Tensor()};
      });
}

Tensor bce_logits_fn(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw,
                     Reduction reduction) {
  return record1(
      "BinaryCrossEntropyWithLogitsBackward", {x, t, w, pw}, {x, t, w, pw}, false,
      [&] { return binary_cross_entropy_with_logits(x, t, w, pw, reduction); },
      [reduction](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {binary_cross_entropy_with_logits_backward(g[0], n.saved(0), n.saved(1), n.saved(2),
                                                          n.saved(3), reduction),
                Tensor(), Tensor(), Tensor()};
      });
}

// ---- embedding ----
Tensor embedding_fn(const Tensor& weight, const Tensor& indices,
                    std::optional<int64_t> padding_idx) {
  const int64_t num = weight.size(0);
  return record1(
      "EmbeddingBackward", {weight, indices}, {indices}, false,
      [&] { return embedding(weight, indices, padding_idx); },
      [num, padding_idx](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {embedding_backward(g[0], n.saved(0), num, padding_idx), Tensor()};
      });
}

}  // namespace

EMBER_REGISTER_FORMULA(mm, mm_fn);
EMBER_REGISTER_FORMULA(bmm, bmm_fn);
EMBER_REGISTER_FORMULA(matmul, matmul_fn);
EMBER_REGISTER_FORMULA(addmm, addmm_fn);
EMBER_REGISTER_FORMULA(linear, linear_fn);
EMBER_REGISTER_FORMULA(conv2d, conv2d_fn);
EMBER_REGISTER_FORMULA(max_pool2d_with_indices, max_pool2d_fn);
EMBER_REGISTER_FORMULA(avg_pool2d, avg_pool2d_fn);
EMBER_REGISTER_FORMULA(adaptive_avg_pool2d, adaptive_avg_pool2d_fn);
EMBER_REGISTER_FORMULA(native_batch_norm, batch_norm_fn);
EMBER_REGISTER_FORMULA(native_layer_norm, layer_norm_fn);
EMBER_REGISTER_FORMULA(softmax, softmax_fn);
EMBER_REGISTER_FORMULA(log_softmax, log_softmax_fn);
EMBER_REGISTER_FORMULA(cross_entropy, cross_entropy_fn);
EMBER_REGISTER_FORMULA(nll_loss, nll_loss_fn);
EMBER_REGISTER_FORMULA(mse_loss, mse_loss_fn);
EMBER_REGISTER_FORMULA(l1_loss, l1_loss_fn);
EMBER_REGISTER_FORMULA(smooth_l1_loss, smooth_l1_loss_fn);
EMBER_REGISTER_FORMULA(binary_cross_entropy, bce_fn);
EMBER_REGISTER_FORMULA(binary_cross_entropy_with_logits, bce_logits_fn);
EMBER_REGISTER_FORMULA(embedding, embedding_fn);

}  // namespace ember::autograd
