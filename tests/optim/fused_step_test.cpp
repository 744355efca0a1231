// The fused optimizer rows against the op-by-op rule: on fresh random parameters of many sizes
// (one large enough to be cut into parallel chunks), in float32 and float64, every optimizer and
// option combination gives the same parameters and state within float rounding. Also: when the
// rows are used (can_fuse), that each is registered on the CPU, that they bump version counters,
// and that tensors a row cannot take fall back to the op-by-op rule.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "ember/core/dispatch.h"
#include "ember/optim/fused_step.h"
#include "optim_test_util.h"

namespace ember::testing {
namespace {

using namespace optim;

// Makes an optimizer over params; fused selects the fused rows or the op-by-op rule.
using Maker = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&, bool fused)>;

template <typename Opt, typename Options>
Maker maker(Options options) {
  return [options](const std::vector<Tensor>& params, bool fused) {
    Options o = options;
    o.fused(fused);
    return std::make_unique<Opt>(params, o);
  };
}

std::vector<std::pair<std::string, Maker>> fused_cases() {
  return {
      {"sgd", maker<SGD>(SGDOptions(0.05))},
      {"sgd_momentum_dampening_decay",
       maker<SGD>(SGDOptions(0.05).momentum(0.9).dampening(0.2).weight_decay(0.01))},
      {"sgd_nesterov_maximize",
       maker<SGD>(SGDOptions(0.05).momentum(0.8).nesterov(true).maximize(true))},
      {"adam", maker<Adam>(AdamOptions(0.01))},
      {"adam_amsgrad_decay_maximize",
       maker<Adam>(AdamOptions(0.01).amsgrad(true).weight_decay(0.05).maximize(true))},
      {"adamw", maker<AdamW>(AdamWOptions(0.01).betas(std::make_tuple(0.8, 0.9)))},
      {"adamw_amsgrad", maker<AdamW>(AdamWOptions(0.01).amsgrad(true).eps(1e-6))},
      {"rmsprop", maker<RMSprop>(RMSpropOptions(0.01))},
      {"rmsprop_centered_momentum_decay",
       maker<RMSprop>(RMSpropOptions(0.01).centered(true).momentum(0.9).weight_decay(0.01))},
      {"rmsprop_momentum_maximize",
       maker<RMSprop>(RMSpropOptions(0.01).momentum(0.5).maximize(true))},
      {"adagrad", maker<Adagrad>(AdagradOptions(0.1))},
      {"adagrad_decay",
       maker<Adagrad>(
           AdagradOptions(0.1).lr_decay(0.1).weight_decay(0.01).initial_accumulator_value(0.2))},
      {"adadelta", maker<Adadelta>(AdadeltaOptions(1.0))},
      {"adadelta_decay_maximize",
       maker<Adadelta>(AdadeltaOptions(0.5).rho(0.7).weight_decay(0.02).maximize(true))},
  };
}

// |actual - expected| <= tol * max |expected| for every element.
::testing::AssertionResult close_at_scale(const Tensor& actual, const Tensor& expected,
                                          double tol) {
  double scale = 0;
  for (double v : values(expected)) scale = std::max(scale, std::fabs(v));
  return all_close(actual, expected, 0.0, tol * scale);
}

std::vector<Tensor> leaves_like(const std::vector<Tensor>& values) {
  std::vector<Tensor> out;
  for (const Tensor& v : values) {
    Tensor p = v.clone();
    p.requires_grad_(true);
    out.push_back(p);
  }
  return out;
}

// Every state tensor of every parameter, in a fixed order.
std::vector<Tensor> state_tensors(const Optimizer& opt) {
  std::vector<Tensor> out;
  const OptimizerStateDict sd = opt.state_dict();
  for (const auto& [index, named] : sd.state) {
    for (const auto& [name, t] : named) out.push_back(t);
  }
  return out;
}

TEST(FusedStep, MatchesTheOpByOpRuleOnRandomParameters) {
  const std::vector<std::vector<int64_t>> shapes = {{7}, {3, 5}, {2, 3, 4}, {1}, {70001}};
  for (DType dtype : {kFloat32, kFloat64}) {
    // Within a few roundings of each tensor's scale: an element that cancels to near 0 (a
    // momentum buffer summing terms of both signs) keeps the absolute error of its terms.
    const double tol = dtype == kFloat32 ? 1e-5 : 1e-13;
    for (const auto& [name, make] : fused_cases()) {
      SCOPED_TRACE(name + " " + std::string(dtype_name(dtype)));
      std::vector<Tensor> init;
      for (const auto& s : shapes) init.push_back(random_tensor(s, dtype, 0.5, 2.0));
      const std::vector<Tensor> a = leaves_like(init), b = leaves_like(init);
      std::unique_ptr<Optimizer> fused = make(a, true), reference = make(b, false);
      for (int step = 0; step < 5; ++step) {
        for (size_t i = 0; i < init.size(); ++i) {
          const Tensor g = random_tensor(shapes[i], dtype);
          Tensor pa = a[i], pb = b[i];
          pa.mutable_grad() = g;
          pb.mutable_grad() = g.clone();
        }
        fused->step();
        reference->step();
      }
      for (size_t i = 0; i < init.size(); ++i) {
        EXPECT_TRUE(close_at_scale(a[i], b[i], tol)) << "parameter " << i;
        EXPECT_FALSE(same_values(a[i], init[i])) << "parameter " << i << " did not move";
      }
      const std::vector<Tensor> sa = state_tensors(*fused), sb = state_tensors(*reference);
      ASSERT_EQ(sa.size(), sb.size());
      for (size_t k = 0; k < sa.size(); ++k) EXPECT_TRUE(close_at_scale(sa[k], sb[k], tol));
    }
  }
}

TEST(FusedStep, EveryRowHasItsCpuKernel) {
  for (OpId op : {OpId::sgd_step, OpId::adam_step, OpId::rmsprop_step, OpId::adagrad_step,
                  OpId::adadelta_step}) {
    EXPECT_TRUE(has_kernel(op, kCPU)) << op_name(op);
  }
}

TEST(FusedStep, CanFuseOnlyContiguousSameDtypeSameShapeLists) {
  const Tensor a = zeros({3, 4}), b = zeros({5}), g = ones({3, 4});
  EXPECT_TRUE(optim::detail::can_fuse({{a, b}, {g, ones({5})}}));
  EXPECT_TRUE(optim::detail::can_fuse({{a, b}, {g, ones({5})}, {}}));      // an unused state list
  EXPECT_FALSE(optim::detail::can_fuse({{a}, {g.t().contiguous().t()}}));  // shape [3, 4], strided
  EXPECT_FALSE(optim::detail::can_fuse({{a, b}, {g}}));                    // lengths differ
  EXPECT_FALSE(optim::detail::can_fuse({{a}, {ones({12})}}));              // shapes differ
  EXPECT_FALSE(optim::detail::can_fuse({{a}, {ones({3, 4}, TensorOptions().dtype(kFloat64))}}));
  EXPECT_FALSE(optim::detail::can_fuse({{zeros({2}, TensorOptions().dtype(kFloat16))},
                                        {ones({2}, TensorOptions().dtype(kFloat16))}}));
  EXPECT_FALSE(optim::detail::can_fuse({{Tensor()}, {g}}));
  EXPECT_FALSE(optim::detail::can_fuse({{}, {}}));
}

TEST(FusedStep, StridedParametersFallBackToTheOpByOpRule) {
  // A transposed leaf cannot go to the fused row; the step still matches the reference.
  const Tensor base = random_tensor({4, 3}, kFloat32, 0.5, 2.0);
  Tensor a = base.clone().t(), b = base.clone().t();
  a.requires_grad_(true);
  b.requires_grad_(true);
  ASSERT_FALSE(a.is_contiguous());
  Adam fused(std::vector<Tensor>{a}, AdamOptions(0.1));
  Adam reference(std::vector<Tensor>{b}, AdamOptions(0.1).fused(false));
  for (int step = 0; step < 3; ++step) {
    const Tensor g = random_tensor({3, 4});
    a.mutable_grad() = g;
    b.mutable_grad() = g.clone();
    fused.step();
    reference.step();
  }
  EXPECT_TRUE(all_close(a, b, 1e-6));
  EXPECT_FALSE(same_values(a, base.t()));
}

TEST(FusedStep, BumpsTheVersionOfWhatItWrites) {
  Tensor p = random_tensor({16});
  p.requires_grad_(true);
  Adam opt(std::vector<Tensor>{p}, AdamOptions(0.1));
  p.mutable_grad() = ones({16});
  const uint32_t before = p.version();
  opt.step();
  EXPECT_GT(p.version(), before);
  const auto& st = static_cast<AdamParamState&>(*opt.state().at(p.impl()));
  const uint32_t exp_avg_version = st.exp_avg().version();
  opt.step();
  EXPECT_GT(st.exp_avg().version(), exp_avg_version);
}

TEST(FusedStep, NonContiguousGradientsAreRead) {
  // The gradient may be strided (an expanded or transposed result); the fused path reads it.
  Tensor a = random_tensor({3, 4}, kFloat32, 0.5, 2.0);
  Tensor b = a.clone();
  a.requires_grad_(true);
  b.requires_grad_(true);
  SGD fused(std::vector<Tensor>{a}, SGDOptions(0.1).momentum(0.9));
  SGD reference(std::vector<Tensor>{b}, SGDOptions(0.1).momentum(0.9).fused(false));
  for (int step = 0; step < 3; ++step) {
    const Tensor g = random_tensor({4, 3}).t();
    a.mutable_grad() = g;
    b.mutable_grad() = g;
    fused.step();
    reference.step();
  }
  EXPECT_TRUE(all_close(a, b, 1e-6));
}

}  // namespace
}  // namespace ember::testing
