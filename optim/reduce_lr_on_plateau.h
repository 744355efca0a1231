// ReduceLROnPlateau: lowers the lrs by a factor when a metric has stopped improving for
// `patience` steps, PyTorch 1.13's torch.optim.lr_scheduler.ReduceLROnPlateau.
//   ember::optim::ReduceLROnPlateau scheduler(optimizer,
//       ember::optim::ReduceLROnPlateauOptions().mode(ember::optim::PlateauMode::max).patience(3));
//   for (epoch ...) { train(...); scheduler.step(validation_accuracy); }
#pragma once

#include <cstdint>
#include <vector>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim {

// min: the metric should decrease (a loss); max: increase (an accuracy).
enum class PlateauMode { min, max };
// rel: improving means beating best by a fraction threshold of it; abs: by threshold itself.
enum class ThresholdMode { rel, abs };

class EMBER_API ReduceLROnPlateauOptions {
  EMBER_OPTIM_ARG(PlateauMode, mode) = PlateauMode::min;
  // new lr = lr * factor (< 1).
  EMBER_OPTIM_ARG(double, factor) = 0.1;
  // Steps without improvement tolerated before lowering the lrs.
  EMBER_OPTIM_ARG(int64_t, patience) = 10;
  EMBER_OPTIM_ARG(double, threshold) = 1e-4;
  EMBER_OPTIM_ARG(ThresholdMode, threshold_mode) = ThresholdMode::rel;
  // Steps to wait after a reduction before counting bad steps again.
  EMBER_OPTIM_ARG(int64_t, cooldown) = 0;
  // Lower bound of each group's lr: one value for all groups, or one per group.
  EMBER_OPTIM_ARG(std::vector<double>, min_lr) = {0.0};
  // A reduction smaller than eps is skipped.
  EMBER_OPTIM_ARG(double, eps) = 1e-8;

 public:
  auto& min_lr(double value) {
    min_lr_ = {value};
    return *this;
  }
};

class EMBER_API ReduceLROnPlateau : public Scheduler {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});

  // Takes the step's metric (a loss or an accuracy) and lowers the lrs if it has plateaued.
  void step(double metric);
  std::string_view name() const override { return "ReduceLROnPlateau"; }
  // The groups' lrs after the last step (their current lrs before any step).
  std::vector<double> get_last_lr() const override;
  SchedulerStateDict state_dict() const override;
  void load_state_dict(const SchedulerStateDict& state_dict) override;

  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }

 private:
  bool is_better(double a, double best) const;
  void reduce_lr();

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace ember::optim
