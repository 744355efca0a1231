// State dicts and checkpoints: resuming after k steps (in memory and through a file) gives the
// same trajectory as running straight through, for every optimizer and for schedulers; loading
// restores options, converts state to each parameter's dtype and device, and refuses a state of
// another optimizer or another layout by name.
#include <filesystem>
#include <functional>
#include <memory>

#include "optim_test_util.h"

namespace ember::testing {
namespace {

using namespace optim;

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

std::vector<std::pair<std::string, MakeOptimizer>> optimizer_makers() {
  return {
      {"SGD",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9).nesterov(true));
       }},
      {"Adam",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true).weight_decay(0.01));
       }},
      {"AdamW",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<AdamW>(p, AdamWOptions(0.02).amsgrad(true));
       }},
      {"RMSprop",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions(0.01).momentum(0.5).centered(true));
       }},
      {"Adagrad",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<Adagrad>(p, AdagradOptions(0.1).lr_decay(0.01));
       }},
      {"Adadelta",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<Adadelta>(p, AdadeltaOptions(1.0).weight_decay(0.01));
       }},
  };
}

std::vector<Tensor> clone_params(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) {
    Tensor c = p.detach().clone();
    c.requires_grad_(true);
    out.push_back(c);
  }
  return out;
}

// A fresh temporary path for one test's files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("ember_optim_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  size_t file_count() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++n;
    return n;
  }

 private:
  std::filesystem::path dir_;
};

constexpr int kTotalSteps = 10;
constexpr int kResumeAfter = 4;

TEST(OptimizerStateDict, ResumingThroughAFileGivesTheSameTrajectory) {
  TempDir dir;
  for (const auto& [name, make] : optimizer_makers()) {
    SCOPED_TRACE(name);
    // Straight through.
    const std::vector<Tensor> straight = golden_params();
    std::unique_ptr<Optimizer> opt = make(straight);
    for (int s = 0; s < kTotalSteps; ++s) {
      set_golden_grads(straight);
      opt->step();
    }
    // Interrupted after kResumeAfter steps: the parameters and the optimizer are saved, and a new
    // optimizer over new parameter tensors continues from the files.
    const std::vector<Tensor> first = golden_params();
    std::unique_ptr<Optimizer> opt1 = make(first);
    for (int s = 0; s < kResumeAfter; ++s) {
      set_golden_grads(first);
      opt1->step();
    }
    const std::string file = dir.path(name + ".safetensors");
    ember::save(*opt1, file);
    const std::vector<Tensor> resumed = clone_params(first);
    std::unique_ptr<Optimizer> opt2 = make(resumed);
    ember::load(*opt2, file);
    EXPECT_EQ(opt2->state().size(), resumed.size());
    for (int s = kResumeAfter; s < kTotalSteps; ++s) {
      set_golden_grads(resumed);
      opt2->step();
    }
    for (size_t i = 0; i < straight.size(); ++i) {
      EXPECT_TRUE(same_values(resumed[i], straight[i])) << "parameter " << i;
    }
    // And without the state, the trajectory differs (the test can fail).
    const std::vector<Tensor> fresh = clone_params(first);
    std::unique_ptr<Optimizer> opt3 = make(fresh);
    for (int s = kResumeAfter; s < kTotalSteps; ++s) {
      set_golden_grads(fresh);
      opt3->step();
    }
    EXPECT_FALSE(same_values(fresh[0], straight[0]));
  }
  // Atomic writes leave no temporary files behind.
  EXPECT_EQ(dir.file_count(), optimizer_makers().size());
}

TEST(OptimizerStateDict, InMemoryRoundTripRestoresOptionsAndState) {
  const std::vector<Tensor> params = golden_params();
  Adam opt(params, AdamOptions(0.01));
  for (int s = 0; s < 3; ++s) {
    set_golden_grads(params);
    opt.step();
  }
  static_cast<AdamOptions&>(opt.param_groups()[0].options())
      .lr(0.123)
      .betas(std::make_tuple(0.5, 0.75));
  const OptimizerStateDict sd = opt.state_dict();
  EXPECT_EQ(sd.optimizer, "Adam");
  ASSERT_EQ(sd.param_groups.size(), 1u);
  EXPECT_EQ(sd.param_groups[0].params, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(sd.param_groups[0].options.at("lr"), 0.123);
  ASSERT_EQ(sd.state.size(), 3u);
  EXPECT_EQ(sd.state.at(1).at("step").item<int64_t>(), 3);
  EXPECT_EQ(sd.state.at(1).count("max_exp_avg_sq"), 0u);  // not amsgrad

  const std::vector<Tensor> other = clone_params(params);
  Adam opt2(other, AdamOptions(0.5));
  opt2.load_state_dict(sd);
  const auto& o = static_cast<const AdamOptions&>(opt2.param_groups()[0].options());
  EXPECT_EQ(o.lr(), 0.123);
  EXPECT_EQ(std::get<1>(o.betas()), 0.75);
  auto& st = static_cast<AdamParamState&>(*opt2.state().at(other[2].impl()));
  EXPECT_EQ(st.step(), 3);
  EXPECT_TRUE(same_values(st.exp_avg(), sd.state.at(2).at("exp_avg")));
  // Loaded state is a copy, not the saved tensors themselves.
  EXPECT_FALSE(st.exp_avg().is_same(sd.state.at(2).at("exp_avg")));
}

TEST(OptimizerStateDict, LoadingConvertsStateToTheParametersDtypeAndDevice) {
  for (const Device device : test_devices()) {
    SCOPED_TRACE(device.str());
    const std::vector<Tensor> params = golden_params();
    SGD opt(params, SGDOptions(0.1).momentum(0.9));
    set_golden_grads(params);
    opt.step();
    const OptimizerStateDict sd = opt.state_dict();

    std::vector<Tensor> wide;
    for (const Tensor& p : params) {
      Tensor w = p.detach().to(device, kFloat64, false, true);
      w.requires_grad_(true);
      wide.push_back(w);
    }
    SGD opt2(wide, SGDOptions(0.1).momentum(0.9));
    opt2.load_state_dict(sd);
    for (const Tensor& p : wide) {
      const Tensor& buf = static_cast<SGDParamState&>(*opt2.state().at(p.impl())).momentum_buffer();
      EXPECT_EQ(buf.dtype(), kFloat64);
      EXPECT_EQ(buf.device(), device);
    }
  }
}

TEST(OptimizerStateDict, MismatchedStateIsRefusedByName) {
  const std::vector<Tensor> params = golden_params();
  Adam adam(params, AdamOptions(0.01));
  set_golden_grads(params);
  adam.step();
  const OptimizerStateDict sd = adam.state_dict();

  SGD sgd(clone_params(params), SGDOptions(0.1));
  EXPECT_TRUE(throws_with<ValueError>([&] { sgd.load_state_dict(sd); }, {"SGD", "Adam"}));

  // Another number of groups, another group size.
  std::vector<OptimizerParamGroup> two;
  const std::vector<Tensor> c = clone_params(params);
  two.emplace_back(std::vector<Tensor>{c[0]});
  two.emplace_back(std::vector<Tensor>{c[1], c[2]});
  Adam split(two, AdamOptions(0.01));
  EXPECT_TRUE(throws_with<ValueError>([&] { split.load_state_dict(sd); },
                                      {"Adam", "1 parameter groups", "the optimizer 2"}));
  Adam fewer(std::vector<Tensor>{c[0], c[1]}, AdamOptions(0.01));
  EXPECT_TRUE(throws_with<ValueError>([&] { fewer.load_state_dict(sd); },
                                      {"Adam", "group 0", "3 parameters", "2"}));

  // A state tensor whose shape is not its parameter's.
  OptimizerStateDict bad = sd;
  bad.state[1]["exp_avg"] = zeros({7});
  Adam target(clone_params(params), AdamOptions(0.01));
  EXPECT_TRUE(throws_with<ShapeError>([&] { target.load_state_dict(bad); },
                                      {"Adam", "state.1.exp_avg", "[7]", "[5]"}));
  // An unknown state key, a missing option.
  bad = sd;
  bad.state[0]["momentum_buffer"] = zeros({3, 4});
  EXPECT_TRUE(throws_with<ValueError>([&] { target.load_state_dict(bad); },
                                      {"Adam", "unexpected", "momentum_buffer"}));
  bad = sd;
  bad.param_groups[0].options.erase("eps");
  EXPECT_TRUE(
      throws_with<ValueError>([&] { target.load_state_dict(bad); }, {"Adam", "lacks", "eps"}));
  // A failed load changed nothing.
  EXPECT_TRUE(target.state().empty());
}

TEST(OptimizerStateDict, FilesOfOtherKindsAreRefused) {
  TempDir dir;
  const std::vector<Tensor> params = golden_params();
  SGD sgd(params, SGDOptions(0.1));
  const std::string scheduler_file = dir.path("sched.safetensors");
  StepLR sched(sgd, 2);
  ember::save(sched, scheduler_file);
  EXPECT_TRUE(throws_with<IOError>([&] { ember::load(sgd, scheduler_file); },
                                   {scheduler_file, "ember.scheduler.v1"}));
  save_safetensors(dir.path("plain.safetensors"), {{"w", zeros({2})}});
  EXPECT_TRUE(throws_with<IOError>([&] { ember::load(sgd, dir.path("plain.safetensors")); },
                                   {"plain.safetensors", "format"}));
  ember::save(sgd, dir.path("opt.safetensors"));
  ember::load(sgd, dir.path("opt.safetensors"));
  const OptimizerStateDict loaded = load_optimizer_state_dict(dir.path("opt.safetensors"));
  EXPECT_EQ(loaded.optimizer, "SGD");
  EXPECT_EQ(loaded.param_groups.at(0).options.at("lr"), 0.1);
}

// ---- schedulers ----

std::unique_ptr<Optimizer> make_sgd(const std::vector<Tensor>& params) {
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{params[0], params[1]});
  groups.emplace_back(std::vector<Tensor>{params[2]}, SGDOptions(0.02).momentum(0.9));
  return std::make_unique<SGD>(groups, SGDOptions(0.1).momentum(0.9));
}

using MakeScheduler = std::function<std::unique_ptr<Scheduler>(Optimizer&)>;

// Steps a scheduler of either kind (ReduceLROnPlateau takes a metric).
void step_scheduler(Scheduler& s, int step) {
  if (auto* plateau = dynamic_cast<ReduceLROnPlateau*>(&s)) {
    const double metrics[] = {1.0, 0.9, 0.95, 0.97, 0.96, 0.99, 0.8, 0.85, 0.86, 0.9, 0.91, 0.95};
    plateau->step(metrics[step % 12]);
  } else {
    static_cast<LRScheduler&>(s).step();
  }
}

TEST(SchedulerStateDict, ResumingGivesTheSameLearningRatesAndTrajectory) {
  TempDir dir;
  const std::vector<std::pair<std::string, MakeScheduler>> makers = {
      {"StepLR", [](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); }},
      {"MultiStepLR",
       [](Optimizer& o) {
         return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{2, 6, 6}, 0.5);
       }},
      {"ExponentialLR", [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.8); }},
      {"CosineAnnealingLR",
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 4, 0.001); }},
      {"OneCycleLR",
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(
             o, OneCycleLROptions(std::vector<double>{0.5, 0.2}).total_steps(12).three_phase(true));
       }},
      {"ReduceLROnPlateau",
       [](Optimizer& o) {
         return std::make_unique<ReduceLROnPlateau>(
             o, ReduceLROnPlateauOptions().patience(1).factor(0.5).cooldown(1));
       }},
  };
  constexpr int kSteps = 12, kResume = 5;
  for (const auto& [name, make_scheduler] : makers) {
    SCOPED_TRACE(name);
    const std::vector<Tensor> straight = golden_params();
    std::unique_ptr<Optimizer> opt = make_sgd(straight);
    std::unique_ptr<Scheduler> sched = make_scheduler(*opt);
    std::vector<std::vector<double>> lrs;
    for (int s = 0; s < kSteps; ++s) {
      set_golden_grads(straight);
      opt->step();
      step_scheduler(*sched, s);
      lrs.push_back(sched->get_last_lr());
    }

    const std::vector<Tensor> first = golden_params();
    std::unique_ptr<Optimizer> opt1 = make_sgd(first);
    std::unique_ptr<Scheduler> sched1 = make_scheduler(*opt1);
    for (int s = 0; s < kResume; ++s) {
      set_golden_grads(first);
      opt1->step();
      step_scheduler(*sched1, s);
    }
    ember::save(*opt1, dir.path(name + ".opt"));
    ember::save(*sched1, dir.path(name + ".sched"));

    const std::vector<Tensor> resumed = clone_params(first);
    std::unique_ptr<Optimizer> opt2 = make_sgd(resumed);
    std::unique_ptr<Scheduler> sched2 = make_scheduler(*opt2);
    ember::load(*opt2, dir.path(name + ".opt"));
    ember::load(*sched2, dir.path(name + ".sched"));
    EXPECT_EQ(sched2->get_last_lr(), lrs[kResume - 1]);
    for (int s = kResume; s < kSteps; ++s) {
      set_golden_grads(resumed);
      opt2->step();
      step_scheduler(*sched2, s);
      EXPECT_EQ(sched2->get_last_lr(), lrs[static_cast<size_t>(s)]) << "step " << s;
    }
    for (size_t i = 0; i < straight.size(); ++i) EXPECT_TRUE(same_values(resumed[i], straight[i]));
    EXPECT_EQ(sched2->state_dict(), sched->state_dict());
  }
}

TEST(SchedulerStateDict, StateOfAnotherSchedulerIsRefused) {
  TempDir dir;
  const std::vector<Tensor> params = golden_params();
  std::unique_ptr<Optimizer> opt = make_sgd(params);
  StepLR step(*opt, 2);
  ExponentialLR expo(*opt, 0.9);
  ember::save(step, dir.path("step"));
  EXPECT_TRUE(throws_with<ValueError>([&] { ember::load(expo, dir.path("step")); },
                                      {"StepLR", "ExponentialLR"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { expo.load_state_dict(step.state_dict()); },
                                      {"ExponentialLR", "unexpected", "step_size"}));
  SchedulerStateDict bad = step.state_dict();
  bad["base_lrs"] = {0.1};
  EXPECT_TRUE(throws_with<ValueError>([&] { step.load_state_dict(bad); },
                                      {"StepLR", "base_lrs", "1 values", "2 parameter groups"}));
}

}  // namespace
}  // namespace ember::testing
