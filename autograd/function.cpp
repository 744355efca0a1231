// Custom autograd functions: the context, the node that calls the user's backward, and wiring.
#include "ember/autograd/function.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>

#include "ember/autograd/autograd_meta.h"
#include "ember/core/check.h"
#include "ember/core/factories.h"

namespace ember::autograd {

// ---- SavedValue ----
namespace {
template <typename T>
const T& get_as(const std::variant<std::monostate, double, int64_t, bool, Tensor, std::string,
                                   std::vector<int64_t>>& v,
                const char* what) {
  const T* p = std::get_if<T>(&v);
  EMBER_CHECK(p != nullptr, Value, "AutogradContext::saved_data: the value is not a {}", what);
  return *p;
}
}  // namespace

double SavedValue::toDouble() const {
  if (const auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return get_as<double>(v_, "double");
}
int64_t SavedValue::toInt() const {
  return get_as<int64_t>(v_, "int");
}
bool SavedValue::toBool() const {
  return get_as<bool>(v_, "bool");
}
const Tensor& SavedValue::toTensor() const {
  return get_as<Tensor>(v_, "Tensor");
}
const std::string& SavedValue::toStringRef() const {
  return get_as<std::string>(v_, "string");
}
const std::vector<int64_t>& SavedValue::toIntVector() const {
  return get_as<std::vector<int64_t>>(v_, "int vector");
}

// ---- AutogradContext ----
void AutogradContext::save_for_backward(const variable_list& tensors) {
  to_save_ = tensors;
}

variable_list AutogradContext::get_saved_variables() const {
  auto node = node_.lock();
  EMBER_CHECK(node != nullptr || saved_.empty(), Autograd,
              "AutogradContext: saved tensors are only available in backward");
  variable_list out;
  for (const SavedVariable& s : saved_) out.push_back(s.unpack(*node));
  return out;
}

void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
  for (const Tensor& t : outputs) non_differentiable_.push_back(t.impl());
}

bool AutogradContext::needs_input_grad(size_t i) const {
  return i < needs_input_grad_.size() && needs_input_grad_[i];
}

// ---- the node ----
CustomFunctionNode::CustomFunctionNode(const char* mangled_name, Backward backward,
                                       std::vector<int> tensor_arg_positions)
    : backward_(backward), positions_(std::move(tensor_arg_positions)) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status);
  name_ = status == 0 && demangled ? demangled : mangled_name;
  std::free(demangled);
  name_ += "Backward";
}

variable_list CustomFunctionNode::apply(variable_list&& grads) {
  if (ctx.materialize_grads_) {
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].defined()) {
        const OutputMetadata& m = output_metadata(i);
        grads[i] = zeros(m.sizes, TensorOptions().dtype(m.dtype).device(m.device));
      }
    }
  }
  variable_list by_argument = backward_(&ctx, std::move(grads));
  // backward returns one gradient per forward argument; keep those of the tensor arguments.
  const int max_pos =
      positions_.empty() ? -1 : *std::max_element(positions_.begin(), positions_.end());
  EMBER_CHECK(static_cast<int>(by_argument.size()) > max_pos, Autograd,
              "{}: backward returned {} gradients but forward took at least {} arguments; return "
              "one per forward argument (undefined for non-tensors)",
              name_, by_argument.size(), max_pos + 1);
  variable_list out;
  for (size_t k = 0; k < positions_.size(); ++k) {
    Tensor g = by_argument[static_cast<size_t>(positions_[k])];
    const Edge& e = next_edges_[k];
    if (g.defined() && e.is_valid()) {
      const OutputMetadata& m = e.function->output_metadata(e.input_nr);
      EMBER_CHECK(g.sizes() == IntArrayRef(m.sizes), Autograd,
                  "{}: the gradient returned for argument {} has shape {} but the input has "
                  "shape [{}]",
                  name_, positions_[k], g.shape_str(), fmt::join(m.sizes, ", "));
    }
    out.push_back(std::move(g));
  }
  return out;
}

void CustomFunctionNode::release_variables() {
  for (SavedVariable& s : ctx.saved_) s.release();
}

namespace detail {

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

variable_list attach_custom_node(const std::shared_ptr<CustomFunctionNode>& node,
                                 const std::vector<Tensor>& inputs, variable_list outputs) {
  for (const Tensor& in : inputs)
    node->mutable_next_edges().push_back(in.defined() ? gradient_edge(in) : Edge{});
  node->ctx.node_ = node;
  auto& nd = node->ctx.non_differentiable_;
  for (Tensor& out : outputs) {
    if (!out.defined()) continue;
    const bool skip =
        std::find(nd.begin(), nd.end(), out.impl()) != nd.end() || !is_floating_point(out.dtype());
    if (skip) continue;
    // An output that is an input returned as is gets a fresh alias, so the input keeps its own
    // history (like PyTorch's view handling of returned inputs).
    for (const Tensor& in : inputs) {
      if (in.defined() && in.is_same(out)) {
        out = Tensor(make_intrusive<TensorImpl>(out.storage(), out.dtype(), out.sizes(),
                                                out.strides(), out.storage_offset()));
        break;
      }
    }
    set_history(out, node);
  }
  for (const Tensor& t : node->ctx.to_save_) {
    bool is_output = false;
    for (const Tensor& out : outputs) is_output |= out.defined() && out.is_same(t);
    node->ctx.saved_.emplace_back(t, is_output);
  }
  node->ctx.to_save_.clear();
  return outputs;
}

}  // namespace detail
}  // namespace ember::autograd
