// ReduceLROnPlateau: PyTorch 1.13's step, is_better and _reduce_lr, and its state dict.
#include "ember/optim/reduce_lr_on_plateau.h"

#include <algorithm>
#include <limits>

#include "ember/core/check.h"
#include "ember/optim/scheduler_state.h"

namespace ember::optim {
namespace {

double worst_value(PlateauMode mode) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  return mode == PlateauMode::min ? inf : -inf;
}

}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options), best_(worst_value(options.mode())) {
  EMBER_CHECK(options.factor() < 1.0, Value, "ReduceLROnPlateau: invalid factor {} (must be < 1.0)",
              options.factor());
  const size_t groups = optimizer.param_groups().size();
  const std::vector<double>& min_lr = options.min_lr();
  if (min_lr.size() == 1) {
    min_lrs_.assign(groups, min_lr[0]);
  } else {
    EMBER_CHECK(min_lr.size() == groups, Value,
                "ReduceLROnPlateau: expected {} min_lr values (one per parameter group) or one, "
                "got {}",
                groups, min_lr.size());
    min_lrs_ = min_lr;
  }
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double threshold = options_.threshold();
  if (options_.mode() == PlateauMode::min) {
    if (options_.threshold_mode() == ThresholdMode::rel) return a < best * (1. - threshold);
    return a < best - threshold;
  }
  if (options_.threshold_mode() == ThresholdMode::rel) return a > best * (threshold + 1.);
  return a > best + threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    reduce_lr();
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const OptimizerParamGroup& g : optimizer_.param_groups()) {
    last_lr_.push_back(g.options().get_lr());
  }
}

void ReduceLROnPlateau::reduce_lr() {
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size() && i < min_lrs_.size(); ++i) {
    const double old_lr = groups[i].options().get_lr();
    const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[i]);
    if (old_lr - new_lr > options_.eps()) groups[i].options().set_lr(new_lr);
  }
}

std::vector<double> ReduceLROnPlateau::get_last_lr() const {
  if (!last_lr_.empty()) return last_lr_;
  std::vector<double> lrs;
  for (const OptimizerParamGroup& g : optimizer_.param_groups())
    lrs.push_back(g.options().get_lr());
  return lrs;
}

SchedulerStateDict ReduceLROnPlateau::state_dict() const {
  SchedulerStateDict s;
  s["mode"] = {options_.mode() == PlateauMode::max ? 1.0 : 0.0};
  s["factor"] = {options_.factor()};
  s["patience"] = {static_cast<double>(options_.patience())};
  s["threshold"] = {options_.threshold()};
  s["threshold_mode"] = {options_.threshold_mode() == ThresholdMode::abs ? 1.0 : 0.0};
  s["cooldown"] = {static_cast<double>(options_.cooldown())};
  s["min_lrs"] = min_lrs_;
  s["eps"] = {options_.eps()};
  s["best"] = {best_};
  s["num_bad_epochs"] = {static_cast<double>(num_bad_epochs_)};
  s["cooldown_counter"] = {static_cast<double>(cooldown_counter_)};
  s["last_epoch"] = {static_cast<double>(last_epoch_)};
  s["last_lr"] = last_lr_;
  return s;
}

void ReduceLROnPlateau::load_state_dict(const SchedulerStateDict& s) {
  const std::string_view n = name();
  detail::check_scheduler_keys(n, s, state_dict());
  const size_t groups = optimizer_.param_groups().size();
  ReduceLROnPlateauOptions options = options_;
  options.mode(detail::scheduler_number(n, s, "mode") != 0 ? PlateauMode::max : PlateauMode::min);
  options.factor(detail::scheduler_number(n, s, "factor"));
  options.patience(detail::scheduler_integer(n, s, "patience"));
  options.threshold(detail::scheduler_number(n, s, "threshold"));
  options.threshold_mode(detail::scheduler_number(n, s, "threshold_mode") != 0
                             ? ThresholdMode::abs
                             : ThresholdMode::rel);
  options.cooldown(detail::scheduler_integer(n, s, "cooldown"));
  options.eps(detail::scheduler_number(n, s, "eps"));
  std::vector<double> min_lrs = detail::scheduler_list(n, s, "min_lrs", groups);
  const std::vector<double>& last_lr = s.at("last_lr");
  EMBER_CHECK(last_lr.empty() || last_lr.size() == groups, Value,
              "ReduceLROnPlateau: load_state_dict: last_lr holds {} values but the optimizer has "
              "{} parameter groups",
              last_lr.size(), groups);
  options.min_lr(min_lrs);
  options_ = options;
  min_lrs_ = std::move(min_lrs);
  best_ = detail::scheduler_number(n, s, "best");
  num_bad_epochs_ = detail::scheduler_integer(n, s, "num_bad_epochs");
  cooldown_counter_ = detail::scheduler_integer(n, s, "cooldown_counter");
  last_epoch_ = detail::scheduler_integer(n, s, "last_epoch");
  last_lr_ = last_lr;
}

}  // namespace ember::optim
