// Autograd graph behaviour: leaves and grad_fn names, accumulation across backward calls,
// retain_graph and the freed-graph error, no_grad / detach, hooks, retain_grad, the version
// counter, in-place ops on non-leaves, autograd::grad (with create_graph), custom functions.
#include "support/test_util.h"

namespace ember {
namespace {

using autograd::AutogradContext;
using autograd::variable_list;
using testing::all_close;
using testing::throws_with;
using testing::values;

Tensor leaf(std::initializer_list<double> v) {
  return tensor(std::vector<double>(v), TensorOptions().dtype(kFloat64).requires_grad(true));
}

TEST(AutogradGraph, LeavesNamesAndSimpleGradient) {
  Tensor x = leaf({1, 2, 3});
  EXPECT_TRUE(x.is_leaf());
  EXPECT_TRUE(x.requires_grad());
  Tensor y = x * x;
  EXPECT_FALSE(y.is_leaf());
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward");
  Tensor loss = y.sum();
  loss.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4, 6}));
  EXPECT_FALSE(y.grad().defined());  // non-leaves do not keep grads unless asked
}

TEST(AutogradGraph, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({1, 2});
  (x * 3).sum().backward();
  (x * 3).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{6, 6}));
  x.mutable_grad() = Tensor();
  (x * 2).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2}));
}

TEST(AutogradGraph, RetainGraphAndFreedGraphError) {
  Tensor x = leaf({1, 2});
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 8}));
  EXPECT_TRUE(throws_with<AutogradError>([&] { y.backward(); },
                                         {"MulBackward", "second time", "retain_graph"}));
}

TEST(AutogradGraph, NonScalarBackwardNeedsAGradient) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 2;
  EXPECT_TRUE(throws_with<AutogradError>([&] { y.backward(); }, {"scalar", "[2]"}));
  y.backward(tensor({1.0, 10.0}, kFloat64));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 20}));
}

TEST(AutogradGraph, NoGradAndDetach) {
  Tensor x = leaf({1, 2});
  {
    NoGradGuard guard;
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EnableGradGuard enable;
    EXPECT_TRUE((x * 2).requires_grad());
  }
  {
    InferenceMode inference;
    EXPECT_FALSE((x + 1).requires_grad());
  }
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), x.data_ptr());
  Tensor z = (x * d).sum();  // d is a constant
  z.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 2}));
  Tensor plain = ones({2});
  EXPECT_TRUE(
      throws_with<AutogradError>([&] { (plain * 2).sum().backward(); }, {"does not require grad"}));
}

TEST(AutogradGraph, HooksSeeAndReplaceGradients) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 2;
  std::vector<double> seen;
  y.register_hook([&](const Tensor& g) {
    seen = values(g);
    return g * 10;
  });
  x.register_hook([](const Tensor& g) { return g + 1; });
  int post = 0;
  x.register_post_accumulate_grad_hook(
      [&](const Tensor& t) { post += static_cast<int>(t.numel()); });
  y.sum().backward();
  EXPECT_EQ(seen, (std::vector<double>{1, 1}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{21, 21}));
  EXPECT_EQ(post, 2);
}

TEST(AutogradGraph, RetainGradOnNonLeaf) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 3;
  y.retain_grad();
  EXPECT_TRUE(y.retains_grad());
  (y * y).sum().backward();
  EXPECT_EQ(values(y.grad()), (std::vector<double>{6, 12}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{18, 36}));
}

TEST(AutogradGraph, VersionCounterCatchesInPlaceChangeOfSavedTensor) {
  Tensor x = leaf({1, 2});
  Tensor a = x * 1;  // non-leaf, so in-place is allowed
  Tensor b = a.detach();
  Tensor y = x * b;  // MulBackward saves b
  b.add_(1);
  EXPECT_TRUE(
      throws_with<AutogradError>([&] { y.sum().backward(); },
                                 {"MulBackward", "modified by an in-place operation", "version"}));
}

TEST(AutogradGraph, InPlaceOnLeafIsRefusedAndOnNonLeafIsRecorded) {
  Tensor x = leaf({1, 2});
  EXPECT_TRUE(throws_with<AutogradError>([&] { x.mul_(2); }, {"mul_", "leaf"}));
  {
    NoGradGuard guard;  // allowed without recording (what optimizers do)
    x.mul_(1);
  }
  Tensor y = x * 2;
  y.mul_(x);  // y = 2x * x
  y.exp_();   // y = exp(2x^2)
  y.sum().backward();
  const std::vector<double> xv = {1, 2};
  std::vector<double> expected;
  for (double v : xv) expected.push_back(std::exp(2 * v * v) * 4 * v);
  EXPECT_TRUE(all_close(x.grad(), expected, 1e-12));
  Tensor z = x * 1;
  Tensor view = z.select(0, 0);
  EXPECT_TRUE(throws_with<AutogradError>([&] { view.mul_(x.select(0, 1)); }, {"mul_", "view"}));
}

TEST(AutogradGraph, AutogradGradWithRespectToAnyTensor) {
  Tensor x = leaf({1, 2, 3});
  Tensor w = leaf({0.5, -1, 2});
  Tensor y = (x * w).sum();
  std::vector<Tensor> g = autograd::grad({y}, {x});
  EXPECT_EQ(values(g[0]), (std::vector<double>{0.5, -1, 2}));
  EXPECT_FALSE(x.grad().defined());  // grad() does not touch .grad
  EXPECT_FALSE(w.grad().defined());
  Tensor unused = leaf({1});
  EXPECT_TRUE(throws_with<AutogradError>([&] { autograd::grad({(x * 2).sum()}, {unused}); },
                                         {"not used", "allow_unused"}));
  auto maybe = autograd::grad({(x * 2).sum()}, {unused}, {}, std::nullopt, false, true);
  EXPECT_FALSE(maybe[0].defined());
}

TEST(AutogradGraph, DoubleBackwardThroughCreateGraph) {
  // y = x^3; dy/dx = 3x^2; d2y/dx2 = 6x.
  Tensor x = leaf({1, 2});
  Tensor y = (x * x * x).sum();
  Tensor dx = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_EQ(values(dx), (std::vector<double>{3, 12}));
  EXPECT_TRUE(dx.requires_grad());
  Tensor ddx = autograd::grad({dx.sum()}, {x})[0];
  EXPECT_EQ(values(ddx), (std::vector<double>{6, 12}));
}

TEST(AutogradGraph, DeterministicOrderAndDiamonds) {
  // x feeds two paths that meet again: gradients sum at the meeting point.
  Tensor x = leaf({2});
  Tensor a = x * 3, b = x.exp();
  Tensor y = (a * b + a).sum();
  y.backward();
  const double e = std::exp(2.0);
  EXPECT_NEAR(x.grad().item<double>(), 3 * e + 6 * e + 3, 1e-12);
}

struct ScaleBy : autograd::Function<ScaleBy> {
  static Tensor forward(AutogradContext* ctx, Tensor x, double c) {
    ctx->saved_data["c"] = c;
    ctx->save_for_backward({x});
    return x * c;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    const double c = ctx->saved_data["c"].toDouble();
    EXPECT_EQ(ctx->get_saved_variables().size(), 1u);
    return {g[0] * c, Tensor()};
  }
};

TEST(AutogradGraph, CustomFunction) {
  Tensor x = leaf({1, 2});
  Tensor y = ScaleBy::apply(x, 4.0);
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_NE(y.grad_fn()->name().find("ScaleBy"), std::string::npos);
  (y * y).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{32, 64}));
  // Without grad, forward runs and nothing is recorded.
  NoGradGuard guard;
  EXPECT_EQ(ScaleBy::apply(x, 2.0).grad_fn(), nullptr);
}

TEST(AutogradGraph, BroadcastingSumsGradientsBack) {
  Tensor a = leaf({1, 2, 3});                                                              // [3]
  Tensor b = tensor({{1.0}, {2.0}}, TensorOptions().dtype(kFloat64).requires_grad(true));  // [2, 1]
  (a * b).sum().backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{3, 3, 3}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{6, 6}));
  EXPECT_EQ(b.grad().sizes(), IntArrayRef({2, 1}));
}

TEST(AutogradGraph, MixedDtypesGetGradientsOfTheirOwnDtype) {
  Tensor f = tensor({1.0f, 2.0f}).requires_grad_();
  Tensor d = leaf({3, 4});
  (f * d).sum().backward();
  EXPECT_EQ(f.grad().dtype(), kFloat32);
  EXPECT_EQ(values(f.grad()), (std::vector<double>{3, 4}));
  EXPECT_EQ(d.grad().dtype(), kFloat64);
}

}  // namespace
}  // namespace ember
