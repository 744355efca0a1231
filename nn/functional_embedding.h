// nn::functional embedding: rows of a weight picked by integer indices.
#pragma once

#include "ember/core/tensor.h"
#include "ember/nn/options_embedding.h"

namespace ember::nn::functional {

// input: integer indices of any shape; weight [num, dim]; returns [*input, dim].
EMBER_API Tensor embedding(const Tensor& input, const Tensor& weight,
                           const EmbeddingFuncOptions& options = {});

}  // namespace ember::nn::functional
