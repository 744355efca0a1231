// OneCycleLR: the 1cycle policy (warm up from max_lr / div_factor to max_lr, then anneal to
// max_lr / div_factor / final_div_factor), stepped once per batch, with momentum (SGD's and
// RMSprop's momentum, Adam's and AdamW's beta1) cycled inversely: PyTorch 1.13's
// torch.optim.lr_scheduler.OneCycleLR.
//   ember::optim::OneCycleLR scheduler(optimizer,
//       ember::optim::OneCycleLROptions(0.1).epochs(10).steps_per_epoch(len(loader)));
#pragma once

#include <cstdint>
#include <vector>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim {

enum class AnnealStrategy { cos, linear };

class EMBER_API OneCycleLROptions {
 public:
  // The peak lr: one for all groups, or one per group.
  OneCycleLROptions(double max_lr);  // NOLINT: implicit
  explicit OneCycleLROptions(std::vector<double> max_lrs);
  EMBER_OPTIM_ARG(std::vector<double>, max_lr);
  // Steps in the cycle; when 0, epochs * steps_per_epoch.
  EMBER_OPTIM_ARG(int64_t, total_steps) = 0;
  EMBER_OPTIM_ARG(int64_t, epochs) = 0;
  EMBER_OPTIM_ARG(int64_t, steps_per_epoch) = 0;
  // Fraction of the cycle spent increasing the lr.
  EMBER_OPTIM_ARG(double, pct_start) = 0.3;
  EMBER_OPTIM_ARG(AnnealStrategy, anneal_strategy) = AnnealStrategy::cos;
  EMBER_OPTIM_ARG(bool, cycle_momentum) = true;
  EMBER_OPTIM_ARG(double, base_momentum) = 0.85;
  EMBER_OPTIM_ARG(double, max_momentum) = 0.95;
  // initial lr = max_lr / div_factor; final lr = initial lr / final_div_factor.
  EMBER_OPTIM_ARG(double, div_factor) = 25.0;
  EMBER_OPTIM_ARG(double, final_div_factor) = 1e4;
  // A third phase: back to the initial lr, then down to the final one (fast.ai's schedule).
  EMBER_OPTIM_ARG(bool, three_phase) = false;
};

class EMBER_API OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  std::string_view name() const override { return "OneCycleLR"; }
  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;
  void save_fields(SchedulerStateDict& state_dict) const override;
  void load_fields(const SchedulerStateDict& state_dict) override;

 private:
  // Which per-group value a phase starts or ends at.
  enum Anchor : int { kInitialLr, kMaxLr, kMinLr, kMaxMomentum, kBaseMomentum };
  struct Phase {
    double end_step;
    Anchor start_lr, end_lr, start_momentum, end_momentum;
  };
  struct GroupValues {
    double value[5];  // by Anchor
  };
  void build_phases();
  double anneal(double start, double end, double pct) const;
  // "momentum" or "beta1": the option cycled in each group.
  const char* momentum_option() const;

  int64_t total_steps_ = 0;
  double pct_start_ = 0.3;
  bool three_phase_ = false;
  AnnealStrategy anneal_strategy_ = AnnealStrategy::cos;
  bool cycle_momentum_ = true;
  bool use_beta1_ = false;
  std::vector<Phase> phases_;
  std::vector<GroupValues> groups_;
};

}  // namespace ember::optim
