// The kernel table's rows: every op that has device kernels, with the signature of its kernels
// (the signatures are in core/kernel_signatures.h). Adding an op adds one line here; its CPU and
// CUDA files register the rows; tests/core/dispatch_coverage_test.cpp checks every row is filled.
// Ops composed from other ops (var, std, norm, logsumexp, one_hot, eye, ...) have no row.
#pragma once

// clang-format off
#define EMBER_FOREACH_OP(X)                                                                \
  /* element-wise: one functor each in kernels/functors.h */                               \
  X(add, ElementwiseKernel) X(mul, ElementwiseKernel) X(div, ElementwiseKernel)            \
  X(pow, ElementwiseKernel) X(maximum, ElementwiseKernel) X(minimum, ElementwiseKernel)    \
  X(eq, ElementwiseKernel) X(ne, ElementwiseKernel) X(lt, ElementwiseKernel)               \
  X(le, ElementwiseKernel) X(gt, ElementwiseKernel) X(ge, ElementwiseKernel)               \
  X(logical_and, ElementwiseKernel) X(logical_or, ElementwiseKernel)                       \
  X(logical_xor, ElementwiseKernel) X(logical_not, ElementwiseKernel)                      \
  X(neg, ElementwiseKernel) X(abs, ElementwiseKernel) X(exp, ElementwiseKernel)            \
  X(log, ElementwiseKernel) X(log1p, ElementwiseKernel) X(sqrt, ElementwiseKernel)         \
  X(rsqrt, ElementwiseKernel) X(sin, ElementwiseKernel) X(cos, ElementwiseKernel)          \
  X(tanh, ElementwiseKernel) X(sigmoid, ElementwiseKernel) X(relu, ElementwiseKernel)      \
  X(leaky_relu, ElementwiseKernel) X(gelu, ElementwiseKernel) X(clamp, ElementwiseKernel)  \
  X(sign, ElementwiseKernel) X(reciprocal, ElementwiseKernel) X(square, ElementwiseKernel) \
  X(where, ElementwiseKernel) X(fill, ElementwiseKernel)                                   \
  /* backward of activations (grad, input or output) -> grad input */                      \
  X(threshold_backward, ElementwiseKernel) X(leaky_relu_backward, ElementwiseKernel)       \
  X(gelu_backward, ElementwiseKernel) X(sigmoid_backward, ElementwiseKernel)               \
  X(tanh_backward, ElementwiseKernel)                                                      \
  /* copies between dtypes and devices */                                                  \
  X(copy, CopyKernel)                                                                      \
  /* reductions */                                                                         \
  X(sum, ReduceKernel) X(prod, ReduceKernel) X(amax, ReduceKernel) X(amin, ReduceKernel)   \
  X(max, ReduceKernel) X(min, ReduceKernel) X(argmax, ReduceKernel)                        \
  X(argmin, ReduceKernel) X(all, ReduceKernel) X(any, ReduceKernel)                        \
  /* factories and random fills (contiguous outputs) */                                    \
  X(arange, RangeKernel) X(uniform, RandomKernel) X(normal, RandomKernel)                  \
  X(bernoulli, RandomKernel) X(random_int, RandomKernel)                                   \
  /* joining, indexing, sorting, scans */                                                  \
  X(cat, CatKernel) X(index_select, IndexSelectKernel) X(gather, IndexSelectKernel)        \
  X(scatter_add, ScatterKernel) X(nonzero, NonzeroKernel) X(sort, SortKernel)              \
  X(topk, TopkKernel) X(cumsum, ScanKernel)                                                \
  /* fused optimizer updates over lists of tensors (optim/fused_step.cpp) */                \
  X(sgd_step, SgdStepKernel) X(adam_step, AdamStepKernel)                                  \
  X(rmsprop_step, RmspropStepKernel) X(adagrad_step, AdagradStepKernel)                    \
  X(adadelta_step, AdadeltaStepKernel)                                                     \
  /* neural-network kernels (core/nn_ops.h): forward and backward */                       \
  X(gemm, GemmKernel) X(conv2d, Conv2dKernel) X(conv2d_backward, Conv2dBackwardKernel)     \
  X(max_pool2d, MaxPool2dKernel) X(max_pool2d_backward, MaxPool2dBackwardKernel)           \
  X(avg_pool2d, AvgPool2dKernel) X(avg_pool2d_backward, AvgPool2dBackwardKernel)           \
  X(adaptive_avg_pool2d, AdaptivePool2dKernel)                                             \
  X(adaptive_avg_pool2d_backward, AdaptivePool2dKernel)                                    \
  X(batch_norm, BatchNormKernel) X(batch_norm_backward, BatchNormBackwardKernel)           \
  X(layer_norm, LayerNormKernel) X(layer_norm_backward, LayerNormBackwardKernel)           \
  X(softmax, SoftmaxKernel) X(log_softmax, SoftmaxKernel)                                  \
  X(softmax_backward, SoftmaxBackwardKernel)                                               \
  X(log_softmax_backward, SoftmaxBackwardKernel)                                           \
  X(cross_entropy, CrossEntropyKernel)                                                     \
  X(cross_entropy_backward, CrossEntropyBackwardKernel)                                    \
  X(nll_loss, NllLossKernel) X(nll_loss_backward, NllLossBackwardKernel)                   \
  X(embedding, EmbeddingKernel) X(embedding_backward, EmbeddingBackwardKernel)
// clang-format on
