// The engine: runs the backward graph from some outputs, in a deterministic order (latest-created
// node first), summing gradients that meet at a node, and either accumulating into leaves' .grad
// (backward) or returning the gradients of chosen tensors (grad).
#pragma once

#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

// Computes the gradients of `tensors` with respect to the graph leaves and accumulates them into
// the leaves' .grad (or only into `inputs` when given). grad_tensors: one per tensor; may be
// undefined for a one-element tensor (seeded with 1). retain_graph defaults to create_graph.
EMBER_API void backward(const std::vector<Tensor>& tensors,
                        const std::vector<Tensor>& grad_tensors = {},
                        std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                        const std::vector<Tensor>& inputs = {});

// Returns d(outputs)/d(inputs) weighted by grad_outputs, without touching any .grad. With
// create_graph the result is itself differentiable (double backward). An input the outputs do
// not depend on is an error unless allow_unused, which returns an undefined tensor for it.
EMBER_API std::vector<Tensor> grad(const std::vector<Tensor>& outputs,
                                   const std::vector<Tensor>& inputs,
                                   const std::vector<Tensor>& grad_outputs = {},
                                   std::optional<bool> retain_graph = std::nullopt,
                                   bool create_graph = false, bool allow_unused = false);

}  // namespace ember::autograd
