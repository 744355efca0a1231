// The bodies of the CUDA reductions (kernels/cuda/reduce_body.h) run by plain CPU loops, thread by
// thread and with the GPU's order of combines (lanes as a tree, then groups in order), against the
// CPU kernels' results: the row, column and vector paths, several groups and the second pass,
// multi-dim reduced ranges, views, arg-reductions with ties and NaN, and the layout choices.
// Runs in every build, without a GPU.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "cuda_test_util.h"
#include "ember/core/reduce.h"
#include "kernels/cuda/reduce_body.h"

namespace ember::cuda {
namespace {

using ::ember::testing::all_close;
using ::ember::testing::FreshRandom;
using ::ember::testing::identical;

// Limits that split even small tensors into several groups.
constexpr ReduceLimits kSmallLimits{.target_blocks = 64, .max_groups = 16, .min_group = 64};

// Runs a reduction as the two kernels of reduce_launch.cuh would, on the CPU.
template <typename In, typename Out, typename Op>
ReducePlan emulate(const ReduceIter& it, const Op& op, const ReduceLimits& limits) {
  using Acc = typename Op::acc_t;
  ReduceBody<In, Out, Op> body{it, op, make_reduce_plan(it, sizeof(In), limits), nullptr};
  const ReducePlan& plan = body.plan;
  // (unique_ptr rather than std::vector, whose bool form packs bits.)
  std::unique_ptr<Acc[]> partials(new Acc[it.out_numel * plan.groups]);
  body.partials = partials.get();
  std::unique_ptr<Acc[]> lanes(new Acc[plan.lanes]);
  for (int64_t o = 0; o < it.out_numel; ++o) {
    for (int64_t g = 0; g < plan.groups; ++g) {
      for (int l = 0; l < plan.lanes; ++l) lanes[l] = body.thread_partial(o, g, l);
      body.finish(o, g, tree_combine(op, lanes.get(), plan.lanes));
    }
  }
  if (plan.groups > 1) {
    const ReduceFinalBody<Out, Op> final_body{it, op, partials.get(), plan.groups};
    Acc final_lanes[kReduceFinalLanes];
    for (int64_t o = 0; o < it.out_numel; ++o) {
      for (int l = 0; l < kReduceFinalLanes; ++l) final_lanes[l] = final_body.lane_partial(o, l);
      final_body.finish(o, tree_combine(op, final_lanes, kReduceFinalLanes));
    }
  }
  return plan;
}

// The reduction iterator of self over the dims in mask into out.
ReduceIter iter_of(const Tensor& self, uint64_t mask, const Tensor& out,
                   const Tensor& index = Tensor()) {
  return ::ember::detail::make_reduce_iter(self, mask, /*keepdim=*/false, out, index, "test");
}

uint64_t mask_of(std::initializer_list<int> dims) {
  uint64_t m = 0;
  for (int d : dims) m |= uint64_t{1} << d;
  return m;
}

// A sum of float32 into float32 (accumulated in double) over the dims of mask, checked against
// the CPU op with both the default and the small limits; returns the plans used.
std::vector<ReducePlan> check_float_sum(const Tensor& x, std::initializer_list<int> dims) {
  const uint64_t mask = mask_of(dims);
  const Tensor expected = sum(x, std::vector<int64_t>(dims.begin(), dims.end()));
  std::vector<ReducePlan> plans;
  for (const ReduceLimits& limits : {ReduceLimits{}, kSmallLimits}) {
    Tensor out = empty(expected.sizes());
    plans.push_back(emulate<float, float>(iter_of(x, mask, out), SumReduce<double>{}, limits));
    EXPECT_TRUE(all_close(out, expected, 1e-6, 1e-6));
  }
  return plans;
}

TEST(ReduceBody, FullSumTakesVectorsAndGroups) {
  FreshRandom random;
  // 100003 floats: whole vectors then a tail of 3, in several groups.
  const Tensor x = random.uniform({100003}, kFloat32);
  const auto plans = check_float_sum(x, {0});
  EXPECT_TRUE(plans[0].lanes_inner);
  EXPECT_EQ(plans[0].vector, 4);
  EXPECT_GT(plans[0].groups, 1);
  EXPECT_EQ(plans[0].group_size % 16, 0);
  EXPECT_GT(plans[1].groups, 1);
  EXPECT_LE(plans[1].groups, 16);
  // Misaligned by one element: the scalar path.
  const Tensor shifted = random.uniform({100004}, kFloat32).slice(0, 1);
  const auto shifted_plans = check_float_sum(shifted, {0});
  EXPECT_EQ(shifted_plans[0].vector, 0);
}

TEST(ReduceBody, RowsColumnsAndMultiDimRanges) {
  FreshRandom random;
  const Tensor m = random.uniform({67, 1031}, kFloat32);
  const auto rows = check_float_sum(m, {1});
  EXPECT_TRUE(rows[0].lanes_inner);
  const auto columns = check_float_sum(m, {0});
  EXPECT_FALSE(columns[0].lanes_inner);
  check_float_sum(m.t(), {0});  // rows of a transposed view: strided
  check_float_sum(m.slice(1, 0, 1031, 3), {1});
  check_float_sum(m.slice(1, 0, 1031, 3), {0});
  const Tensor cube = random.uniform({9, 23, 41}, kFloat32);
  check_float_sum(cube, {0, 2});  // a reduced range of two strided dims
  check_float_sum(cube, {0, 1});
  check_float_sum(cube.permute({2, 0, 1}), {0, 2});
  check_float_sum(random.uniform({1, 41}, kFloat32).expand({300, 41}), {0});
  check_float_sum(random.uniform({3000, 5}, kFloat32), {1});  // tiny rows: a thread per output
  check_float_sum(random.uniform({5, 2000, 3}, kFloat32), {1});
}

TEST(ReduceBody, IntegerHalfAndLogicalFoldsMatchCpu) {
  FreshRandom random;
  for (const ReduceLimits& limits : {ReduceLimits{}, kSmallLimits}) {
    const Tensor i = random.uniform({53, 611}, kInt32, -1000, 1000);
    Tensor out = empty({53}, TensorOptions().dtype(kInt64));
    emulate<int32_t, int64_t>(iter_of(i, mask_of({1}), out), SumReduce<int64_t>{}, limits);
    EXPECT_TRUE(identical(out, sum(i, {1})));
    Tensor total = empty({}, TensorOptions().dtype(kInt64));
    emulate<int32_t, int64_t>(iter_of(i, mask_of({0, 1}), total), SumReduce<int64_t>{}, limits);
    EXPECT_TRUE(identical(total, sum(i)));

    const Tensor h = random.uniform({611, 53}, kFloat16);
    Tensor hs = empty({53});
    emulate<Half, float>(iter_of(h, mask_of({0}), hs), SumReduce<float>{}, limits);
    EXPECT_TRUE(all_close(hs, sum(h, {0}, false, kFloat32), 1e-5, 1e-5));

    const Tensor b = random.uniform({37, 300}, kBool);
    for (int dim : {0, 1}) {
      Tensor any_out = empty({dim == 0 ? 300 : 37}, TensorOptions().dtype(kBool));
      emulate<uint8_t, bool>(iter_of(b, mask_of({dim}), any_out), AnyReduce{}, limits);
      EXPECT_TRUE(identical(any_out, any(b, dim)));
      Tensor all_out = empty({dim == 0 ? 300 : 37}, TensorOptions().dtype(kBool));
      const Tensor mostly = random.uniform({37, 300}, kFloat32, 0.001, 1).gt(0.002);
      emulate<uint8_t, bool>(iter_of(mostly, mask_of({dim}), all_out), AllReduce{}, limits);
      EXPECT_TRUE(identical(all_out, all(mostly, dim)));
    }
    const Tensor p = random.uniform({19, 700}, kFloat64, 0.9, 1.1);
    Tensor prod_out = empty({19}, TensorOptions().dtype(kFloat64));
    emulate<double, double>(iter_of(p, mask_of({1}), prod_out), ProdReduce<double>{}, limits);
    EXPECT_TRUE(all_close(prod_out, prod(p, 1), 1e-12));
  }
}

TEST(ReduceBody, ArgReductionsKeepFirstOfTiesAndNaN) {
  FreshRandom random;
  for (const ReduceLimits& limits : {ReduceLimits{}, kSmallLimits}) {
    // Few distinct values: many ties, which must resolve to the first index across lanes and
    // groups.
    const Tensor t = random.uniform({41, 2999}, kInt64, -3, 3);
    for (int dim : {0, 1}) {
      SCOPED_TRACE("dim " + std::to_string(dim));
      const auto [values, indices] = max(t, dim);
      Tensor v = empty(values.sizes(), TensorOptions().dtype(kInt64));
      Tensor i = empty(values.sizes(), TensorOptions().dtype(kInt64));
      emulate<int64_t, int64_t>(iter_of(t, mask_of({dim}), v, i), ArgMaxReduce<int64_t>{}, limits);
      EXPECT_TRUE(identical(v, values));
      EXPECT_TRUE(identical(i, indices));
      Tensor amin_idx = empty(values.sizes(), TensorOptions().dtype(kInt64));
      emulate<int64_t, int64_t>(iter_of(t, mask_of({dim}), Tensor(), amin_idx),
                                ArgMinReduce<int64_t>{}, limits);
      EXPECT_TRUE(identical(amin_idx, argmin(t, dim)));
    }
    // NaN wins and its first position is the index; amax propagates NaN.
    Tensor f = random.uniform({23, 1500}, kFloat32);
    f.select(0, 3).fill_(std::nan(""));
    f.select(1, 1200).fill_(std::nan(""));
    f.select(1, 700).fill_(std::nan(""));
    for (int dim : {0, 1}) {
      SCOPED_TRACE("float dim " + std::to_string(dim));
      Tensor i = empty({dim == 0 ? 1500 : 23}, TensorOptions().dtype(kInt64));
      emulate<float, float>(iter_of(f, mask_of({dim}), Tensor(), i), ArgMaxReduce<float>{}, limits);
      EXPECT_TRUE(identical(i, argmax(f, dim)));
      Tensor a = empty({dim == 0 ? 1500 : 23});
      emulate<float, float>(iter_of(f, mask_of({dim}), a), MinReduce<float>{}, limits);
      EXPECT_TRUE(identical(a, amin(f, {dim})));
    }
    Tensor full_amax = empty({});
    emulate<float, float>(iter_of(f, mask_of({0, 1}), full_amax), MaxReduce<float>{}, limits);
    EXPECT_TRUE(std::isnan(full_amax.item<double>()));
  }
}

TEST(ReduceBody, EmptyReducedRangeGivesTheIdentity) {
  const Tensor x = empty({5, 0});
  Tensor out = full({5}, 3.0f);
  emulate<float, float>(iter_of(x, mask_of({1}), out), SumReduce<double>{}, ReduceLimits{});
  EXPECT_TRUE(identical(out, zeros({5})));
  Tensor p = full({5}, 3.0f);
  emulate<float, float>(iter_of(x, mask_of({1}), p), ProdReduce<double>{}, ReduceLimits{});
  EXPECT_TRUE(identical(p, ones({5})));
}

TEST(ReduceBody, PlansDependOnTheShapeAlone) {
  // Lanes and groups for a few shapes; the same shape always gives the same plan.
  const Tensor big = empty({1 << 22});
  Tensor scalar_out = empty({});
  const ReducePlan full = make_reduce_plan(iter_of(big, 1, scalar_out), 4);
  EXPECT_EQ(full.lanes, kReduceThreads);
  EXPECT_EQ(full.groups, 512);  // 4M / 8192 elements per group at least
  EXPECT_EQ(full.vector, 4);
  const Tensor rows = empty({4096, 128});
  Tensor row_out = empty({4096});
  const ReducePlan short_rows = make_reduce_plan(iter_of(rows, mask_of({1}), row_out), 4);
  EXPECT_EQ(short_rows.lanes, 32);
  EXPECT_EQ(short_rows.outputs_per_block, 8);
  EXPECT_EQ(short_rows.groups, 1);
  Tensor col_out = empty({128});
  const ReducePlan columns = make_reduce_plan(iter_of(rows, mask_of({0}), col_out), 4);
  EXPECT_FALSE(columns.lanes_inner);
  EXPECT_EQ(columns.outputs_per_block, 128);
  EXPECT_EQ(columns.lanes, 2);
  EXPECT_EQ(columns.threads(), 256);
}

}  // namespace
}  // namespace ember::cuda
