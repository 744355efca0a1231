// Learning-rate schedulers that step once per epoch (or batch), with PyTorch 1.13's semantics
// (torch.optim.lr_scheduler): constructing one performs the first step (last_epoch becomes 0),
// each step() advances last_epoch and sets every group's lr by the scheduler's recursive
// ("chainable") rule, so changes made to the lrs by others carry on. Call it after
// optimizer.step(). StepLR, MultiStepLR, ExponentialLR and CosineAnnealingLR live here;
// OneCycleLR and ReduceLROnPlateau have their own headers.
//
//   ember::optim::StepLR scheduler(optimizer, /*step_size=*/30, /*gamma=*/0.1);
//   for (epoch ...) { train(...); scheduler.step(); }
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

// A scheduler's state: named lists of numbers (counters are held exactly as doubles).
using SchedulerStateDict = std::map<std::string, std::vector<double>>;

// What every scheduler offers for checkpoints (optim/serialize.h saves any of them).
class EMBER_API Scheduler {
 public:
  virtual ~Scheduler() = default;
  // The scheduler's name ("StepLR", ...), as saved with its state.
  virtual std::string_view name() const = 0;
  // Each group's lr as the scheduler last set it (at construction or the last step).
  virtual std::vector<double> get_last_lr() const = 0;
  virtual SchedulerStateDict state_dict() const = 0;
  // Restores a state dict of a scheduler of the same type over as many groups: counters, its
  // hyper-parameters and last lrs. The optimizer's lrs come from the optimizer's own state.
  virtual void load_state_dict(const SchedulerStateDict& state_dict) = 0;
};

// PyTorch's _LRScheduler: base_lrs (the groups' lrs at construction), last_epoch, step().
class EMBER_API LRScheduler : public Scheduler {
 public:
  // Advances last_epoch by one and sets each group's lr.
  void step();
  std::vector<double> get_last_lr() const override { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  SchedulerStateDict state_dict() const override;
  void load_state_dict(const SchedulerStateDict& state_dict) override;

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // The first step; every subclass's constructor ends with it (get_lr is virtual).
  void initial_step();
  // The groups' lrs at last_epoch_ (PyTorch's get_lr()).
  virtual std::vector<double> get_lr() = 0;
  // A subclass's own fields, saved beside the base's ones.
  virtual void save_fields(SchedulerStateDict& state_dict) const;
  virtual void load_fields(const SchedulerStateDict& state_dict);
  // The groups' current lrs.
  std::vector<double> group_lrs() const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

// lr *= gamma every step_size epochs.
class EMBER_API StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  std::string_view name() const override { return "StepLR"; }

 protected:
  std::vector<double> get_lr() override;
  void save_fields(SchedulerStateDict& state_dict) const override;
  void load_fields(const SchedulerStateDict& state_dict) override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma at each milestone epoch (a milestone listed k times multiplies by gamma^k).
class EMBER_API MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  std::string_view name() const override { return "MultiStepLR"; }

 protected:
  std::vector<double> get_lr() override;
  void save_fields(SchedulerStateDict& state_dict) const override;
  void load_fields(const SchedulerStateDict& state_dict) override;

 private:
  std::map<int64_t, int64_t> milestones_;  // epoch -> how many times it is listed
  double gamma_;
};

// lr *= gamma every epoch.
class EMBER_API ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  std::string_view name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> get_lr() override;
  void save_fields(SchedulerStateDict& state_dict) const override;
  void load_fields(const SchedulerStateDict& state_dict) override;

 private:
  double gamma_;
};

// Cosine annealing from each base lr down to eta_min over T_max epochs, then back up (period
// 2 * T_max), by PyTorch's recursive form.
class EMBER_API CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  std::string_view name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> get_lr() override;
  void save_fields(SchedulerStateDict& state_dict) const override;
  void load_fields(const SchedulerStateDict& state_dict) override;

 private:
  int64_t T_max_;
  double eta_min_;
};

}  // namespace ember::optim
