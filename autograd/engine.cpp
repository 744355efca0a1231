// The backward engine. One pass: find the nodes reachable from the roots and count how many
// edges enter each; seed the roots; then repeatedly run the ready node created last (a max-heap
// on sequence numbers, so the order is deterministic), summing gradients that meet at a node's
// input. CUDA work is queued on the device stream by the ops themselves: no host synchronisation.
#include "ember/autograd/engine.h"

#include <algorithm>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/autograd_meta.h"
#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/grad_mode.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember::autograd {

namespace {

struct NodeOrder {
  bool operator()(const Node* a, const Node* b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

// Where autograd::grad captures a gradient: input `input_nr` of `node` -> result slot.
struct Capture {
  Node* node;
  uint32_t input_nr;
  size_t slot;
};

class GraphTask {
 public:
  GraphTask(bool keep_graph, bool create_graph)
      : keep_graph_(keep_graph), create_graph_(create_graph) {}

  // Counts incoming edges of every node reachable from the roots.
  void discover(const std::vector<Edge>& roots) {
    std::vector<Node*> stack;
    for (const Edge& e : roots) {
      if (!e.is_valid()) continue;
      if (seen_.insert(e.function.get()).second) stack.push_back(e.function.get());
    }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& next : n->next_edges()) {
        if (!next.is_valid()) continue;
        ++dependencies_[next.function.get()];
        if (seen_.insert(next.function.get()).second) stack.push_back(next.function.get());
      }
    }
  }

  // Restricts execution to nodes on a path to one of the captures (autograd::grad), or to the
  // accumulators of the given inputs (backward with inputs=).
  void restrict_to(const std::unordered_set<Node*>& targets, bool run_targets) {
    restricted_ = true;
    // A node is needed when it is a target or one of its next nodes is needed. Visit in creation
    // order: a node's next nodes were created before it.
    std::vector<Node*> order(seen_.begin(), seen_.end());
    std::sort(order.begin(), order.end(),
              [](Node* a, Node* b) { return a->sequence_nr() < b->sequence_nr(); });
    for (Node* n : order) {
      bool needed = targets.count(n) > 0 && run_targets;
      if (!needed) {
        for (const Edge& e : n->next_edges())
          if (e.is_valid() &&
              (needed_.count(e.function.get()) || targets.count(e.function.get()))) {
            needed = true;
            break;
          }
      }
      if (needed) needed_.insert(n);
    }
  }

  void add_capture(const Capture& c) { captures_.push_back(c); }

  // Adds a gradient into input `input_nr` of `node`'s buffer.
  void accumulate(const Edge& edge, Tensor grad) {
    Node* n = edge.function.get();
    auto& buffer = buffers_[n];
    if (buffer.size() < n->num_outputs()) buffer.resize(n->num_outputs());
    Tensor& slot = buffer.at(edge.input_nr);
    if (!grad.defined()) return;
    const OutputMetadata& meta = n->output_metadata(edge.input_nr);
    EMBER_CHECK(grad.sizes() == IntArrayRef(meta.sizes), Autograd,
                "backward: the gradient for input {} of {} has shape {} but {} was expected",
                edge.input_nr, n->name(), grad.shape_str(), detail::shape_string(meta.sizes));
    slot = slot.defined() ? slot + grad : std::move(grad);
  }

  void seed(const Edge& root, Tensor grad) {
    roots_.push_back(root.function);
    accumulate(root, std::move(grad));
  }

  void run(std::vector<Tensor>* captured) {
    std::priority_queue<Node*, std::vector<Node*>, NodeOrder> ready;
    std::unordered_set<Node*> queued;
    for (const auto& r : roots_) {
      if (dependencies_[r.get()] == 0 && queued.insert(r.get()).second) ready.push(r.get());
    }
    GradMode::set_enabled(create_graph_);
    while (!ready.empty()) {
      Node* node = ready.top();
      ready.pop();
      variable_list inputs = std::move(buffers_[node]);
      buffers_.erase(node);
      inputs.resize(node->num_outputs());
      for (const auto& hook : node->pre_hooks()) inputs = hook(std::move(inputs));
      for (const Capture& c : captures_) {
        if (c.node == node && captured) (*captured)[c.slot] = inputs.at(c.input_nr);
      }
      const bool execute = !restricted_ || needed_.count(node);
      variable_list outputs;
      if (execute &&
          std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.defined(); })) {
        // Missing gradients of a multi-output node are zeros.
        for (size_t i = 0; i < inputs.size(); ++i) {
          if (!inputs[i].defined() && inputs.size() > 1) {
            const OutputMetadata& m = node->output_metadata(i);
            inputs[i] = zeros(m.sizes, TensorOptions().dtype(m.dtype).device(m.device));
          }
        }
        outputs = node->apply(std::move(inputs));
        if (!keep_graph_) node->release_variables();
        EMBER_CHECK(outputs.empty() || outputs.size() == node->next_edges().size(), Autograd,
                    "backward: {} returned {} gradients for {} inputs", node->name(),
                    outputs.size(), node->next_edges().size());
      }
      const auto& edges = node->next_edges();
      for (size_t i = 0; i < edges.size(); ++i) {
        const Edge& e = edges[i];
        if (!e.is_valid()) continue;
        if (i < outputs.size() && outputs[i].defined()) accumulate(e, std::move(outputs[i]));
        if (--dependencies_[e.function.get()] == 0 && queued.insert(e.function.get()).second) {
          ready.push(e.function.get());
        }
      }
    }
  }

 private:
  bool keep_graph_;
  bool create_graph_;
  bool restricted_ = false;
  std::unordered_set<Node*> seen_;
  std::unordered_map<Node*, int> dependencies_;
  std::unordered_map<Node*, variable_list> buffers_;
  std::unordered_set<Node*> needed_;
  std::vector<Capture> captures_;
  std::vector<std::shared_ptr<Node>> roots_;
};

// Restores the caller's grad mode when the engine returns or throws.
class GradModeRestorer {
 public:
  GradModeRestorer() : prev_(GradMode::is_enabled()) {}
  ~GradModeRestorer() { GradMode::set_enabled(prev_); }

 private:
  bool prev_;
};

// Seeds one root: its given gradient, or 1 for a one-element output.
Tensor seed_gradient(const Tensor& output, const Tensor& given, const char* op) {
  if (given.defined()) {
    EMBER_CHECK(given.sizes() == output.sizes(), Shape,
                "{}: grad has shape {} but the output has shape {}; they must match", op,
                given.shape_str(), output.shape_str());
    return given;
  }
  EMBER_CHECK(output.numel() == 1, Autograd,
              "{}: grad can be implicitly created only for scalar outputs, but the output has "
              "shape {}; pass a gradient of that shape",
              op, output.shape_str());
  return ones_like(output);
}

std::vector<Edge> root_edges(const std::vector<Tensor>& outputs, const char* op) {
  std::vector<Edge> edges;
  for (size_t i = 0; i < outputs.size(); ++i) {
    EMBER_CHECK(outputs[i].defined(), Value, "{}: output {} is undefined", op, i);
    Edge e = gradient_edge(outputs[i]);
    EMBER_CHECK(e.is_valid(), Autograd,
                "{}: element {} of tensors does not require grad and does not have a grad_fn "
                "(was it computed under NoGradGuard, or from tensors that do not require grad?)",
                op, i);
    edges.push_back(std::move(e));
  }
  return edges;
}

}  // namespace

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph,
              const std::vector<Tensor>& inputs) {
  EMBER_CHECK(grad_tensors.empty() || grad_tensors.size() == tensors.size(), Value,
              "backward: got {} tensors and {} gradients", tensors.size(), grad_tensors.size());
  GradModeRestorer restore;
  std::vector<Edge> roots = root_edges(tensors, "backward");
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  task.discover(roots);
  if (!inputs.empty()) {
    std::unordered_set<Node*> targets;
    for (const Tensor& in : inputs) {
      Edge e = gradient_edge(in);
      EMBER_CHECK(e.is_valid(), Autograd, "backward: an element of inputs does not require grad");
      targets.insert(e.function.get());
    }
    task.restrict_to(targets, /*run_targets=*/true);
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    task.seed(roots[i], seed_gradient(tensors[i], grad_tensors.empty() ? Tensor() : grad_tensors[i],
                                      "backward"));
  }
  task.run(nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph,
                         bool create_graph, bool allow_unused) {
  EMBER_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), Value,
              "autograd::grad: got {} outputs and {} grad_outputs", outputs.size(),
              grad_outputs.size());
  GradModeRestorer restore;
  std::vector<Edge> roots = root_edges(outputs, "autograd::grad");
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  task.discover(roots);
  std::unordered_set<Node*> targets;
  std::vector<Edge> input_edges;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Edge e = gradient_edge(inputs[i]);
    EMBER_CHECK(e.is_valid(), Autograd,
                "autograd::grad: input {} does not require grad; call requires_grad_() on it "
                "before computing the outputs",
                i);
    targets.insert(e.function.get());
    task.add_capture(Capture{e.function.get(), e.input_nr, i});
    input_edges.push_back(std::move(e));
  }
  task.restrict_to(targets, /*run_targets=*/false);
  for (size_t i = 0; i < outputs.size(); ++i) {
    task.seed(roots[i], seed_gradient(outputs[i], grad_outputs.empty() ? Tensor() : grad_outputs[i],
                                      "autograd::grad"));
  }
  std::vector<Tensor> result(inputs.size());
  task.run(&result);
  for (size_t i = 0; i < result.size(); ++i) {
    EMBER_CHECK(result[i].defined() || allow_unused, Autograd,
                "autograd::grad: input {} was not used to compute the outputs; pass "
                "allow_unused=true to get an undefined gradient for it",
                i);
  }
  return result;
}

}  // namespace ember::autograd
