// nn::functional embedding: forwards to the op (note the op takes weight first).
#include "ember/nn/functional_embedding.h"

#include "ember/core/nn_ops.h"

namespace ember::nn::functional {

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  return ember::embedding(weight, input, options.padding_idx());
}

}  // namespace ember::nn::functional
