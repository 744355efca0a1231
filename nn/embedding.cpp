// Embedding layer and Embedding::from_pretrained.
#include "ember/nn/embedding.h"

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/grad_mode.h"
#include "ember/nn/functional_embedding.h"
#include "ember/nn/init.h"

namespace ember::nn {

namespace {
// padding_idx counted from the front, checked against num_embeddings.
std::optional<int64_t> normalized_padding_idx(std::optional<int64_t> padding_idx,
                                              int64_t num_embeddings) {
  if (!padding_idx) return std::nullopt;
  const int64_t p = *padding_idx;
  EMBER_CHECK(p >= -num_embeddings && p < num_embeddings, Index,
              "Embedding: padding_idx {} must be within num_embeddings ({})", p, num_embeddings);
  return p < 0 ? p + num_embeddings : p;
}
}  // namespace

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& options_) : options(options_) {
  reset();
}

void EmbeddingImpl::reset() {
  EMBER_CHECK(options.num_embeddings() >= 0 && options.embedding_dim() >= 0, Value,
              "Embedding: num_embeddings and embedding_dim must be non-negative, got {} and {}",
              options.num_embeddings(), options.embedding_dim());
  options.padding_idx(normalized_padding_idx(options.padding_idx(), options.num_embeddings()));
  parameters_.clear();
  weight = register_parameter("weight",
                              ember::empty({options.num_embeddings(), options.embedding_dim()}));
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *options.padding_idx()).fill_(0);
  }
}

Tensor EmbeddingImpl::forward(const Tensor& input) {
  return functional::embedding(
      input, weight, functional::EmbeddingFuncOptions().padding_idx(options.padding_idx()));
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s =
      std::to_string(options.num_embeddings()) + ", " + std::to_string(options.embedding_dim());
  if (options.padding_idx()) s += ", padding_idx=" + std::to_string(*options.padding_idx());
  return s;
}

namespace detail {
std::shared_ptr<EmbeddingImpl> embedding_from_pretrained(
    const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  EMBER_CHECK(embeddings.defined() && embeddings.dim() == 2, Value,
              "Embedding::from_pretrained: embeddings must be a 2-d tensor [num, dim], got {}",
              embeddings.defined() ? embeddings.shape_str() : std::string("undefined"));
  auto module = std::make_shared<EmbeddingImpl>(
      EmbeddingOptions(embeddings.size(0), embeddings.size(1)).padding_idx(options.padding_idx()));
  NoGradGuard no_grad;
  module->to(embeddings.device(), embeddings.dtype());
  module->weight.copy_(embeddings);
  module->weight.requires_grad_(!options.freeze());
  return module;
}
}  // namespace detail

}  // namespace ember::nn
