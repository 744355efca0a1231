// nn::functional, every layer and loss as a function, like torch::nn::functional; `F` is its
// short name: F::relu(x), F::cross_entropy(logits, target, F::CrossEntropyFuncOptions()...).
#pragma once

#include "ember/nn/functional_activation.h"
#include "ember/nn/functional_conv.h"
#include "ember/nn/functional_dropout.h"
#include "ember/nn/functional_embedding.h"
#include "ember/nn/functional_linear.h"
#include "ember/nn/functional_loss.h"
#include "ember/nn/functional_normalization.h"
#include "ember/nn/functional_pooling.h"

namespace ember::nn {
namespace F = functional;
}  // namespace ember::nn
