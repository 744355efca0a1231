// gradcheck of the reductions, scans, joining, indexing and sorting ops (float64, finite
// differences), including keepdim both ways, ties, zeros in prod, and double backward of sum/mean.
#include "support/test_util.h"

namespace ember {
namespace {

using autograd::gradcheck;
using autograd::gradgradcheck;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor input(IntArrayRef sizes, double lo = -2, double hi = 2) {
  return testing::random_tensor(sizes, kFloat64, lo, hi).requires_grad_();
}

void check(const std::string& name, const Fn& fn, const std::vector<Tensor>& inputs,
           bool double_backward = false) {
  auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << name << ": " << r.message;
  if (double_backward) {
    auto rr = gradgradcheck(fn, inputs);
    EXPECT_TRUE(rr.ok) << name << " (double backward): " << rr.message;
  }
}

TEST(GradcheckReduce, SumMeanVarStdNormLogsumexp) {
  for (bool keepdim : {false, true}) {
    const std::string k = keepdim ? " keepdim" : "";
    check(
        "sum all", [](const auto& x) { return x[0].sum(); }, {input({3, 4})}, true);
    check(
        "sum dims" + k,
        [=](const auto& x) {
          return x[0].sum({0, 2}, keepdim);
        },
        {input({2, 3, 4})}, true);
    check(
        "mean dim" + k, [=](const auto& x) { return x[0].mean({-1}, keepdim); }, {input({3, 4})},
        true);
    check("var" + k, [=](const auto& x) { return x[0].var({1}, 1, keepdim); }, {input({3, 4})});
    check("std" + k, [=](const auto& x) { return x[0].std({0}, 0, keepdim); }, {input({3, 4})});
    check("norm2" + k, [=](const auto& x) { return x[0].norm(2, {1}, keepdim); }, {input({3, 4})});
    check("norm1" + k, [=](const auto& x) { return x[0].norm(1, {1}, keepdim); },
          {input({3, 4}, 0.5, 2)});
    check("norm3" + k, [=](const auto& x) { return x[0].norm(3, {}, keepdim); }, {input({3, 4})});
    check("logsumexp" + k, [=](const auto& x) { return x[0].logsumexp({1}, keepdim); },
          {input({3, 4})});
  }
  check("strided sum", [](const auto& x) { return x[0].t().sum({0}); }, {input({3, 4})});
}

TEST(GradcheckReduce, ProdWithAndWithoutZeros) {
  check("prod all", [](const auto& x) { return x[0].prod(); }, {input({2, 3}, 0.5, 2)});
  check("prod dim", [](const auto& x) { return x[0].prod(1, true); }, {input({2, 3}, 0.5, 2)});
  // Exactly one and exactly two zeros in a row (fixed positions; finite differences still work).
  Tensor z = tensor({{0.0, 2.0, 3.0}, {0.0, 0.0, 5.0}}, kFloat64).requires_grad_();
  Tensor p = z.prod(1);
  p.sum().backward();
  EXPECT_EQ(testing::values(z.grad()), (std::vector<double>{6, 0, 0, 0, 0, 0}));
}

TEST(GradcheckReduce, MaxMinAmaxAmin) {
  check("max dim", [](const auto& x) { return std::get<0>(x[0].max(1)); }, {input({3, 4})});
  check("min dim keepdim", [](const auto& x) { return std::get<0>(x[0].min(0, true)); },
        {input({3, 4})});
  check("amax", [](const auto& x) { return x[0].amax({1}); }, {input({3, 4})});
  check("amin all", [](const auto& x) { return x[0].amin(); }, {input({3, 4})});
  // Ties share the gradient evenly.
  Tensor t = tensor({1.0, 3.0, 3.0}, kFloat64).requires_grad_();
  t.max().backward();
  EXPECT_EQ(testing::values(t.grad()), (std::vector<double>{0, 0.5, 0.5}));
}

TEST(GradcheckReduce, ScansJoinsIndexingSorting) {
  check("cumsum", [](const auto& x) { return x[0].cumsum(1); }, {input({3, 4})});
  check("cat",
        [](const auto& x) {
          return cat({x[0], x[1] * 2}, 1);
        },
        {input({2, 3}), input({2, 2})});
  check("stack",
        [](const auto& x) {
          return stack({x[0], x[1]}, 0);
        },
        {input({2, 3}), input({2, 3})});
  Tensor idx = tensor({2, 0, 2});
  check("index_select", [=](const auto& x) { return x[0].index_select(1, idx); }, {input({2, 3})});
  Tensor gidx = tensor({{0, 2}, {1, 1}});
  check("gather", [=](const auto& x) { return x[0].gather(1, gidx); }, {input({2, 3})});
  check("scatter_add", [=](const auto& x) { return x[0].scatter_add(1, gidx, x[1]); },
        {input({2, 3}), input({2, 2})});
  check("sort", [](const auto& x) { return std::get<0>(x[0].sort(1, true)); }, {input({3, 4})});
  check("topk", [](const auto& x) { return std::get<0>(x[0].topk(2, 0)); }, {input({3, 4})});
}

}  // namespace
}  // namespace ember
