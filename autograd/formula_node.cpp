// FormulaNode and record(): how built-in ops join the backward graph.
#include "ember/autograd/formula_node.h"

#include "ember/core/check.h"
#include "ember/core/grad_mode.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember::autograd {

Tensor sum_to(const Tensor& grad, IntArrayRef sizes) {
  if (grad.sizes() == sizes) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(sizes.size());
  EMBER_CHECK(lead >= 0, Shape, "sum_to: gradient of shape {} cannot be summed to shape {}",
              grad.shape_str(), detail::shape_string(sizes));
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 1 && grad.size(lead + static_cast<int64_t>(i)) != 1)
      dims.push_back(lead + static_cast<int64_t>(i));
  }
  Tensor r = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return lead > 0 || r.sizes() != sizes ? r.reshape(sizes) : r;
}

variable_list FormulaNode::apply(variable_list&& grads) {
  variable_list in = formula_(grads, *this);
  EMBER_CHECK(in.size() == input_metadata_.size(), Autograd,
              "{}: its formula returned {} gradients for {} inputs", name_, in.size(),
              input_metadata_.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (!in[i].defined() || !needs_grad(i)) {
      in[i] = Tensor();
      continue;
    }
    const OutputMetadata& m = input_metadata_[i];
    if (in[i].sizes() != IntArrayRef(m.sizes)) in[i] = sum_to(in[i], m.sizes);
    if (in[i].dtype() != m.dtype || in[i].device() != m.device) in[i] = in[i].to(m.device, m.dtype);
  }
  return in;
}

void FormulaNode::release_variables() {
  for (SavedVariable& s : saved_) s.release();
}

variable_list record(const std::string& name, std::vector<Tensor> inputs,
                     std::vector<Tensor> saved_inputs, bool save_outputs,
                     const std::function<variable_list()>& forward, Formula formula) {
  variable_list outputs;
  {
    NoGradGuard no_grad;
    outputs = forward();
  }
  auto node = std::make_shared<FormulaNode>(name, std::move(formula));
  node->mutable_next_edges().reserve(inputs.size());
  for (const Tensor& in : inputs) {
    node->mutable_next_edges().push_back(in.defined() ? gradient_edge(in) : Edge{});
    node->input_metadata_.push_back(
        in.defined() ? OutputMetadata{DimVector(in.sizes()), in.dtype(), in.device()}
                     : OutputMetadata{});
  }
  for (const Tensor& s : saved_inputs) node->saved_.emplace_back(s, /*is_output=*/false);
  for (Tensor& out : outputs) {
    if (!out.defined() || !is_floating_point(out.dtype())) continue;
    set_history(out, node);
  }
  if (save_outputs) {
    for (const Tensor& out : outputs) node->saved_.emplace_back(out, /*is_output=*/true);
  }
  return outputs;
}

Tensor record1(const std::string& name, std::vector<Tensor> inputs,
               std::vector<Tensor> saved_inputs, bool save_output,
               const std::function<Tensor()>& forward, Formula formula) {
  return record(
      name, std::move(inputs), std::move(saved_inputs), save_output,
      [&] { return variable_list{forward()}; }, std::move(formula))[0];
}

}  // namespace ember::autograd
