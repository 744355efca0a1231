// Scheduler behaviour beyond the golden sequences: bad arguments named in errors, groups added
// after the scheduler, stepping past OneCycleLR's end, and the chainable form (a change made to an
// lr by hand carries on).
#include "optim_test_util.h"

namespace ember::testing {
namespace {

using namespace optim;

std::vector<Tensor> two_params() {
  return {zeros({2}).requires_grad_(), zeros({3}).requires_grad_()};
}

TEST(Scheduler, BadArgumentsAreNamed) {
  SGD sgd(two_params(), SGDOptions(0.1).momentum(0.9));
  EXPECT_TRUE(throws_with<ValueError>([&] { StepLR(sgd, 0); }, {"StepLR", "step_size", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { CosineAnnealingLR(sgd, -3); },
                                      {"CosineAnnealingLR", "T_max", "-3"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().factor(1.0)); },
      {"ReduceLROnPlateau", "factor", "1"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().min_lr(std::vector<double>{0, 0, 0}));
      },
      {"ReduceLROnPlateau", "expected 1 min_lr", "got 3"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { OneCycleLR(sgd, OneCycleLROptions(0.1)); },
                                      {"OneCycleLR", "total_steps", "epochs"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { OneCycleLR(sgd, OneCycleLROptions(0.1).epochs(-2).steps_per_epoch(3)); },
      {"OneCycleLR", "epochs", "-2"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { OneCycleLR(sgd, OneCycleLROptions(0.1).total_steps(10).pct_start(1.5)); },
      {"OneCycleLR", "pct_start", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        OneCycleLR(sgd, OneCycleLROptions(std::vector<double>{0.1, 0.2, 0.3}).total_steps(10));
      },
      {"OneCycleLR", "max_lr", "3"}));
  Adagrad adagrad(two_params(), AdagradOptions(0.1));
  EXPECT_TRUE(
      throws_with<ValueError>([&] { OneCycleLR(adagrad, OneCycleLROptions(0.1).total_steps(10)); },
                              {"OneCycleLR", "Adagrad", "momentum", "cycle_momentum(false)"}));
}

TEST(Scheduler, OneCycleLRRefusesToStepPastItsEnd) {
  SGD sgd(two_params(), SGDOptions(0.1).momentum(0.9));
  OneCycleLR sched(sgd, OneCycleLROptions(0.5).total_steps(4));
  for (int i = 0; i < 4; ++i) sched.step();  // last_epoch 4 == total_steps is still allowed
  EXPECT_TRUE(throws_with<ValueError>([&] { sched.step(); },
                                      {"OneCycleLR", "6 times", "total steps is 4"}));
}

TEST(Scheduler, GroupsAddedAfterTheSchedulerAreRefused) {
  SGD sgd(two_params(), SGDOptions(0.1));
  CosineAnnealingLR sched(sgd, 5);
  sgd.add_param_group(OptimizerParamGroup({zeros({1}).requires_grad_()}));
  EXPECT_TRUE(throws_with<ValueError>([&] { sched.step(); },
                                      {"CosineAnnealingLR", "2 parameter groups", "built for 1"}));
}

TEST(Scheduler, ChainableFormKeepsChangesMadeByHand) {
  SGD sgd(two_params(), SGDOptions(0.1));
  StepLR sched(sgd, 2, 0.5);
  sched.step();  // epoch 1: unchanged
  EXPECT_EQ(sched.get_last_lr(), (std::vector<double>{0.1}));
  sgd.param_groups()[0].options().set_lr(0.8);
  sched.step();  // epoch 2: the hand-set lr is halved
  EXPECT_EQ(sched.get_last_lr(), (std::vector<double>{0.4}));
  EXPECT_EQ(sched.last_epoch(), 2);
  EXPECT_EQ(sched.base_lrs(), (std::vector<double>{0.1}));
}

TEST(Scheduler, ReduceLROnPlateauReportsCurrentLrsBeforeItsFirstStep) {
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{zeros({1}).requires_grad_()});
  groups.emplace_back(std::vector<Tensor>{zeros({1}).requires_grad_()}, AdamOptions(0.5));
  Adam adam(groups, AdamOptions(0.25));
  ReduceLROnPlateau sched(adam, ReduceLROnPlateauOptions().patience(0).factor(0.5));
  EXPECT_EQ(sched.get_last_lr(), (std::vector<double>{0.25, 0.5}));
  sched.step(1.0);  // best so far
  sched.step(2.0);  // worse: patience 0 reduces at once
  EXPECT_EQ(sched.get_last_lr(), (std::vector<double>{0.125, 0.25}));
  EXPECT_EQ(sched.num_bad_epochs(), 0);
  EXPECT_EQ(sched.best(), 1.0);
}

}  // namespace
}  // namespace ember::testing
