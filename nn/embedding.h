// Embedding: a lookup table of num_embeddings rows of embedding_dim values, like libtorch's.
#pragma once

#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/options_embedding.h"

namespace ember::nn {

// weight [num_embeddings, embedding_dim], initialised N(0, 1) like PyTorch, with the padding row
// (if any) zeroed.
class EMBER_API EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingImpl(const EmbeddingOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;

  EmbeddingOptions options;
  Tensor weight;
};

namespace detail {
EMBER_API std::shared_ptr<EmbeddingImpl> embedding_from_pretrained(
    const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options);
}  // namespace detail

// The holder, with libtorch's Embedding::from_pretrained.
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder<EmbeddingImpl>::ModuleHolder;
  using Impl = EmbeddingImpl;
  // An Embedding whose weight is a copy of embeddings [num, dim] (frozen by default).
  static Embedding from_pretrained(const Tensor& embeddings,
                                   const EmbeddingFromPretrainedOptions& options = {}) {
    return Embedding(detail::embedding_from_pretrained(embeddings, options));
  }
};

}  // namespace ember::nn
