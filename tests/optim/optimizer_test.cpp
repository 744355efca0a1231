// The optimizer base and its options: parameter groups with their own lrs, add_param_group and
// its checks, zero_grad, skipped parameters, the closure, lazily created state, training through
// autograd, and errors that name the option and its value.
#include <cmath>

#include "optim_test_util.h"

namespace ember::testing {
namespace {

using namespace optim;

Tensor leaf(std::vector<double> values, DType dtype = kFloat32) {
  Tensor t = tensor(values, TensorOptions().dtype(dtype));
  t.requires_grad_(true);
  return t;
}

void set_grad(const Tensor& p, std::vector<double> values) {
  Tensor q = p;
  q.mutable_grad() = tensor(values, TensorOptions().dtype(p.dtype())).reshape(p.sizes());
}

TEST(Optimizer, GroupsKeepTheirOwnLearningRates) {
  Tensor a = leaf({1.0, 2.0});
  Tensor b = leaf({3.0});
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{a});
  groups.emplace_back(std::vector<Tensor>{b}, SGDOptions(0.01));
  SGD opt(groups, SGDOptions(0.1));
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[0].options().get_lr(), 0.1);
  EXPECT_EQ(opt.param_groups()[1].options().get_lr(), 0.01);
  EXPECT_EQ(opt.size(), 2u);  // parameters, not elements
  set_grad(a, {1.0, -2.0});
  set_grad(b, {4.0});
  opt.step();
  EXPECT_EQ(values(a), (std::vector<double>{1.0f - 0.1f * 1.0f, 2.0f - 0.1f * -2.0f}));
  EXPECT_EQ(values(b), (std::vector<double>{3.0f - 0.01f * 4.0f}));

  // A group's options are reachable and change the next step, like libtorch's.
  static_cast<SGDOptions&>(opt.param_groups()[1].options()).lr(1.0);
  set_grad(b, {0.5});
  opt.step();
  EXPECT_FLOAT_EQ(b.item<float>(), 3.0f - 0.01f * 4.0f - 0.5f);
}

TEST(Optimizer, AddParamGroupTakesDefaultsUnlessGivenOptions) {
  Tensor a = leaf({1.0}), b = leaf({2.0}), c = leaf({3.0});
  Adam opt(std::vector<Tensor>{a}, AdamOptions(0.5).weight_decay(0.1));
  opt.add_param_group(OptimizerParamGroup({b}));
  opt.add_param_group(OptimizerParamGroup({c}, AdamOptions(0.25)));
  ASSERT_EQ(opt.param_groups().size(), 3u);
  const auto& o1 = static_cast<const AdamOptions&>(opt.param_groups()[1].options());
  EXPECT_EQ(o1.lr(), 0.5);
  EXPECT_EQ(o1.weight_decay(), 0.1);
  const auto& o2 = static_cast<const AdamOptions&>(opt.param_groups()[2].options());
  EXPECT_EQ(o2.lr(), 0.25);
  EXPECT_EQ(o2.weight_decay(), 0.0);
  // The group's options are a copy: changing the defaults later does not reach it.
  static_cast<AdamOptions&>(opt.defaults()).lr(9.0);
  EXPECT_EQ(opt.param_groups()[1].options().get_lr(), 0.5);
  EXPECT_EQ(opt.parameters().size(), 3u);
  EXPECT_TRUE(opt.parameters()[2].is_same(c));
}

TEST(Optimizer, AddParamGroupRefusesBadParameters) {
  Tensor a = leaf({1.0});
  SGD opt(std::vector<Tensor>{a}, SGDOptions(0.1));
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.add_param_group(OptimizerParamGroup({a})); },
                                      {"SGD", "parameter 0 of group 1", "more than one"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { opt.add_param_group(OptimizerParamGroup({leaf({2.0})}, AdamOptions(0.1))); },
      {"SGD", "group 1", "Adam"}));
  Tensor computed = leaf({1.0}).mul(2.0);
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.add_param_group(OptimizerParamGroup({computed})); },
                                      {"SGD", "not a leaf"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        opt.add_param_group(OptimizerParamGroup({tensor({1, 2})}));
      },
      {"SGD", "int64"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.add_param_group(OptimizerParamGroup({Tensor()})); },
                                      {"SGD", "undefined"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { opt.add_param_group(OptimizerParamGroup({leaf({2.0})}, SGDOptions(-1.0))); },
      {"SGD", "lr", "-1"}));
  // Nothing was added by the failed calls.
  EXPECT_EQ(opt.param_groups().size(), 1u);
  EXPECT_TRUE(throws_with<ValueError>([] { SGD(std::vector<Tensor>{}, SGDOptions(0.1)); },
                                      {"SGD", "empty parameter list"}));
}

TEST(Optimizer, ZeroGradSetsToNoneOrZeroes) {
  Tensor a = leaf({1.0, 2.0});
  SGD opt({a}, SGDOptions(0.1));  // a braced list of parameters, like model->parameters()
  set_grad(a, {3.0, 4.0});
  opt.zero_grad();  // set_to_none by default
  EXPECT_FALSE(a.grad().defined());

  set_grad(a, {3.0, 4.0});
  const Tensor grad_before = a.grad();
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(a.grad().defined());
  EXPECT_TRUE(a.grad().is_same(grad_before));  // zeroed in place
  EXPECT_EQ(values(a.grad()), (std::vector<double>{0.0, 0.0}));

  // A step with zero gradients leaves plain SGD's parameters as they are.
  opt.step();
  EXPECT_EQ(values(a), (std::vector<double>{1.0, 2.0}));
}

TEST(Optimizer, ParametersWithoutGradientAreSkippedAndGetNoState) {
  Tensor a = leaf({1.0, 2.0}), b = leaf({5.0});
  Adam opt(std::vector<Tensor>{a, b}, AdamOptions(0.1));
  set_grad(a, {1.0, 1.0});
  opt.step();
  EXPECT_EQ(values(b), (std::vector<double>{5.0}));
  EXPECT_EQ(opt.state().count(b.impl()), 0u);
  ASSERT_EQ(opt.state().count(a.impl()), 1u);
  EXPECT_EQ(static_cast<AdamParamState&>(*opt.state().at(a.impl())).step(), 1);
  EXPECT_NE(values(a), (std::vector<double>{1.0, 2.0}));
}

TEST(Optimizer, StateIsCreatedLazilyLikeTheParameter) {
  Tensor p = leaf({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, kFloat64).detach().reshape({2, 3});
  p.requires_grad_(true);
  RMSprop opt(std::vector<Tensor>{p}, RMSpropOptions(0.01).momentum(0.9).centered(true));
  EXPECT_TRUE(opt.state().empty());
  set_grad(p, {1, 2, 3, 4, 5, 6});
  opt.step();
  auto& st = static_cast<RMSpropParamState&>(*opt.state().at(p.impl()));
  for (const Tensor& t : {st.square_avg(), st.momentum_buffer(), st.grad_avg()}) {
    ASSERT_TRUE(t.defined());
    EXPECT_EQ(t.sizes(), p.sizes());
    EXPECT_EQ(t.dtype(), kFloat64);
    EXPECT_EQ(t.device(), p.device());
  }
  EXPECT_EQ(st.step(), 1);
}

TEST(Optimizer, StepRunsTheClosureWithGradEnabledAndReturnsItsLoss) {
  Tensor p = leaf({2.0, -1.0});
  SGD opt(std::vector<Tensor>{p}, SGDOptions(0.25));
  int calls = 0;
  auto closure = [&] {
    ++calls;
    EXPECT_TRUE(GradMode::is_enabled());
    opt.zero_grad();
    Tensor y = p * p;  // d(sum y)/dp = 2p
    y.backward(ones_like(y));
    return y.detach();
  };
  NoGradGuard no_grad;  // the closure still records
  Tensor loss = opt.step(closure);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(values(loss), (std::vector<double>{4.0, 1.0}));
  EXPECT_EQ(values(p), (std::vector<double>{2.0 - 0.25 * 4.0, -1.0 - 0.25 * -2.0}));
  EXPECT_FALSE(GradMode::is_enabled());
  EXPECT_FALSE(opt.step().defined());  // no closure: no loss
}

TEST(Optimizer, TrainsThroughAutogradOnAQuadratic) {
  // Minimise sum((p - target)^2) with each optimizer; every one gets close to the target.
  const std::vector<double> target = {1.5, -0.5, 0.25};
  auto run = [&](Optimizer& opt, Tensor& p, int steps) {
    const Tensor t = tensor(target);
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      Tensor d = p - t;
      Tensor y = d * d;
      y.backward(ones_like(y));
      opt.step();
    }
    return all_close(values(p), target, 0.0, 2e-2);
  };
  {
    Tensor p = leaf({0.0, 0.0, 0.0});
    SGD opt(std::vector<Tensor>{p}, SGDOptions(0.1).momentum(0.5));
    EXPECT_TRUE(run(opt, p, 100));
  }
  {
    Tensor p = leaf({0.0, 0.0, 0.0});
    Adam opt(std::vector<Tensor>{p}, AdamOptions(0.05));
    EXPECT_TRUE(run(opt, p, 400));
  }
  {
    Tensor p = leaf({0.0, 0.0, 0.0});
    AdamW opt(std::vector<Tensor>{p}, AdamWOptions(0.05).weight_decay(0.0));
    EXPECT_TRUE(run(opt, p, 400));
  }
  {
    Tensor p = leaf({0.0, 0.0, 0.0});
    RMSprop opt(std::vector<Tensor>{p}, RMSpropOptions(0.01));
    EXPECT_TRUE(run(opt, p, 400));
  }
  {
    Tensor p = leaf({0.0, 0.0, 0.0});
    Adagrad opt(std::vector<Tensor>{p}, AdagradOptions(0.5));
    EXPECT_TRUE(run(opt, p, 400));
  }
  {
    Tensor p = leaf({0.0, 0.0, 0.0});
    Adadelta opt(std::vector<Tensor>{p}, AdadeltaOptions(10.0));
    EXPECT_TRUE(run(opt, p, 400));
  }
}

TEST(Optimizer, GradientThatDoesNotMatchItsParameterIsRefused) {
  Tensor p = leaf({1.0, 2.0});
  SGD opt(std::vector<Tensor>{p}, SGDOptions(0.1));
  p.mutable_grad() = zeros({3});
  EXPECT_TRUE(throws_with<ShapeError>([&] { opt.step(); }, {"SGD", "[2]", "[3]"}));
  p.mutable_grad() = zeros({2}, TensorOptions().dtype(kFloat64));
  EXPECT_TRUE(throws_with<DTypeError>([&] { opt.step(); }, {"SGD", "float32", "float64"}));
}

TEST(OptimizerOptions, InvalidValuesNameTheOptionAndTheValue) {
  std::vector<Tensor> params{leaf({1.0})};
  EXPECT_TRUE(
      throws_with<ValueError>([&] { SGD(params, SGDOptions(-0.1)); }, {"SGD", "lr", "-0.1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { SGD(params, SGDOptions(0.1).momentum(-0.5)); },
                                      {"SGD", "momentum", "-0.5"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { SGD(params, SGDOptions(0.1).weight_decay(-1e-3)); },
                                      {"SGD", "weight_decay", "-0.001"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { SGD(params, SGDOptions(0.1).nesterov(true)); },
                                      {"SGD", "nesterov", "momentum 0"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { SGD(params, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); },
      {"SGD", "nesterov", "dampening 0.1"}));
  EXPECT_TRUE(
      throws_with<ValueError>([&] { Adam(params, AdamOptions(-1.0)); }, {"Adam", "lr", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { Adam(params, AdamOptions().betas(std::make_tuple(1.5, 0.999))); },
      {"Adam", "beta1", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { Adam(params, AdamOptions().betas(std::make_tuple(0.9, -0.1))); },
      {"Adam", "beta2", "-0.1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { Adam(params, AdamOptions().eps(-1e-8)); },
                                      {"Adam", "eps", "-1e-08"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { AdamW(params, AdamWOptions().betas(std::make_tuple(0.9, 1.0))); },
      {"AdamW", "beta2", "1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { AdamW(params, AdamWOptions().weight_decay(-2)); },
                                      {"AdamW", "weight_decay", "-2"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { RMSprop(params, RMSpropOptions().alpha(-0.9)); },
                                      {"RMSprop", "alpha", "-0.9"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { RMSprop(params, RMSpropOptions().momentum(-1)); },
                                      {"RMSprop", "momentum", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { Adagrad(params, AdagradOptions().lr_decay(-0.5)); },
                                      {"Adagrad", "lr_decay", "-0.5"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { Adagrad(params, AdagradOptions().initial_accumulator_value(-3)); },
      {"Adagrad", "initial_accumulator_value", "-3"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { Adadelta(params, AdadeltaOptions().rho(1.5)); },
                                      {"Adadelta", "rho", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { Adadelta(params, AdadeltaOptions(-2.0)); },
                                      {"Adadelta", "lr", "-2"}));
}

TEST(OptimizerOptions, ValuesRoundTripAndUnknownNamesAreRefused) {
  AdamOptions o = AdamOptions(0.003).betas(std::make_tuple(0.8, 0.95)).amsgrad(true);
  const OptionValues v = o.values();
  EXPECT_EQ(v.at("lr"), 0.003);
  EXPECT_EQ(v.at("beta1"), 0.8);
  EXPECT_EQ(v.at("beta2"), 0.95);
  EXPECT_EQ(v.at("amsgrad"), 1.0);
  AdamOptions other;
  other.set_values(v);
  EXPECT_EQ(other.values(), v);
  EXPECT_TRUE(other.has_value("beta1"));
  EXPECT_FALSE(other.has_value("momentum"));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        other.set_values({{"momentum", 0.9}});
      },
      {"Adam", "unknown option", "momentum"}));
  // A rejected value leaves the options unchanged.
  EXPECT_TRUE(throws_with<ValueError>([&] { other.set_values({{"lr", -1.0}}); }, {"lr", "-1"}));
  EXPECT_EQ(other.lr(), 0.003);
}

}  // namespace
}  // namespace ember::testing
