// Optimizer: the base of Ember's optimizers, shaped like libtorch's torch::optim::Optimizer.
// Parameters live in groups, each with its own options (a copy of the optimizer's defaults unless
// given); per-parameter state is created lazily, on the parameter's device, at its first update;
// step() updates every parameter that has a gradient, under NoGradGuard; state_dict() gives the
// options and state in a form that optim/serialize.h saves to disk and load_state_dict() restores.
//
//   ember::optim::SGD opt(model->parameters(), ember::optim::SGDOptions(0.01).momentum(0.5));
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ember/core/tensor.h"

// Declares an option (or a field of a parameter's state) with a chained setter and getters, like
// libtorch's TORCH_ARG: `SGDOptions(0.1).momentum(0.9)`, `options.momentum()`. Leaves the class
// in a private section, so write `public:` after a run of these.
#define EMBER_OPTIM_ARG(T, name)                 \
 public:                                         \
  auto& name(const T& new_##name) { /* NOLINT */ \
    this->name##_ = new_##name;                  \
    return *this;                                \
  }                                              \
  const T& name() const noexcept { /* NOLINT */  \
    return this->name##_;                        \
  }                                              \
  T& name() noexcept { /* NOLINT */              \
    return this->name##_;                        \
  }                                              \
                                                 \
 private:                                        \
  T name##_ /* NOLINT */

namespace ember::optim {

// Options of a group by name, as numbers (booleans as 0 or 1; Adam's betas as beta1 and beta2).
using OptionValues = std::map<std::string, double>;

// Walks the named fields of an options object (for state dicts and schedulers).
class EMBER_API OptionVisitor {
 public:
  virtual ~OptionVisitor() = default;
  virtual void visit(std::string_view name, double& value) = 0;
  virtual void visit(std::string_view name, bool& value) = 0;
};

// The options of one group (lr, momentum, ...). Each optimizer has its own subclass (SGDOptions,
// AdamOptions, ...) with chained setters.
class EMBER_API OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  // The optimizer these options are for ("SGD", "Adam", ...).
  virtual std::string_view optimizer_name() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  // Throws ValueError naming the optimizer, the option and its value when one is out of range.
  virtual void validate() const = 0;
  // Calls v on every option, by its name in state dicts.
  virtual void visit_fields(OptionVisitor& v) = 0;

  // Every option by name (what a state dict holds for a group).
  OptionValues values() const;
  // Sets the named options (the others keep their values), then validates; a name these
  // options do not have throws ValueError.
  void set_values(const OptionValues& values);
  // Whether the options have a field of this name ("momentum", "beta1", ...).
  bool has_value(std::string_view name) const;
};

// Walks the named fields of a parameter's state (for state dicts).
class EMBER_API StateVisitor {
 public:
  virtual ~StateVisitor() = default;
  virtual void visit(std::string_view name, int64_t& value) = 0;
  virtual void visit(std::string_view name, Tensor& value) = 0;
};

// The state an optimizer keeps for one parameter (step count, moment buffers, ...). Each
// optimizer has its own subclass (AdamParamState, ...).
class EMBER_API OptimizerParamState {
 public:
  virtual ~OptimizerParamState() = default;
  // Calls v on every field; undefined tensors are buffers not created yet.
  virtual void visit_fields(StateVisitor& v) = 0;
};

// A list of parameters updated with the same options. Without options, the group takes a copy
// of the optimizer's defaults when it is added.
class EMBER_API OptimizerParamGroup {
 public:
  OptimizerParamGroup(std::vector<Tensor> params);  // NOLINT: implicit, like libtorch
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options);
  OptimizerParamGroup(std::vector<Tensor> params, const OptimizerOptions& options);
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) noexcept = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) noexcept = default;
  ~OptimizerParamGroup();

  bool has_options() const { return options_ != nullptr; }
  // The group's options; cast to the optimizer's own type to reach its fields:
  //   static_cast<SGDOptions&>(opt.param_groups()[0].options()).momentum(0.9);
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options);
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

// A group as saved: its options and the indices of its parameters (counted across groups in
// order, as in PyTorch's optimizer state_dict).
struct OptimizerParamGroupState {
  OptionValues options;
  std::vector<int64_t> params;
};

// The serialisable form of an optimizer: per-group options and, by parameter index, the named
// state of each parameter that has one ("step" as a 0-dim int64 tensor, then its buffers).
struct OptimizerStateDict {
  std::string optimizer;  // "SGD", "Adam", ...
  std::vector<OptimizerParamGroupState> param_groups;
  std::map<int64_t, std::map<std::string, Tensor>> state;
};

// A closure that re-evaluates the model and returns the loss (run by step() with grad enabled).
using LossClosure = std::function<Tensor()>;

class EMBER_API Optimizer {
 public:
  using ParamStateMap = std::unordered_map<const TensorImpl*, std::unique_ptr<OptimizerParamState>>;

  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // The optimizer's name ("SGD", "Adam", ...), as saved in state dicts.
  std::string_view name() const { return defaults_->optimizer_name(); }

  // Adds a group of parameters (leaf tensors of a floating dtype, in no other group). Its options
  // are a copy of defaults() unless the group has its own, which must be of this optimizer's type.
  void add_param_group(const OptimizerParamGroup& param_group);

  // Clears the gradients of every parameter: set_to_none resets them to undefined tensors (the
  // next backward allocates fresh ones), otherwise they are detached and filled with zeros.
  void zero_grad(bool set_to_none = true);

  // One update of every parameter that has a gradient (the others are skipped). A closure is
  // called first, with grad mode on, and its loss returned; without one, returns an undefined
  // tensor.
  virtual Tensor step(const LossClosure& closure = nullptr);

  std::vector<OptimizerParamGroup>& param_groups() noexcept { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return param_groups_; }
  OptimizerOptions& defaults() noexcept { return *defaults_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  // Every parameter of every group, in order.
  std::vector<Tensor> parameters() const;
  // How many parameters the groups hold.
  size_t size() const;

  // Per-parameter state, keyed by the parameter's TensorImpl (like libtorch's state()).
  ParamStateMap& state() noexcept { return state_; }
  const ParamStateMap& state() const noexcept { return state_; }

  // Options of every group and the state of every parameter that has one.
  OptimizerStateDict state_dict() const;
  // Restores a state dict of an optimizer of the same type whose groups hold as many parameters
  // as these: group options are replaced, state tensors are copied onto each parameter's device
  // (floating ones converted to its dtype) after their shapes are checked. Parameters without
  // saved state start afresh.
  void load_state_dict(const OptimizerStateDict& state_dict);

 protected:
  Optimizer(std::vector<OptimizerParamGroup> param_groups,
            std::unique_ptr<OptimizerOptions> defaults);

  // Updates the parameters of one group that have a gradient; grad mode is off.
  virtual void step_group(OptimizerParamGroup& group) = 0;
  // A new, empty state of this optimizer's kind.
  virtual std::unique_ptr<OptimizerParamState> make_param_state() const = 0;

  // The parameters of a group that have a gradient, after checking each gradient's shape,
  // dtype and device against its parameter's.
  std::vector<Tensor> params_with_grad(const OptimizerParamGroup& group) const;

  // The state of p, made by make_param_state() at first use.
  OptimizerParamState& param_state(const Tensor& p);
  template <typename State>
  State& param_state_as(const Tensor& p) {
    return static_cast<State&>(param_state(p));
  }

 private:
  std::vector<OptimizerParamGroup> param_groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  ParamStateMap state_;
};

}  // namespace ember::optim
