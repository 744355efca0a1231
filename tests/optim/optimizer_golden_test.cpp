// Each optimizer's 10-step parameter trajectory against PyTorch 1.13's, for the configurations of
// tests/golden/make_optim_golden.py (mirrored here), through the fused rows and through the
// op-by-op rule: relative 1e-5 in float32, 1e-12 in float64 (of the parameters' scale).
#include <functional>
#include <map>
#include <memory>

#include "optim_test_util.h"

namespace ember::testing {
namespace {

using optim::OptimizerParamGroup;

struct GoldenConfig {
  using Make = std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&, bool)>;
  GoldenConfig(std::string name, Make make, std::map<int, std::vector<int>> skipped = {},
               DType dtype = kFloat32)
      : name(std::move(name)), make(std::move(make)), skipped(std::move(skipped)), dtype(dtype) {}
  std::string name;
  // Builds the optimizer over the three parameters; fused selects the path.
  Make make;
  // Steps (1-based) at which some parameters have no gradient.
  std::map<int, std::vector<int>> skipped;
  DType dtype;
};

template <typename Opt, typename Options>
std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&, bool)> single(
    Options options) {
  return [options](const std::vector<Tensor>& params, bool fused) {
    Options o = options;
    o.fused(fused);
    return std::make_unique<Opt>(params, o);
  };
}

std::vector<GoldenConfig> golden_configs() {
  using namespace optim;
  std::vector<GoldenConfig> c;
  c.push_back({"sgd_plain", single<SGD>(SGDOptions(0.1))});
  c.push_back({"sgd_momentum", single<SGD>(SGDOptions(0.05).momentum(0.9))});
  c.push_back({"sgd_dampening_weight_decay",
               single<SGD>(SGDOptions(0.05).momentum(0.9).dampening(0.3).weight_decay(0.01))});
  c.push_back({"sgd_nesterov",
               single<SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.005))});
  c.push_back({"sgd_maximize", single<SGD>(SGDOptions(0.02).momentum(0.5).maximize(true))});
  c.push_back({"sgd_two_groups", [](const std::vector<Tensor>& p, bool fused) {
                 std::vector<OptimizerParamGroup> groups;
                 groups.emplace_back(std::vector<Tensor>{p[0]});
                 groups.emplace_back(std::vector<Tensor>{p[1], p[2]},
                                     SGDOptions(0.01).momentum(0.0).fused(fused));
                 return std::make_unique<SGD>(groups, SGDOptions(0.1).momentum(0.9).fused(fused));
               }});
  c.push_back({"adam_default", single<Adam>(AdamOptions(0.01))});
  c.push_back(
      {"adam_weight_decay",
       single<Adam>(
           AdamOptions(0.02).betas(std::make_tuple(0.8, 0.99)).eps(1e-6).weight_decay(0.1))});
  c.push_back({"adam_amsgrad", single<Adam>(AdamOptions(0.01).amsgrad(true).weight_decay(0.01))});
  c.push_back({"adam_maximize", single<Adam>(AdamOptions(0.01).maximize(true))});
  c.push_back({"adam_two_groups", [](const std::vector<Tensor>& p, bool fused) {
                 std::vector<OptimizerParamGroup> groups;
                 groups.emplace_back(std::vector<Tensor>{p[0], p[1]});
                 groups.emplace_back(
                     std::vector<Tensor>{p[2]},
                     AdamOptions(0.05).betas(std::make_tuple(0.5, 0.9)).fused(fused));
                 return std::make_unique<Adam>(groups, AdamOptions(0.01).fused(fused));
               }});
  c.push_back(
      {"adam_skipped_grads", single<Adam>(AdamOptions(0.01)), {{3, {1}}, {4, {1}}, {7, {0, 1}}}});
  c.push_back({"adam_float64", single<Adam>(AdamOptions(0.01).amsgrad(true)), {}, kFloat64});
  c.push_back({"adamw_default", single<AdamW>(AdamWOptions(0.01))});
  c.push_back({"adamw_amsgrad", single<AdamW>(AdamWOptions(0.02)
                                                  .betas(std::make_tuple(0.85, 0.995))
                                                  .weight_decay(0.1)
                                                  .amsgrad(true))});
  c.push_back({"rmsprop_default", single<RMSprop>(RMSpropOptions(0.01))});
  c.push_back({"rmsprop_momentum", single<RMSprop>(RMSpropOptions(0.005).momentum(0.5).eps(1e-6))});
  c.push_back(
      {"rmsprop_centered", single<RMSprop>(RMSpropOptions(0.01).centered(true).maximize(true))});
  c.push_back(
      {"rmsprop_centered_momentum_weight_decay",
       single<RMSprop>(
           RMSpropOptions(0.01).alpha(0.9).momentum(0.8).centered(true).weight_decay(0.01))});
  c.push_back({"adagrad_default", single<Adagrad>(AdagradOptions(0.1))});
  c.push_back(
      {"adagrad_decay",
       single<Adagrad>(
           AdagradOptions(0.1).lr_decay(0.05).weight_decay(0.01).initial_accumulator_value(0.1).eps(
               1e-8))});
  c.push_back({"adadelta_default", single<Adadelta>(AdadeltaOptions(1.0))});
  c.push_back({"adadelta_weight_decay",
               single<Adadelta>(AdadeltaOptions(0.5).rho(0.8).eps(1e-5).weight_decay(0.05))});
  c.push_back(
      {"adadelta_float64", single<Adadelta>(AdadeltaOptions(1.0).maximize(true)), {}, kFloat64});
  return c;
}

// Runs one configuration and compares every step's parameters with PyTorch's.
void check_trajectory(const GoldenConfig& config, bool fused, Device device) {
  SCOPED_TRACE(config.name + (fused ? " (fused)" : " (op by op)") + " on " + device.str());
  const std::vector<Tensor> params = golden_params(config.dtype, device);
  std::unique_ptr<optim::Optimizer> opt = config.make(params, fused);
  // Relative 1e-5 (1e-12 in float64) of the parameters' scale: their initial values lie in
  // [0.5, 2) in magnitude, but some cross zero on the way, where only an absolute bound holds.
  const double rtol = config.dtype == kFloat64 ? 1e-12 : 1e-5;
  const double atol = config.dtype == kFloat64 ? 1e-13 : 1e-6;
  for (int step = 1; step <= kGoldenSteps; ++step) {
    auto skip = config.skipped.find(step);
    set_golden_grads(params, skip == config.skipped.end() ? std::vector<int>{} : skip->second);
    opt->step();
    for (size_t i = 0; i < params.size(); ++i) {
      const Tensor& expected =
          golden("optim_trajectories.safetensors",
                 config.name + ".traj." + std::to_string(step) + "." + std::to_string(i));
      ASSERT_EQ(params[i].dtype(), config.dtype);
      ASSERT_EQ(params[i].device(), device);
      ASSERT_TRUE(all_close(params[i], expected, rtol, atol))
          << "step " << step << ", parameter " << i;
    }
  }
}

// On every device (CUDA when a GPU answers); where a device has no fused row, `fused` falls back
// to the op-by-op rule.
TEST(OptimizerGolden, EveryConfigurationMatchesPyTorchOpByOp) {
  for (const Device device : test_devices()) {
    for (const GoldenConfig& config : golden_configs()) check_trajectory(config, false, device);
  }
}

TEST(OptimizerGolden, EveryConfigurationMatchesPyTorchFused) {
  for (const Device device : test_devices()) {
    for (const GoldenConfig& config : golden_configs()) check_trajectory(config, true, device);
  }
}

TEST(OptimizerGolden, EveryGoldenConfigurationIsTested) {
  // Catches a configuration added to the script but not mirrored here (or renamed).
  std::set<std::string> in_file;
  for (const auto& [key, t] : golden_file("optim_trajectories.safetensors")) {
    const auto dot = key.find(".traj.");
    if (dot != std::string::npos) in_file.insert(key.substr(0, dot));
  }
  std::set<std::string> here;
  for (const GoldenConfig& c : golden_configs()) here.insert(c.name);
  EXPECT_EQ(in_file, here);
}

}  // namespace
}  // namespace ember::testing
