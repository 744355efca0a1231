// Custom autograd functions, libtorch's way: a struct with static forward(ctx, args...) and
// backward(ctx, grad_outputs), used through Function<T>::apply(args...). forward runs without
// recording; when an input tensor requires grad, the outputs get a node that calls backward.
//
//   struct Scale : ember::autograd::Function<Scale> {
//     static Tensor forward(AutogradContext* ctx, Tensor x, double c) {
//       ctx->saved_data["c"] = c;
//       return x * c;
//     }
//     static variable_list backward(AutogradContext* ctx, variable_list g) {
//       return {g[0] * ctx->saved_data["c"].toDouble(), Tensor()};  // one per forward argument
//     }
//   };
//   Tensor y = Scale::apply(x, 2.0);
#pragma once

#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "ember/autograd/node.h"
#include "ember/autograd/saved_variable.h"
#include "ember/core/grad_mode.h"

namespace ember::autograd {

// A value kept in AutogradContext::saved_data (libtorch's IValue, reduced to what layers keep).
class EMBER_API SavedValue {
 public:
  SavedValue() = default;
  SavedValue(double v) : v_(v) {}                           // NOLINT: implicit
  SavedValue(int64_t v) : v_(v) {}                          // NOLINT
  SavedValue(int v) : v_(int64_t{v}) {}                     // NOLINT
  SavedValue(bool v) : v_(v) {}                             // NOLINT
  SavedValue(Tensor v) : v_(std::move(v)) {}                // NOLINT
  SavedValue(std::string v) : v_(std::move(v)) {}           // NOLINT
  SavedValue(std::vector<int64_t> v) : v_(std::move(v)) {}  // NOLINT
  double toDouble() const;
  int64_t toInt() const;
  bool toBool() const;
  const Tensor& toTensor() const;
  const std::string& toStringRef() const;
  const std::vector<int64_t>& toIntVector() const;

 private:
  std::variant<std::monostate, double, int64_t, bool, Tensor, std::string, std::vector<int64_t>> v_;
};

class EMBER_API AutogradContext {
 public:
  // Tensors backward needs; checked against in-place changes when unpacked.
  void save_for_backward(const variable_list& tensors);
  variable_list get_saved_variables() const;
  // Outputs that have no gradient (indices, masks).
  void mark_non_differentiable(const variable_list& outputs);
  // false: undefined output gradients reach backward as undefined instead of zeros.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  // Whether forward argument i (counting every argument) needs a gradient.
  bool needs_input_grad(size_t i) const;

  std::map<std::string, SavedValue> saved_data;

  // Internals used by Function<T>::apply and the node.
  std::vector<Tensor> to_save_;
  std::vector<SavedVariable> saved_;
  std::vector<const TensorImpl*> non_differentiable_;
  std::vector<bool> needs_input_grad_;
  bool materialize_grads_ = true;
  std::weak_ptr<Node> node_;
};

// The node of a custom function: calls the user's backward with the context.
class EMBER_API CustomFunctionNode : public Node {
 public:
  using Backward = variable_list (*)(AutogradContext*, variable_list);
  // mangled_name: typeid(T).name() of the user's struct (shown demangled as the node's name).
  CustomFunctionNode(const char* mangled_name, Backward backward,
                     std::vector<int> tensor_arg_positions);
  variable_list apply(variable_list&& grads) override;
  std::string name() const override { return name_; }
  void release_variables() override;
  AutogradContext ctx;

 private:
  std::string name_;
  Backward backward_;
  std::vector<int> positions_;  // argument index of each tensor input
};

namespace detail {
inline void collect_tensor(std::vector<Tensor>& out, std::vector<int>& pos, int i,
                           const Tensor& t) {
  out.push_back(t);
  pos.push_back(i);
}
template <typename T>
inline void collect_tensor(std::vector<Tensor>&, std::vector<int>&, int, const T&) {}

// Wires a custom function's outputs into the graph; returns them.
EMBER_API variable_list attach_custom_node(const std::shared_ptr<CustomFunctionNode>& node,
                                           const std::vector<Tensor>& inputs,
                                           variable_list outputs);
EMBER_API bool any_requires_grad(const std::vector<Tensor>& inputs);
}  // namespace detail

template <typename T>
struct Function {
  template <typename... Args>
  static auto apply(Args&&... args) {
    std::vector<Tensor> inputs;
    std::vector<int> positions;
    int i = 0;
    (detail::collect_tensor(inputs, positions, i++, args), ...);
    auto node = std::make_shared<CustomFunctionNode>(
        typeid(T).name(), static_cast<CustomFunctionNode::Backward>(&T::backward), positions);
    node->ctx.needs_input_grad_.assign(sizeof...(Args), false);
    for (size_t k = 0; k < inputs.size(); ++k)
      node->ctx.needs_input_grad_[positions[k]] = inputs[k].defined() && inputs[k].requires_grad();
    using Out = decltype(T::forward(&node->ctx, std::forward<Args>(args)...));
    Out out;
    {
      NoGradGuard no_grad;
      out = T::forward(&node->ctx, std::forward<Args>(args)...);
    }
    const bool record = GradMode::is_enabled() && detail::any_requires_grad(inputs);
    if constexpr (std::is_same_v<Out, Tensor>) {
      if (!record) return out;
      return detail::attach_custom_node(node, inputs, {out})[0];
    } else {
      if (!record) return out;
      return detail::attach_custom_node(node, inputs, std::move(out));
    }
  }
};

}  // namespace ember::autograd
