// The epoch schedulers: the base's step and state dict, and the recursive rules of StepLR,
// MultiStepLR, ExponentialLR and CosineAnnealingLR, written with the same operations in the same
// order as PyTorch 1.13's Python so the lrs agree to the last bit.
#include "ember/optim/lr_scheduler.h"

#include <cmath>
#include <numbers>
#include <set>

#include "ember/core/check.h"
#include "ember/optim/scheduler_state.h"

namespace ember::optim {
namespace {

// Python's a % b for integers (the result takes the sign of b).
int64_t floor_mod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

}  // namespace

// ---- LRScheduler ----
LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  base_lrs_ = group_lrs();
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  EMBER_CHECK(base_lrs_.size() == groups.size(), Value,
              "{}: step: the optimizer has {} parameter groups, the scheduler was built for {}; "
              "make the scheduler after adding every group",
              name(), groups.size(), base_lrs_.size());
  ++step_count_;
  ++last_epoch_;
  const std::vector<double> lrs = get_lr();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const OptimizerParamGroup& g : optimizer_.param_groups())
    lrs.push_back(g.options().get_lr());
  return lrs;
}

SchedulerStateDict LRScheduler::state_dict() const {
  SchedulerStateDict s;
  s["last_epoch"] = {static_cast<double>(last_epoch_)};
  s["step_count"] = {static_cast<double>(step_count_)};
  s["base_lrs"] = base_lrs_;
  s["last_lr"] = last_lr_;
  save_fields(s);
  return s;
}

void LRScheduler::load_state_dict(const SchedulerStateDict& state_dict) {
  detail::check_scheduler_keys(name(), state_dict, this->state_dict());
  const size_t groups = optimizer_.param_groups().size();
  std::vector<double> base_lrs = detail::scheduler_list(name(), state_dict, "base_lrs", groups);
  std::vector<double> last_lr = detail::scheduler_list(name(), state_dict, "last_lr", groups);
  const int64_t last_epoch = detail::scheduler_integer(name(), state_dict, "last_epoch");
  const int64_t step_count = detail::scheduler_integer(name(), state_dict, "step_count");
  load_fields(state_dict);
  base_lrs_ = std::move(base_lrs);
  last_lr_ = std::move(last_lr);
  last_epoch_ = last_epoch;
  step_count_ = step_count;
}

void LRScheduler::save_fields(SchedulerStateDict&) const {}
void LRScheduler::load_fields(const SchedulerStateDict&) {}

// ---- StepLR ----
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, Value, "StepLR: invalid step_size {} (must be > 0)", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || floor_mod(last_epoch_, step_size_) != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

void StepLR::save_fields(SchedulerStateDict& s) const {
  s["step_size"] = {static_cast<double>(step_size_)};
  s["gamma"] = {gamma_};
}

void StepLR::load_fields(const SchedulerStateDict& s) {
  const int64_t step_size = detail::scheduler_integer(name(), s, "step_size");
  EMBER_CHECK(step_size > 0, Value, "StepLR: load_state_dict: invalid step_size {} (must be > 0)",
              step_size);
  step_size_ = step_size;
  gamma_ = detail::scheduler_number(name(), s, "gamma");
}

// ---- MultiStepLR ----
MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  for (int64_t m : milestones) ++milestones_[m];
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  auto it = milestones_.find(last_epoch_);
  if (it == milestones_.end()) return lrs;
  const double factor = std::pow(gamma_, static_cast<double>(it->second));
  for (double& lr : lrs) lr = lr * factor;
  return lrs;
}

void MultiStepLR::save_fields(SchedulerStateDict& s) const {
  std::vector<double> milestones;
  for (const auto& [epoch, count] : milestones_) {
    for (int64_t k = 0; k < count; ++k) milestones.push_back(static_cast<double>(epoch));
  }
  s["milestones"] = milestones;
  s["gamma"] = {gamma_};
}

void MultiStepLR::load_fields(const SchedulerStateDict& s) {
  std::map<int64_t, int64_t> milestones;
  for (double m : s.at("milestones")) ++milestones[static_cast<int64_t>(m)];
  gamma_ = detail::scheduler_number(name(), s, "gamma");
  milestones_ = std::move(milestones);
}

// ---- ExponentialLR ----
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

void ExponentialLR::save_fields(SchedulerStateDict& s) const {
  s["gamma"] = {gamma_};
}

void ExponentialLR::load_fields(const SchedulerStateDict& s) {
  gamma_ = detail::scheduler_number(name(), s, "gamma");
}

// ---- CosineAnnealingLR ----
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, Value, "CosineAnnealingLR: invalid T_max {} (must be > 0)", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  const double T_max = static_cast<double>(T_max_);
  const double epoch = static_cast<double>(last_epoch_);
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) {
    for (size_t i = 0; i < lrs.size(); ++i) {
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(epoch * pi / T_max)) / 2;
    }
    return lrs;
  }
  if (floor_mod(last_epoch_ - 1 - T_max_, 2 * T_max_) == 0) {
    for (size_t i = 0; i < lrs.size(); ++i) {
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / T_max)) / 2;
    }
    return lrs;
  }
  for (double& lr : lrs) {
    lr = (1 + std::cos(pi * epoch / T_max)) / (1 + std::cos(pi * (epoch - 1) / T_max)) *
             (lr - eta_min_) +
         eta_min_;
  }
  return lrs;
}

void CosineAnnealingLR::save_fields(SchedulerStateDict& s) const {
  s["T_max"] = {static_cast<double>(T_max_)};
  s["eta_min"] = {eta_min_};
}

void CosineAnnealingLR::load_fields(const SchedulerStateDict& s) {
  const int64_t T_max = detail::scheduler_integer(name(), s, "T_max");
  EMBER_CHECK(T_max > 0, Value, "CosineAnnealingLR: load_state_dict: invalid T_max {}", T_max);
  T_max_ = T_max;
  eta_min_ = detail::scheduler_number(name(), s, "eta_min");
}

}  // namespace ember::optim
