// The optimizer base: parameter groups and their checks, zero_grad, step's closure and grad mode,
// lazily created per-parameter state, and the state dict (PyTorch's layout: parameters numbered
// across groups in order).
#include "ember/optim/optimizer.h"

#include <set>
#include <unordered_set>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/grad_mode.h"

namespace ember::optim {
namespace {

// Reads every option into a map.
class ValueReader final : public OptionVisitor {
 public:
  OptionValues values;
  void visit(std::string_view name, double& value) override { values[std::string(name)] = value; }
  void visit(std::string_view name, bool& value) override {
    values[std::string(name)] = value ? 1.0 : 0.0;
  }
};

// Writes the options named in a map, remembering which it found.
class ValueWriter final : public OptionVisitor {
 public:
  explicit ValueWriter(const OptionValues& values) : values_(values) {}
  std::set<std::string> used;
  void visit(std::string_view name, double& value) override {
    if (auto it = values_.find(std::string(name)); it != values_.end()) {
      value = it->second;
      used.insert(it->first);
    }
  }
  void visit(std::string_view name, bool& value) override {
    if (auto it = values_.find(std::string(name)); it != values_.end()) {
      value = it->second != 0.0;
      used.insert(it->first);
    }
  }

 private:
  const OptionValues& values_;
};

// Collects a parameter's state as named tensors (step counts as 0-dim int64 tensors).
class StateReader final : public StateVisitor {
 public:
  std::map<std::string, Tensor> tensors;
  void visit(std::string_view name, int64_t& value) override {
    tensors[std::string(name)] = scalar_tensor(value, TensorOptions().dtype(kInt64));
  }
  void visit(std::string_view name, Tensor& value) override {
    if (value.defined()) tensors[std::string(name)] = value;
  }
};

// Fills a fresh parameter state from saved tensors, checking them against the parameter.
class StateWriter final : public StateVisitor {
 public:
  StateWriter(const std::map<std::string, Tensor>& saved, const Tensor& param, int64_t index,
              std::string_view optimizer)
      : saved_(saved), param_(param), index_(index), optimizer_(optimizer) {}
  std::set<std::string> used;

  void visit(std::string_view name, int64_t& value) override {
    auto it = saved_.find(std::string(name));
    if (it == saved_.end()) return;
    const Tensor& t = it->second;
    EMBER_CHECK(t.defined() && t.numel() == 1, Value,
                "{}: load_state_dict: state.{}.{} must hold one number, got a tensor of shape {}",
                optimizer_, index_, name, t.defined() ? t.shape_str() : std::string("(undefined)"));
    value = t.is_floating_point() ? static_cast<int64_t>(t.item<double>()) : t.item<int64_t>();
    used.insert(it->first);
  }
  void visit(std::string_view name, Tensor& value) override {
    auto it = saved_.find(std::string(name));
    if (it == saved_.end()) return;
    const Tensor& t = it->second;
    EMBER_CHECK(t.defined(), Value, "{}: load_state_dict: state.{}.{} is an undefined tensor",
                optimizer_, index_, name);
    EMBER_CHECK(t.sizes() == param_.sizes(), Shape,
                "{}: load_state_dict: state.{}.{} has shape {} but its parameter has shape {}",
                optimizer_, index_, name, t.shape_str(), param_.shape_str());
    const DType dtype = t.is_floating_point() ? param_.dtype() : t.dtype();
    value = t.to(param_.device(), dtype, /*non_blocking=*/false, /*copy=*/true).contiguous();
    used.insert(it->first);
  }

 private:
  const std::map<std::string, Tensor>& saved_;
  const Tensor& param_;
  int64_t index_;
  std::string_view optimizer_;
};

std::string join_names(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

// ---- OptimizerOptions ----
OptionValues OptimizerOptions::values() const {
  ValueReader reader;
  // Visiting only reads through the references.
  const_cast<OptimizerOptions*>(this)->visit_fields(reader);
  return reader.values;
}

void OptimizerOptions::set_values(const OptionValues& values) {
  std::unique_ptr<OptimizerOptions> updated = clone();
  ValueWriter writer(values);
  updated->visit_fields(writer);
  std::set<std::string> unknown;
  for (const auto& [name, value] : values) {
    if (!writer.used.count(name)) unknown.insert(name);
  }
  EMBER_CHECK(unknown.empty(), Value, "{}: unknown option(s) {}; its options are {}",
              optimizer_name(), join_names(unknown), [&] {
                std::set<std::string> names;
                for (const auto& [n, v] : this->values()) names.insert(n);
                return join_names(names);
              }());
  updated->validate();
  visit_fields(writer);
}

bool OptimizerOptions::has_value(std::string_view name) const {
  return values().count(std::string(name)) != 0;
}

// ---- OptimizerParamGroup ----
OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params,
                                         std::unique_ptr<OptimizerOptions> options)
    : params_(std::move(params)), options_(std::move(options)) {}
OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params,
                                         const OptimizerOptions& options)
    : params_(std::move(params)), options_(options.clone()) {}
OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}
OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
  }
  return *this;
}
OptimizerParamGroup::~OptimizerParamGroup() = default;

OptimizerOptions& OptimizerParamGroup::options() {
  EMBER_CHECK(options_ != nullptr, Value,
              "OptimizerParamGroup: this group has no options yet (it takes the optimizer's "
              "defaults when added with add_param_group)");
  return *options_;
}
const OptimizerOptions& OptimizerParamGroup::options() const {
  return const_cast<OptimizerParamGroup*>(this)->options();
}
void OptimizerParamGroup::set_options(std::unique_ptr<OptimizerOptions> options) {
  options_ = std::move(options);
}

// ---- Optimizer ----
Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  defaults_->validate();
  size_t count = 0;
  for (const OptimizerParamGroup& g : param_groups) count += g.params().size();
  EMBER_CHECK(count > 0, Value,
              "{}: got an empty parameter list; pass the parameters to optimise "
              "(model->parameters())",
              name());
  for (const OptimizerParamGroup& g : param_groups) add_param_group(g);
}

Optimizer::~Optimizer() = default;

void Optimizer::add_param_group(const OptimizerParamGroup& param_group) {
  const size_t group_index = param_groups_.size();
  std::unique_ptr<OptimizerOptions> options;
  if (param_group.has_options()) {
    const OptimizerOptions& given = param_group.options();
    EMBER_CHECK(given.optimizer_name() == name(), Value,
                "{}: add_param_group: group {} has options of {}; give it {}Options", name(),
                group_index, given.optimizer_name(), name());
    given.validate();
    options = given.clone();
  } else {
    options = defaults_->clone();
  }
  std::unordered_set<const TensorImpl*> seen;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    for (const Tensor& p : param_groups_[g].params()) seen.insert(p.impl());
  }
  const std::vector<Tensor>& params = param_group.params();
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    EMBER_CHECK(p.defined(), Value, "{}: parameter {} of group {} is an undefined tensor", name(),
                i, group_index);
    EMBER_CHECK(p.is_floating_point(), DType,
                "{}: parameter {} of group {} has dtype {}; only floating tensors can be optimised",
                name(), i, group_index, dtype_name(p.dtype()));
    EMBER_CHECK(p.is_leaf(), Value,
                "{}: parameter {} of group {} is not a leaf tensor (it was computed by an op); "
                "optimise the leaf it came from, or detach() it and requires_grad_()",
                name(), i, group_index);
    EMBER_CHECK(seen.insert(p.impl()).second, Value,
                "{}: parameter {} of group {} appears in more than one parameter group (or twice "
                "in this one)",
                name(), i, group_index);
  }
  param_groups_.emplace_back(params, std::move(options));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (OptimizerParamGroup& group : param_groups_) {
    for (Tensor& p : group.params()) {
      Tensor& grad = p.mutable_grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        grad = Tensor();
      } else {
        if (grad.grad_fn()) {
          grad.detach_();
        } else {
          grad.requires_grad_(false);
        }
        grad.zero_();
      }
    }
  }
}

Tensor Optimizer::step(const LossClosure& closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard enable_grad;
    loss = closure();
  }
  NoGradGuard no_grad;
  for (OptimizerParamGroup& group : param_groups_) step_group(group);
  return loss;
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const OptimizerParamGroup& g : param_groups_) {
    out.insert(out.end(), g.params().begin(), g.params().end());
  }
  return out;
}

size_t Optimizer::size() const {
  size_t n = 0;
  for (const OptimizerParamGroup& g : param_groups_) n += g.params().size();
  return n;
}

std::vector<Tensor> Optimizer::params_with_grad(const OptimizerParamGroup& group) const {
  std::vector<Tensor> out;
  for (const Tensor& p : group.params()) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    EMBER_CHECK(g.sizes() == p.sizes(), Shape,
                "{}: step: a parameter of shape {} has a gradient of shape {}", name(),
                p.shape_str(), g.shape_str());
    EMBER_CHECK(g.device() == p.device(), Device,
                "{}: step: a parameter on {} has its gradient on {}", name(), p.device().str(),
                g.device().str());
    EMBER_CHECK(g.dtype() == p.dtype(), DType,
                "{}: step: a parameter of dtype {} has a gradient of dtype {}", name(),
                dtype_name(p.dtype()), dtype_name(g.dtype()));
    out.push_back(p);
  }
  return out;
}

OptimizerParamState& Optimizer::param_state(const Tensor& p) {
  std::unique_ptr<OptimizerParamState>& s = state_[p.impl()];
  if (!s) s = make_param_state();
  return *s;
}

OptimizerStateDict Optimizer::state_dict() const {
  OptimizerStateDict out;
  out.optimizer = std::string(name());
  int64_t index = 0;
  for (const OptimizerParamGroup& g : param_groups_) {
    OptimizerParamGroupState gs;
    gs.options = g.options().values();
    for (const Tensor& p : g.params()) {
      gs.params.push_back(index);
      if (auto it = state_.find(p.impl()); it != state_.end() && it->second) {
        StateReader reader;
        it->second->visit_fields(reader);
        out.state[index] = std::move(reader.tensors);
      }
      ++index;
    }
    out.param_groups.push_back(std::move(gs));
  }
  return out;
}

void Optimizer::load_state_dict(const OptimizerStateDict& state_dict) {
  EMBER_CHECK(state_dict.optimizer == name(), Value,
              "{}: load_state_dict: the state dict is of a {} optimizer", name(),
              state_dict.optimizer.empty() ? std::string("(unnamed)") : state_dict.optimizer);
  EMBER_CHECK(state_dict.param_groups.size() == param_groups_.size(), Value,
              "{}: load_state_dict: the state dict has {} parameter groups, the optimizer {}",
              name(), state_dict.param_groups.size(), param_groups_.size());

  // Check and build everything first, so a failed load changes nothing.
  std::vector<std::unique_ptr<OptimizerOptions>> new_options;
  std::map<int64_t, const Tensor*> params_by_index;
  int64_t index = 0;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const OptimizerParamGroupState& saved = state_dict.param_groups[g];
    const OptimizerParamGroup& group = param_groups_[g];
    EMBER_CHECK(saved.params.size() == group.params().size(), Value,
                "{}: load_state_dict: parameter group {} has {} parameters in the state dict but "
                "{} in the optimizer",
                name(), g, saved.params.size(), group.params().size());
    const OptionValues current = group.options().values();
    std::set<std::string> missing;
    for (const auto& [key, value] : current) {
      if (!saved.options.count(key)) missing.insert(key);
    }
    EMBER_CHECK(missing.empty(), Value,
                "{}: load_state_dict: parameter group {} lacks option(s) {}", name(), g,
                join_names(missing));
    std::unique_ptr<OptimizerOptions> options = group.options().clone();
    options->set_values(saved.options);
    new_options.push_back(std::move(options));
    for (size_t i = 0; i < saved.params.size(); ++i) {
      params_by_index[saved.params[i]] = &group.params()[i];
    }
    index += static_cast<int64_t>(saved.params.size());
  }

  ParamStateMap new_state;
  for (const auto& [saved_index, tensors] : state_dict.state) {
    auto it = params_by_index.find(saved_index);
    EMBER_CHECK(it != params_by_index.end(), Value,
                "{}: load_state_dict: state for parameter index {}, which no parameter group "
                "lists ({} parameters)",
                name(), saved_index, index);
    const Tensor& param = *it->second;
    std::unique_ptr<OptimizerParamState> state = make_param_state();
    StateWriter writer(tensors, param, saved_index, name());
    state->visit_fields(writer);
    std::set<std::string> unexpected;
    for (const auto& [key, t] : tensors) {
      if (!writer.used.count(key)) unexpected.insert(key);
    }
    EMBER_CHECK(unexpected.empty(), Value,
                "{}: load_state_dict: unexpected state key(s) {} for parameter {}", name(),
                join_names(unexpected), saved_index);
    new_state[param.impl()] = std::move(state);
  }

  for (size_t g = 0; g < param_groups_.size(); ++g) {
    param_groups_[g].set_options(std::move(new_options[g]));
  }
  state_ = std::move(new_state);
}

}  // namespace ember::optim
