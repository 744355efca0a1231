// FormulaNode: the Node of a built-in op, whose backward is a formula (a lambda) over the incoming
// gradients and the tensors the op saved. record() runs an op below autograd and attaches such a
// node to its outputs. Input gradients are fitted to their inputs automatically (summed over
// broadcast dims, cast back to the input's dtype and device), so formulas stay one line each.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "ember/autograd/autograd_meta.h"
#include "ember/autograd/node.h"
#include "ember/autograd/saved_variable.h"

namespace ember::autograd {

class FormulaNode;
// Formula: input gradients (one per recorded input, undefined = none) from output gradients.
using Formula = std::function<variable_list(const variable_list& grads, const FormulaNode& node)>;

class EMBER_API FormulaNode final : public Node {
 public:
  FormulaNode(std::string name, Formula formula)
      : name_(std::move(name)), formula_(std::move(formula)) {}
  variable_list apply(variable_list&& grads) override;
  std::string name() const override { return name_; }
  void release_variables() override;

  // The i-th saved tensor (inputs saved first, in order, then outputs).
  Tensor saved(size_t i) const { return saved_.at(i).unpack(*this); }
  // Whether input i (in record order) needs a gradient.
  bool needs_grad(size_t i) const { return next_edges_.at(i).is_valid(); }

  std::vector<SavedVariable> saved_;
  std::vector<OutputMetadata> input_metadata_;

 private:
  std::string name_;
  Formula formula_;
};

// Runs `forward` with grad recording off and attaches a FormulaNode named `name` whose inputs are
// `inputs`, saving `saved_inputs` (and the outputs when save_outputs). Outputs that are not
// floating point (indices) get no history.
EMBER_API variable_list record(const std::string& name, std::vector<Tensor> inputs,
                               std::vector<Tensor> saved_inputs, bool save_outputs,
                               const std::function<variable_list()>& forward, Formula formula);

// One-output form of record().
EMBER_API Tensor record1(const std::string& name, std::vector<Tensor> inputs,
                         std::vector<Tensor> saved_inputs, bool save_output,
                         const std::function<Tensor()>& forward, Formula formula);

// grad summed down to `sizes` (the inverse of broadcasting).
EMBER_API Tensor sum_to(const Tensor& grad, IntArrayRef sizes);

}  // namespace ember::autograd
