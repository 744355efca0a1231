// Node: one step of the backward graph. A Node receives the gradients of its forward op's outputs
// and returns the gradients of the op's inputs, which flow along its next edges. AccumulateGrad is
// the Node at a leaf: it adds the incoming gradient into the leaf's .grad.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;
using variable_list = std::vector<Tensor>;

// Where a gradient goes: input `input_nr` of node `function` (null: nowhere, input needs no grad).
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool is_valid() const { return function != nullptr; }
};

// Shape, dtype and device of one forward output, to check and to zero-fill its gradient.
struct OutputMetadata {
  DimVector sizes;
  DType dtype = kFloat32;
  Device device;
};

class EMBER_API Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients of the inputs from the gradients of the outputs (undefined = zero).
  virtual variable_list apply(variable_list&& grad_outputs) = 0;
  // "MulBackward", "AccumulateGrad", ...
  virtual std::string name() const = 0;
  // Frees saved tensors after a backward pass that does not retain the graph.
  virtual void release_variables() {}

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  std::vector<Edge>& mutable_next_edges() { return next_edges_; }
  size_t num_outputs() const { return output_metadata_.size(); }
  const OutputMetadata& output_metadata(size_t i) const { return output_metadata_[i]; }
  // Records an output of the forward op; returns its index (the output_nr of that tensor).
  uint32_t add_output(const Tensor& output);
  // Creation order; the engine runs later nodes first, which makes backward deterministic.
  uint64_t sequence_nr() const { return sequence_nr_; }

  // Called with the incoming gradients before apply; may replace them (tensor hooks).
  using PreHook = std::function<variable_list(variable_list)>;
  void add_pre_hook(PreHook hook) { pre_hooks_.push_back(std::move(hook)); }
  const std::vector<PreHook>& pre_hooks() const { return pre_hooks_; }

 protected:
  std::vector<Edge> next_edges_;
  std::vector<OutputMetadata> output_metadata_;
  std::vector<PreHook> pre_hooks_;

 private:
  uint64_t sequence_nr_;
};

// The node at a leaf that requires grad: accumulates into its .grad, then runs the leaf's
// post-accumulate hooks (which data-parallel training uses to start all-reduces early).
class EMBER_API AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(const Tensor& leaf);
  variable_list apply(variable_list&& grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }
  const Tensor& leaf() const { return leaf_; }

 private:
  // The graph holds its leaves; a leaf's meta holds its accumulator only weakly (no cycle).
  Tensor leaf_;
};

}  // namespace ember::autograd
