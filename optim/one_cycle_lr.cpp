// OneCycleLR: PyTorch 1.13's phases, annealing functions and momentum cycling, with the per-group
// initial, peak and final lrs and momenta kept (and saved) by the scheduler.
#include "ember/optim/one_cycle_lr.h"

#include <cmath>
#include <numbers>

#include "ember/core/check.h"
#include "ember/optim/scheduler_state.h"

namespace ember::optim {

OneCycleLROptions::OneCycleLROptions(double max_lr) : max_lr_({max_lr}) {}
OneCycleLROptions::OneCycleLROptions(std::vector<double> max_lrs) : max_lr_(std::move(max_lrs)) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& o)
    : LRScheduler(optimizer),
      pct_start_(o.pct_start()),
      three_phase_(o.three_phase()),
      anneal_strategy_(o.anneal_strategy()),
      cycle_momentum_(o.cycle_momentum()) {
  if (o.total_steps() != 0) {
    EMBER_CHECK(o.total_steps() > 0, Value, "OneCycleLR: expected a positive total_steps, got {}",
                o.total_steps());
    total_steps_ = o.total_steps();
  } else {
    EMBER_CHECK(o.epochs() != 0 || o.steps_per_epoch() != 0, Value,
                "OneCycleLR: set total_steps, or epochs and steps_per_epoch");
    EMBER_CHECK(o.epochs() > 0, Value, "OneCycleLR: expected a positive epochs, got {}",
                o.epochs());
    EMBER_CHECK(o.steps_per_epoch() > 0, Value,
                "OneCycleLR: expected a positive steps_per_epoch, got {}", o.steps_per_epoch());
    total_steps_ = o.epochs() * o.steps_per_epoch();
  }
  EMBER_CHECK(o.pct_start() >= 0 && o.pct_start() <= 1, Value,
              "OneCycleLR: expected pct_start between 0 and 1, got {}", o.pct_start());
  build_phases();

  std::vector<OptimizerParamGroup>& groups = optimizer.param_groups();
  const std::vector<double>& max_lrs = o.max_lr();
  EMBER_CHECK(max_lrs.size() == 1 || max_lrs.size() == groups.size(), Value,
              "OneCycleLR: expected {} values for max_lr (one per parameter group) or one, got {}",
              groups.size(), max_lrs.size());
  if (cycle_momentum_) {
    const OptionValues values = optimizer.defaults().values();
    EMBER_CHECK(values.count("momentum") || values.count("beta1"), Value,
                "OneCycleLR: {} has no momentum to cycle; pass cycle_momentum(false)",
                optimizer.name());
    use_beta1_ = values.count("beta1") != 0;
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    GroupValues g{};
    g.value[kMaxLr] = max_lrs.size() == 1 ? max_lrs[0] : max_lrs[i];
    g.value[kInitialLr] = g.value[kMaxLr] / o.div_factor();
    g.value[kMinLr] = g.value[kInitialLr] / o.final_div_factor();
    g.value[kMaxMomentum] = o.max_momentum();
    g.value[kBaseMomentum] = o.base_momentum();
    if (cycle_momentum_) groups[i].options().set_values({{momentum_option(), o.max_momentum()}});
    groups_.push_back(g);
    base_lrs_[i] = g.value[kInitialLr];
  }
  initial_step();
}

void OneCycleLR::build_phases() {
  const double total = static_cast<double>(total_steps_);
  if (three_phase_) {
    phases_ = {
        {pct_start_ * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
        {2 * pct_start_ * total - 2, kMaxLr, kInitialLr, kBaseMomentum, kMaxMomentum},
        {total - 1, kInitialLr, kMinLr, kMaxMomentum, kMaxMomentum},
    };
  } else {
    phases_ = {
        {pct_start_ * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
        {total - 1, kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum},
    };
  }
}

const char* OneCycleLR::momentum_option() const {
  return use_beta1_ ? "beta1" : "momentum";
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (anneal_strategy_ == AnnealStrategy::cos) {
    const double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  EMBER_CHECK(step_num <= total_steps_, Value,
              "OneCycleLR: tried to step {} times; the specified number of total steps is {}",
              step_num + 1, total_steps_);
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  for (size_t g = 0; g < groups.size(); ++g) {
    const GroupValues& v = groups_.at(g);
    double start_step = 0;
    double lr = 0, momentum = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      const double end_step = phase.end_step;
      if (static_cast<double>(step_num) <= end_step || i == phases_.size() - 1) {
        const double pct = (static_cast<double>(step_num) - start_step) / (end_step - start_step);
        lr = anneal(v.value[phase.start_lr], v.value[phase.end_lr], pct);
        if (cycle_momentum_) {
          momentum = anneal(v.value[phase.start_momentum], v.value[phase.end_momentum], pct);
        }
        break;
      }
      start_step = phase.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) groups[g].options().set_values({{momentum_option(), momentum}});
  }
  return lrs;
}

void OneCycleLR::save_fields(SchedulerStateDict& s) const {
  s["total_steps"] = {static_cast<double>(total_steps_)};
  s["pct_start"] = {pct_start_};
  s["three_phase"] = {three_phase_ ? 1.0 : 0.0};
  s["anneal_strategy"] = {anneal_strategy_ == AnnealStrategy::linear ? 1.0 : 0.0};
  s["cycle_momentum"] = {cycle_momentum_ ? 1.0 : 0.0};
  s["use_beta1"] = {use_beta1_ ? 1.0 : 0.0};
  const char* names[5] = {"initial_lrs", "max_lrs", "min_lrs", "max_momentums", "base_momentums"};
  for (int k = 0; k < 5; ++k) {
    std::vector<double> values;
    for (const GroupValues& g : groups_) values.push_back(g.value[k]);
    s[names[k]] = values;
  }
}

void OneCycleLR::load_fields(const SchedulerStateDict& s) {
  const std::string_view n = name();
  const int64_t total_steps = detail::scheduler_integer(n, s, "total_steps");
  EMBER_CHECK(total_steps > 0, Value, "OneCycleLR: load_state_dict: invalid total_steps {}",
              total_steps);
  const size_t count = optimizer_.param_groups().size();
  const char* names[5] = {"initial_lrs", "max_lrs", "min_lrs", "max_momentums", "base_momentums"};
  std::vector<GroupValues> groups(count);
  for (int k = 0; k < 5; ++k) {
    const std::vector<double> values = detail::scheduler_list(n, s, names[k], count);
    for (size_t g = 0; g < count; ++g) groups[g].value[k] = values[g];
  }
  total_steps_ = total_steps;
  pct_start_ = detail::scheduler_number(n, s, "pct_start");
  three_phase_ = detail::scheduler_number(n, s, "three_phase") != 0;
  anneal_strategy_ = detail::scheduler_number(n, s, "anneal_strategy") != 0 ? AnnealStrategy::linear
                                                                            : AnnealStrategy::cos;
  cycle_momentum_ = detail::scheduler_number(n, s, "cycle_momentum") != 0;
  use_beta1_ = detail::scheduler_number(n, s, "use_beta1") != 0;
  groups_ = std::move(groups);
  build_phases();
}

}  // namespace ember::optim
