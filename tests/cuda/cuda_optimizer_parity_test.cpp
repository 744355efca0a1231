// The CUDA rows of the fused optimizer steps against the CPU rows: every optimizer and option
// combination, float32 and float64, over many parameters of many sizes (more than one launch's
// table, one tensor cut into several chunks, an empty one), called directly and through the
// optimizers over five steps. Tolerance: within a few roundings of each tensor's scale (the GPU
// contracts multiply-adds into FMAs). Skips without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "cuda_test_util.h"
#include "ember/core/dispatch.h"
#include "ember/optim/optim.h"

namespace ember::testing {
namespace {

const bool kRegistered = register_parity_tested(
    {"sgd_step", "adam_step", "rmsprop_step", "adagrad_step", "adadelta_step"});

::testing::AssertionResult close_at_scale(const Tensor& actual, const Tensor& expected,
                                          double tol) {
  const std::vector<double> e = host_values(expected);
  double scale = 0;
  for (double v : e) scale = std::max(scale, std::fabs(v));
  return all_close(host_values(actual), e, 0.0, tol * std::max(scale, 1e-300));
}

double tol_of(DType d) {
  return d == kFloat32 ? 1e-5 : 1e-13;
}

// Parameters of many sizes: 100 tensors (two launches), one of three chunks, one empty.
std::vector<int64_t> sizes() {
  std::vector<int64_t> s;
  for (int i = 0; i < 100; ++i) s.push_back(i == 3 ? 150001 : (i == 60 ? 0 : 1 + (i * 53) % 700));
  return s;
}

struct Lists {
  std::vector<Tensor> cpu, gpu;
};

Lists make_list(FreshRandom& rng, DType dtype, double lo, double hi, bool present = true) {
  Lists l;
  if (!present) return l;
  for (int64_t n : sizes()) {
    l.cpu.push_back(rng.uniform({n}, dtype, lo, hi));
    l.gpu.push_back(l.cpu.back().to(cuda0()));
  }
  return l;
}

void expect_lists_close(const Lists& l, DType dtype, const char* what) {
  for (size_t i = 0; i < l.cpu.size(); ++i)
    EXPECT_TRUE(close_at_scale(l.gpu[i], l.cpu[i], tol_of(dtype))) << what << " " << i;
}

std::vector<int64_t> step_counts() {
  std::vector<int64_t> steps;
  for (size_t i = 0; i < sizes().size(); ++i) steps.push_back(1 + static_cast<int64_t>(i % 4));
  return steps;
}

TEST(CudaOptimizerParity, SgdRowMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  ASSERT_TRUE(kRegistered);
  FreshRandom rng;
  for (DType dtype : {kFloat32, kFloat64}) {
    for (int config = 0; config < 6; ++config) {
      SCOPED_TRACE(::testing::Message() << dtype_name(dtype) << " config " << config);
      SgdStepArgs a;
      a.lr = 0.05;
      a.momentum = config == 0 ? 0.0 : 0.9;
      a.dampening = config == 2 ? 0.2 : 0.0;
      a.weight_decay = config >= 3 ? 0.01 : 0.0;
      a.nesterov = config == 4;
      a.maximize = config == 5;
      Lists p = make_list(rng, dtype, 0.5, 2), g = make_list(rng, dtype, -1, 1);
      Lists buf = make_list(rng, dtype, -1, 1, a.momentum != 0);
      const std::vector<int64_t> steps = step_counts();
      kernel_for<OpId::sgd_step>(Device(kCPU))(p.cpu, g.cpu, buf.cpu, steps, a);
      kernel_for<OpId::sgd_step>(cuda0())(p.gpu, g.gpu, buf.gpu, steps, a);
      expect_lists_close(p, dtype, "param");
      expect_lists_close(buf, dtype, "momentum_buffer");
      expect_lists_close(g, dtype, "grad (unchanged)");
    }
  }
}

TEST(CudaOptimizerParity, AdamRowMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  for (DType dtype : {kFloat32, kFloat64}) {
    for (int config = 0; config < 6; ++config) {
      SCOPED_TRACE(::testing::Message() << dtype_name(dtype) << " config " << config);
      AdamStepArgs a;
      a.lr = 0.01;
      a.beta1 = 0.9;
      a.beta2 = 0.99;
      a.eps = 1e-8;
      a.weight_decay = config % 3 == 0 ? 0.0 : 0.02;
      a.decoupled_weight_decay = config % 3 == 2;
      a.amsgrad = config >= 3;
      a.maximize = config == 4;
      Lists p = make_list(rng, dtype, 0.5, 2), g = make_list(rng, dtype, -1, 1);
      Lists m = make_list(rng, dtype, -0.1, 0.1), v = make_list(rng, dtype, 0, 0.1);
      Lists vmax = make_list(rng, dtype, 0, 0.1, a.amsgrad);
      const std::vector<int64_t> steps = step_counts();
      kernel_for<OpId::adam_step>(Device(kCPU))(p.cpu, g.cpu, m.cpu, v.cpu, vmax.cpu, steps, a);
      kernel_for<OpId::adam_step>(cuda0())(p.gpu, g.gpu, m.gpu, v.gpu, vmax.gpu, steps, a);
      expect_lists_close(p, dtype, "param");
      expect_lists_close(m, dtype, "exp_avg");
      expect_lists_close(v, dtype, "exp_avg_sq");
      expect_lists_close(vmax, dtype, "max_exp_avg_sq");
    }
  }
}

TEST(CudaOptimizerParity, RmspropAdagradAdadeltaRowsMatchCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  for (DType dtype : {kFloat32, kFloat64}) {
    for (int config = 0; config < 8; ++config) {
      SCOPED_TRACE(::testing::Message() << dtype_name(dtype) << " rmsprop config " << config);
      RmspropStepArgs a;
      a.lr = 0.01;
      a.alpha = 0.95;
      a.eps = 1e-8;
      a.centered = config & 1;
      a.momentum = config & 2 ? 0.9 : 0.0;
      a.weight_decay = config & 4 ? 0.01 : 0.0;
      a.maximize = config == 7;
      Lists p = make_list(rng, dtype, 0.5, 2), g = make_list(rng, dtype, -1, 1);
      Lists sq = make_list(rng, dtype, 0.5, 1);
      Lists ga = make_list(rng, dtype, -0.1, 0.1, a.centered);
      Lists buf = make_list(rng, dtype, -0.1, 0.1, a.momentum > 0);
      kernel_for<OpId::rmsprop_step>(Device(kCPU))(p.cpu, g.cpu, sq.cpu, ga.cpu, buf.cpu, a);
      kernel_for<OpId::rmsprop_step>(cuda0())(p.gpu, g.gpu, sq.gpu, ga.gpu, buf.gpu, a);
      expect_lists_close(p, dtype, "param");
      expect_lists_close(sq, dtype, "square_avg");
      expect_lists_close(ga, dtype, "grad_avg");
      expect_lists_close(buf, dtype, "momentum_buffer");
    }
    for (bool decay : {false, true}) {
      SCOPED_TRACE(::testing::Message()
                   << dtype_name(dtype) << " adagrad/adadelta decay " << decay);
      AdagradStepArgs ag;
      ag.lr = 0.1;
      ag.lr_decay = decay ? 0.1 : 0.0;
      ag.weight_decay = decay ? 0.01 : 0.0;
      ag.eps = 1e-10;
      ag.maximize = decay;
      Lists p = make_list(rng, dtype, 0.5, 2), g = make_list(rng, dtype, -1, 1);
      Lists sum = make_list(rng, dtype, 0, 1);
      const std::vector<int64_t> steps = step_counts();
      kernel_for<OpId::adagrad_step>(Device(kCPU))(p.cpu, g.cpu, sum.cpu, steps, ag);
      kernel_for<OpId::adagrad_step>(cuda0())(p.gpu, g.gpu, sum.gpu, steps, ag);
      expect_lists_close(p, dtype, "adagrad param");
      expect_lists_close(sum, dtype, "state_sum");

      AdadeltaStepArgs ad;
      ad.lr = 1.0;
      ad.rho = 0.9;
      ad.eps = 1e-6;
      ad.weight_decay = decay ? 0.02 : 0.0;
      ad.maximize = decay;
      Lists q = make_list(rng, dtype, 0.5, 2), h = make_list(rng, dtype, -1, 1);
      Lists sq = make_list(rng, dtype, 0, 1), acc = make_list(rng, dtype, 0, 1);
      kernel_for<OpId::adadelta_step>(Device(kCPU))(q.cpu, h.cpu, sq.cpu, acc.cpu, ad);
      kernel_for<OpId::adadelta_step>(cuda0())(q.gpu, h.gpu, sq.gpu, acc.gpu, ad);
      expect_lists_close(q, dtype, "adadelta param");
      expect_lists_close(sq, dtype, "square_avg");
      expect_lists_close(acc, dtype, "acc_delta");
    }
  }
}

// Through the optimizers: CUDA parameters take the CUDA rows (fused is on by default), five steps.
TEST(CudaOptimizerParity, OptimizersOnCudaParametersFollowTheCpuTrajectory) {
  EMBER_REQUIRE_CUDA();
  using namespace optim;
  using Maker = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;
  const std::vector<std::pair<const char*, Maker>> makers{
      {"sgd_nesterov",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.8).nesterov(true));
       }},
      {"adam_amsgrad",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true).weight_decay(0.01));
       }},
      {"adamw",
       [](const std::vector<Tensor>& p) { return std::make_unique<AdamW>(p, AdamWOptions(0.01)); }},
      {"rmsprop_centered",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions(0.01).centered(true).momentum(0.5));
       }},
      {"adagrad",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<Adagrad>(p, AdagradOptions(0.1).lr_decay(0.05));
       }},
      {"adadelta",
       [](const std::vector<Tensor>& p) {
         return std::make_unique<Adadelta>(p, AdadeltaOptions(1.0));
       }},
  };
  FreshRandom rng;
  const std::vector<std::vector<int64_t>> shapes{{7}, {32, 1, 3, 3}, {128, 784}, {1}};
  for (const auto& [name, make] : makers) {
    SCOPED_TRACE(name);
    std::vector<Tensor> cpu, gpu;
    for (const auto& s : shapes) {
      Tensor p = rng.uniform(s, kFloat32, 0.5, 2);
      Tensor q = p.to(cuda0());
      p.requires_grad_(true);
      q.requires_grad_(true);
      cpu.push_back(p);
      gpu.push_back(q);
    }
    std::unique_ptr<Optimizer> on_cpu = make(cpu), on_gpu = make(gpu);
    for (int step = 0; step < 5; ++step) {
      for (size_t i = 0; i < shapes.size(); ++i) {
        const Tensor g = rng.uniform(shapes[i], kFloat32);
        cpu[i].mutable_grad() = g;
        gpu[i].mutable_grad() = g.to(cuda0());
      }
      on_cpu->step();
      on_gpu->step();
    }
    for (size_t i = 0; i < shapes.size(); ++i)
      EXPECT_TRUE(close_at_scale(gpu[i], cpu[i], 1e-5)) << "parameter " << i;
  }
}

}  // namespace
}  // namespace ember::testing
