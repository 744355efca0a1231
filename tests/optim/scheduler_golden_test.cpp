// Learning-rate (and momentum) sequences of every scheduler against PyTorch 1.13's, written by
// tests/golden/make_optim_golden.py: within 1e-12 in double.
#include <functional>
#include <memory>

#include "optim_test_util.h"

namespace ember::testing {
namespace {

using namespace optim;

constexpr double kSchedulerTol = 1e-12;

// The optimizers of the script: two groups of placeholder parameters.
std::unique_ptr<Optimizer> sgd_two_groups() {
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{zeros({2}).requires_grad_()});
  groups.emplace_back(std::vector<Tensor>{zeros({3}).requires_grad_()},
                      SGDOptions(0.02).momentum(0.9));
  return std::make_unique<SGD>(groups, SGDOptions(0.1).momentum(0.9));
}
std::unique_ptr<Optimizer> adam_two_groups() {
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{zeros({2}).requires_grad_()});
  groups.emplace_back(std::vector<Tensor>{zeros({3}).requires_grad_()}, AdamOptions(0.002));
  return std::make_unique<Adam>(groups, AdamOptions(0.01));
}
std::unique_ptr<Optimizer> adagrad_two_groups() {
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{zeros({2}).requires_grad_()});
  groups.emplace_back(std::vector<Tensor>{zeros({3}).requires_grad_()}, AdagradOptions(0.05));
  return std::make_unique<Adagrad>(groups, AdagradOptions(0.1));
}

// Each group's momentum (or Adam's beta1), as the script records it.
std::vector<double> momenta(const Optimizer& opt) {
  std::vector<double> out;
  for (const OptimizerParamGroup& g : opt.param_groups()) {
    const OptionValues v = g.options().values();
    out.push_back(v.count("beta1") ? v.at("beta1") : v.count("momentum") ? v.at("momentum") : 0.0);
  }
  return out;
}

// Row `row` of a [steps + 1, groups] golden tensor.
std::vector<double> golden_row(const std::string& name, int64_t row) {
  return golden("scheduler_lrs.safetensors", name).select(0, row).to_vector<double>();
}

struct SchedulerCase {
  std::string name;
  std::function<std::unique_ptr<Optimizer>()> make_optimizer;
  std::function<std::unique_ptr<LRScheduler>(Optimizer&)> make_scheduler;
};

std::vector<SchedulerCase> scheduler_cases() {
  return {
      {"step_lr", sgd_two_groups, [](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); }},
      {"multi_step_lr", sgd_two_groups,
       [](Optimizer& o) {
         return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{2, 5, 5, 9}, 0.3);
       }},
      {"exponential_lr", sgd_two_groups,
       [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.9); }},
      {"cosine_annealing_lr", sgd_two_groups,
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 6, 0.001); }},
      {"cosine_annealing_lr_zero_min", sgd_two_groups,
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 10); }},
      {"one_cycle_lr_cos_sgd", sgd_two_groups,
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(
             o, OneCycleLROptions(std::vector<double>{0.5, 0.1}).total_steps(20));
       }},
      {"one_cycle_lr_linear_three_phase_adam", adam_two_groups,
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(o, OneCycleLROptions(0.01)
                                                    .epochs(4)
                                                    .steps_per_epoch(5)
                                                    .pct_start(0.25)
                                                    .anneal_strategy(AnnealStrategy::linear)
                                                    .div_factor(10.0)
                                                    .final_div_factor(100.0)
                                                    .three_phase(true)
                                                    .base_momentum(0.8)
                                                    .max_momentum(0.9));
       }},
      {"one_cycle_lr_no_momentum_adagrad", adagrad_two_groups,
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(
             o, OneCycleLROptions(0.3).total_steps(17).pct_start(0.4).cycle_momentum(false));
       }},
  };
}

TEST(SchedulerGolden, LearningRatesMatchPyTorch) {
  for (const SchedulerCase& c : scheduler_cases()) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<Optimizer> opt = c.make_optimizer();
    std::unique_ptr<LRScheduler> sched = c.make_scheduler(*opt);
    const Tensor& lrs = golden("scheduler_lrs.safetensors", c.name + ".lrs");
    const bool has_momentum = golden_file("scheduler_lrs.safetensors").count(c.name + ".momentum");
    for (int64_t step = 0; step < lrs.size(0); ++step) {
      if (step > 0) {
        opt->step();
        sched->step();
      }
      EXPECT_TRUE(all_close(sched->get_last_lr(), golden_row(c.name + ".lrs", step), kSchedulerTol))
          << "step " << step;
      std::vector<double> group_lrs;
      for (const auto& g : opt->param_groups()) group_lrs.push_back(g.options().get_lr());
      EXPECT_EQ(group_lrs, sched->get_last_lr());
      if (has_momentum) {
        EXPECT_TRUE(all_close(momenta(*opt), golden_row(c.name + ".momentum", step), kSchedulerTol))
            << "step " << step;
      }
    }
  }
}

TEST(SchedulerGolden, ReduceLROnPlateauMatchesPyTorch) {
  struct Case {
    std::string name;
    ReduceLROnPlateauOptions options;
  };
  const std::vector<Case> cases = {
      {"reduce_lr_on_plateau_min_rel",
       ReduceLROnPlateauOptions().factor(0.5).patience(2).threshold(0.01).cooldown(1).min_lr(
           std::vector<double>{0.01, 0.001})},
      {"reduce_lr_on_plateau_max_abs", ReduceLROnPlateauOptions()
                                           .mode(PlateauMode::max)
                                           .threshold_mode(ThresholdMode::abs)
                                           .threshold(0.05)
                                           .patience(1)
                                           .factor(0.3)
                                           .min_lr(0.0005)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<Optimizer> opt = sgd_two_groups();
    ReduceLROnPlateau sched(*opt, c.options);
    const std::vector<double> metrics =
        golden("scheduler_lrs.safetensors", c.name + ".metrics").to_vector<double>();
    EXPECT_TRUE(all_close(sched.get_last_lr(), golden_row(c.name + ".lrs", 0), kSchedulerTol));
    int reductions = 0;
    for (size_t k = 0; k < metrics.size(); ++k) {
      const std::vector<double> before = sched.get_last_lr();
      opt->step();
      sched.step(metrics[k]);
      EXPECT_TRUE(all_close(sched.get_last_lr(), golden_row(c.name + ".lrs", k + 1), kSchedulerTol))
          << "step " << k + 1;
      if (sched.get_last_lr() != before) ++reductions;
    }
    // The sequences are chosen so that the lr does drop (the test could not fail otherwise).
    EXPECT_GE(reductions, 2);
  }
}

}  // namespace
}  // namespace ember::testing
