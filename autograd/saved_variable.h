// SavedVariable: a tensor a Node keeps for its backward formula, with the storage version it had
// when saved. Unpacking after an in-place change of that storage, or after the graph was freed,
// throws an error that names the node. An op's own output is saved without a strong reference to
// the node (which would be a cycle) and re-attached to it when unpacked.
#pragma once

#include <memory>
#include <string>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;

class EMBER_API SavedVariable {
 public:
  SavedVariable() = default;
  // is_output: t is an output of the node that saves it.
  SavedVariable(const Tensor& t, bool is_output);

  // The saved tensor; `node` is the node that saved it (for outputs, and for error messages).
  Tensor unpack(const Node& node) const;
  // Frees the tensor (after a backward pass that does not retain the graph).
  void release();
  bool was_defined() const { return was_defined_; }

 private:
  Tensor data_;                  // inputs: the tensor; outputs: an alias without autograd meta
  std::weak_ptr<Node> grad_fn_;  // outputs only: the node to re-attach on unpack
  uint32_t output_nr_ = 0;
  uint32_t saved_version_ = 0;
  bool was_defined_ = false;
  bool is_output_ = false;
  bool released_ = false;
};

}  // namespace ember::autograd
