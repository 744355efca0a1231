// The __host__ __device__ bodies of the CUDA NN and optimizer kernels, run index by index by
// plain CPU loops (no GPU needed), against the CPU kernels on fresh random inputs: pooling
// (forward, and backward as a gather), the gathers and sort-based scatter-adds of embedding and
// max_pool2d (the radix sort emulated by a stable sort), the per-position bodies of softmax,
// cross_entropy and nll_loss, batch_norm's per-channel and per-element bodies and layer_norm's
// column bodies, and the multi-tensor optimizer table walked block by block. What only a GPU runs
// (the warp and block reductions, the row kernels, CUB, cuBLAS, cuDNN) is listed in README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cuda_test_util.h"
#include "ember/core/dispatch.h"
#include "kernels/cuda/gather_scatter_bodies.h"
#include "kernels/cuda/norm_bodies.h"
#include "kernels/cuda/optimizer_bodies.h"
#include "kernels/cuda/pool_bodies.h"
#include "kernels/cuda/softmax_loss_bodies.h"

namespace ember::testing {
namespace {

using cuda::PlaneShape;

// |actual - expected| <= rtol * max |expected| for every element (sums round at their terms'
// scale, not at a cancelled result's).
::testing::AssertionResult close_at_scale(const Tensor& actual, const Tensor& expected,
                                          double rtol) {
  double scale = 0;
  for (double v : values(expected)) scale = std::max(scale, std::fabs(v));
  return all_close(values(actual), values(expected), rtol, rtol * std::max(scale, 1e-300));
}

double rtol_of(DType d) {
  return d == kFloat64 ? 1e-12 : 1e-6;
}

template <typename Body>
void run_each(const Body& body, int64_t count) {
  for (int64_t i = 0; i < count; ++i) body(i);
}

// ---- pooling ----
struct PoolGeometry {
  std::array<int64_t, 2> kernel, stride, padding, dilation;
  bool ceil_mode, count_include_pad;
  int64_t divisor;
};

Pool2dParams params_of(const PoolGeometry& g) {
  Pool2dParams p;
  for (int i = 0; i < 2; ++i) {
    p.kernel[i] = g.kernel[i];
    p.stride[i] = g.stride[i];
    p.padding[i] = g.padding[i];
    p.dilation[i] = g.dilation[i];
  }
  p.count_include_pad = g.count_include_pad;
  p.divisor_override = g.divisor;
  return p;
}

const std::vector<PoolGeometry>& pool_geometries() {
  static const std::vector<PoolGeometry> g{
      {{2, 2}, {2, 2}, {0, 0}, {1, 1}, false, true, 0},
      {{3, 3}, {2, 2}, {1, 1}, {1, 1}, false, true, 0},
      {{3, 2}, {1, 2}, {1, 0}, {1, 1}, true, false, 0},
      {{3, 3}, {2, 3}, {1, 1}, {2, 1}, true, true, 0},
      {{2, 3}, {3, 1}, {1, 1}, {1, 2}, false, false, 5},
      {{5, 4}, {2, 3}, {2, 2}, {1, 1}, true, true, 0},
  };
  return g;
}

class PoolBodies : public ::testing::TestWithParam<DType> {};

TEST_P(PoolBodies, ForwardBodiesEqualTheCpuKernelsBitForBit) {
  FreshRandom rng;
  const DType dtype = GetParam();
  const Tensor x = rng.uniform({2, 3, 11, 9}, dtype);
  const int64_t planes = 6;
  for (const PoolGeometry& g : pool_geometries()) {
    SCOPED_TRACE(::testing::Message() << "kernel " << g.kernel[0] << "x" << g.kernel[1]
                                      << " stride " << g.stride[0] << "," << g.stride[1]);
    const Pool2dParams p = params_of(g);
    const auto [out, idx] =
        max_pool2d_with_indices(x, g.kernel, g.stride, g.padding, g.dilation, g.ceil_mode);
    const PlaneShape s{planes, 11, 9, out.size(2), out.size(3)};
    Tensor got = empty_like(out);
    Tensor got_idx = empty_like(idx);
    if (dtype == kFloat32) {
      run_each(cuda::MaxPoolForwardBody<float>{got.data_ptr<float>(), got_idx.data_ptr<int64_t>(),
                                               x.data_ptr<float>(), s, p},
               out.numel());
    } else {
      run_each(cuda::MaxPoolForwardBody<double>{got.data_ptr<double>(), got_idx.data_ptr<int64_t>(),
                                                x.data_ptr<double>(), s, p},
               out.numel());
    }
    EXPECT_TRUE(same_bits(got, out));
    EXPECT_TRUE(identical(got_idx, idx));

    const std::optional<int64_t> divisor =
        g.divisor ? std::optional<int64_t>(g.divisor) : std::nullopt;
    const Tensor avg =
        avg_pool2d(x, g.kernel, g.stride, g.padding, g.ceil_mode, g.count_include_pad, divisor);
    const PlaneShape sa{planes, 11, 9, avg.size(2), avg.size(3)};
    const Tensor gy = rng.uniform(avg.sizes(), dtype);
    const Tensor gx = avg_pool2d_backward(gy, x, g.kernel, g.stride, g.padding, g.ceil_mode,
                                          g.count_include_pad, divisor);
    Tensor got_avg = empty_like(avg), got_gx = empty_like(gx);
    auto run_avg = [&](auto tag) {
      using T = decltype(tag);
      run_each(cuda::AvgPoolForwardBody<T>{got_avg.data_ptr<T>(), x.data_ptr<T>(), sa, p},
               avg.numel());
      run_each(cuda::AvgPoolBackwardBody<T>{got_gx.data_ptr<T>(), gy.data_ptr<T>(), sa, p},
               gx.numel());
    };
    if (dtype == kFloat32) {
      run_avg(float{});
    } else {
      run_avg(double{});
    }
    EXPECT_TRUE(same_bits(got_avg, avg));
    EXPECT_TRUE(same_bits(got_gx, gx)) << "avg_pool2d_backward";
  }
}

TEST_P(PoolBodies, AdaptiveBodiesEqualTheCpuKernelsBitForBit) {
  FreshRandom rng;
  const DType dtype = GetParam();
  const Tensor x = rng.uniform({2, 2, 13, 10}, dtype);
  for (std::array<int64_t, 2> size :
       {std::array<int64_t, 2>{1, 1}, {4, 3}, {5, 7}, {13, 10}, {6, 10}, {9, 4}}) {
    SCOPED_TRACE(::testing::Message() << "output " << size[0] << "x" << size[1]);
    const Tensor out = adaptive_avg_pool2d(x, size);
    const Tensor gy = rng.uniform(out.sizes(), dtype);
    const Tensor gx = adaptive_avg_pool2d_backward(gy, x);
    const PlaneShape s{4, 13, 10, size[0], size[1]};
    Tensor got = empty_like(out), got_gx = empty_like(gx);
    auto run = [&](auto tag) {
      using T = decltype(tag);
      run_each(cuda::AdaptiveAvgPoolForwardBody<T>{got.data_ptr<T>(), x.data_ptr<T>(), s},
               out.numel());
      run_each(cuda::AdaptiveAvgPoolBackwardBody<T>{got_gx.data_ptr<T>(), gy.data_ptr<T>(), s},
               gx.numel());
    };
    if (dtype == kFloat32) {
      run(float{});
    } else {
      run(double{});
    }
    EXPECT_TRUE(same_bits(got, out));
    EXPECT_TRUE(same_bits(got_gx, gx));
  }
}

TEST(PoolWindowCandidates, CoverEveryWindowThatHoldsAnElement) {
  for (int64_t kernel = 1; kernel <= 5; ++kernel) {
    for (int64_t stride = 1; stride <= 4; ++stride) {
      for (int64_t pad = 0; pad <= kernel / 2; ++pad) {
        const int64_t in = 17, outputs = (in + 2 * pad - kernel) / stride + 1;
        for (int64_t i = 0; i < in; ++i) {
          const cuda::CandidateRange r = cuda::window_candidates(i, kernel, stride, pad, outputs);
          for (int64_t o = 0; o < outputs; ++o) {
            const int64_t start = o * stride - pad;
            if (i >= start && i < start + kernel) {
              EXPECT_TRUE(o >= r.first && o <= r.last)
                  << "k " << kernel << " s " << stride << " p " << pad << " i " << i << " o " << o;
            }
          }
        }
      }
    }
  }
  for (int64_t in = 1; in <= 12; ++in) {
    for (int64_t n = 1; n <= 12; ++n) {
      for (int64_t i = 0; i < in; ++i) {
        const cuda::CandidateRange r = cuda::adaptive_candidates(i, in, n);
        for (int64_t o = 0; o < n; ++o) {
          if (i >= adaptive_window_start(o, in, n) && i < adaptive_window_end(o, in, n)) {
            EXPECT_TRUE(o >= r.first && o <= r.last) << "in " << in << " n " << n << " i " << i;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Float, PoolBodies, ::testing::Values(kFloat32, kFloat64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// ---- gathers and sort-based scatter-adds ----

// Steps 1-3 of Note [Scatter-add by sorting] on the CPU, the radix sort replaced by a stable
// sort. Returns the recorded first bad position (or -1).
template <typename T>
int64_t scatter_add_sorted_on_cpu(Tensor& dst, const Tensor& src, const Tensor& indices,
                                  int64_t limit, int64_t group_size, int64_t group_stride,
                                  int64_t destinations, int64_t dim, int64_t skip_key) {
  const int64_t n = indices.numel();
  std::fill(dst.data_ptr<T>(), dst.data_ptr<T>() + dst.numel(), T(0));
  std::vector<unsigned long long> keys(static_cast<size_t>(n)), sorted_keys(keys.size());
  std::vector<int64_t> positions(keys.size()), sorted_positions(keys.size());
  unsigned long long bad = cuda::kNoBadPosition;
  const auto sentinel = static_cast<unsigned long long>(destinations);
  run_each(cuda::ScatterKeysBody{indices.data_ptr<int64_t>(), keys.data(), positions.data(), limit,
                                 group_size, group_stride, sentinel, &bad},
           n);
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  for (size_t k = 0; k < order.size(); ++k) {
    sorted_keys[k] = keys[order[k]];
    sorted_positions[k] = positions[order[k]];
  }
  EXPECT_GE(cuda::key_bits(sentinel), 1);
  EXPECT_EQ(sentinel >> cuda::key_bits(sentinel), 0u) << "the sort must see every key bit";
  const cuda::SortedSegmentSumBody<T> body{
      dst.data_ptr<T>(), src.data_ptr<T>(), sorted_keys.data(), sorted_positions.data(), n, dim,
      sentinel,          skip_key};
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < dim; ++j) body(k, j);
  return bad == cuda::kNoBadPosition ? -1 : static_cast<int64_t>(bad);
}

TEST(GatherScatterBodies, EmbeddingForwardCopiesRowsAndRecordsTheFirstBadIndex) {
  FreshRandom rng;
  const Tensor weight = rng.uniform({9, 5}, kFloat32);
  Tensor idx = tensor(std::vector<double>{3, 0, 8, 3, 3, 1}, {6}).to(kInt64);
  const Tensor expected = embedding(weight, idx);
  Tensor got = empty({6, 5});
  unsigned long long bad = cuda::kNoBadPosition;
  const cuda::EmbeddingForwardBody<uint32_t> body{static_cast<uint32_t*>(got.data_ptr()),
                                                  static_cast<const uint32_t*>(weight.data_ptr()),
                                                  idx.data_ptr<int64_t>(),
                                                  5,
                                                  9,
                                                  &bad};
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 5; ++j) body(i, j);
  EXPECT_TRUE(same_bits(got, expected));
  EXPECT_EQ(bad, cuda::kNoBadPosition);

  idx = tensor(std::vector<double>{1, 9, 2, -1}, {4}).to(kInt64);
  const cuda::EmbeddingForwardBody<uint32_t> bad_body{
      static_cast<uint32_t*>(got.data_ptr()),
      static_cast<const uint32_t*>(weight.data_ptr()),
      idx.data_ptr<int64_t>(),
      5,
      9,
      &bad};
  for (int64_t i = 3; i >= 0; --i)
    for (int64_t j = 0; j < 5; ++j) bad_body(i, j);
  EXPECT_EQ(bad, 1u) << "the lowest bad position, whatever order the threads ran in";
}

TEST(GatherScatterBodies, EmbeddingBackwardBySortingEqualsTheCpuKernelBitForBit) {
  FreshRandom rng;
  for (DType dtype : {kFloat32, kFloat64}) {
    const int64_t num = 11, dim = 7, n = 40;
    const Tensor idx = rng.uniform({n}, kFloat64, 0, num).to(kInt64);  // many repeats
    const Tensor gy = rng.uniform({n, dim}, dtype);
    for (std::optional<int64_t> pad : {std::optional<int64_t>(), std::optional<int64_t>(4)}) {
      const Tensor expected = embedding_backward(gy, idx, num, pad);
      Tensor got = empty({num, dim}, TensorOptions().dtype(dtype));
      const int64_t bad = dtype == kFloat32
                              ? scatter_add_sorted_on_cpu<float>(got, gy, idx, num, n, 0, num, dim,
                                                                 pad.value_or(-1))
                              : scatter_add_sorted_on_cpu<double>(got, gy, idx, num, n, 0, num, dim,
                                                                  pad.value_or(-1));
      EXPECT_EQ(bad, -1);
      EXPECT_TRUE(same_bits(got, expected)) << dtype_name(dtype);
    }
  }
  // Out-of-range indices go to the sentinel (nothing written for them) and are recorded.
  const Tensor idx = tensor(std::vector<double>{2, 11, 2, -3}, {4}).to(kInt64);
  const Tensor gy = ones({4, 3});
  Tensor got = empty({11, 3});
  EXPECT_EQ(scatter_add_sorted_on_cpu<float>(got, gy, idx, 11, 4, 0, 11, 3, -1), 1);
  EXPECT_EQ(values(got.select(0, 2)), (std::vector<double>{2, 2, 2}));
}

TEST(GatherScatterBodies, MaxPoolBackwardBySortingEqualsTheCpuKernelBitForBit) {
  FreshRandom rng;
  for (DType dtype : {kFloat32, kFloat64}) {
    const Tensor x = rng.uniform({2, 3, 12, 11}, dtype);
    for (const PoolGeometry& g : pool_geometries()) {
      const auto [out, idx] =
          max_pool2d_with_indices(x, g.kernel, g.stride, g.padding, g.dilation, g.ceil_mode);
      const Tensor gy = rng.uniform(out.sizes(), dtype);
      const Tensor expected = max_pool2d_backward(gy, x, idx);
      Tensor got = empty_like(x);
      const int64_t plane_in = 12 * 11, plane_out = out.size(2) * out.size(3);
      const int64_t bad = dtype == kFloat32
                              ? scatter_add_sorted_on_cpu<float>(got, gy, idx, plane_in, plane_out,
                                                                 plane_in, x.numel(), 1, -1)
                              : scatter_add_sorted_on_cpu<double>(got, gy, idx, plane_in, plane_out,
                                                                  plane_in, x.numel(), 1, -1);
      EXPECT_EQ(bad, -1);
      EXPECT_TRUE(same_bits(got, expected)) << dtype_name(dtype);
    }
  }
}

// ---- softmax and class losses ----
TEST(SoftmaxLossBodies, SoftmaxColumnBodiesMatchTheCpuKernels) {
  FreshRandom rng;
  for (DType dtype : {kFloat32, kFloat64}) {
    const Tensor x = rng.uniform({3, 7, 5}, dtype, -6, 6);
    for (int64_t dim : {0, 1}) {
      const int64_t n = x.size(dim), inner = dim == 0 ? 35 : 5, outer = dim == 0 ? 1 : 3;
      for (bool log : {false, true}) {
        SCOPED_TRACE(::testing::Message() << dtype_name(dtype) << " dim " << dim << " log " << log);
        const Tensor y = log ? log_softmax(x, dim) : softmax(x, dim);
        const Tensor gy = rng.uniform(x.sizes(), dtype);
        const Tensor gx = log ? log_softmax_backward(gy, y, dim) : softmax_backward(gy, y, dim);
        Tensor got = empty_like(y), got_gx = empty_like(gx);
        auto run = [&](auto tag, auto log_tag) {
          using T = decltype(tag);
          constexpr bool kLog = decltype(log_tag)::value;
          run_each(cuda::SoftmaxColumnBody<T, kLog>{got.data_ptr<T>(), x.data_ptr<T>(), n, inner},
                   outer * inner);
          run_each(cuda::SoftmaxBackwardColumnBody<T, kLog>{got_gx.data_ptr<T>(), gy.data_ptr<T>(),
                                                            y.data_ptr<T>(), n, inner},
                   outer * inner);
        };
        auto by_log = [&](auto tag) {
          if (log) {
            run(tag, std::true_type{});
          } else {
            run(tag, std::false_type{});
          }
        };
        if (dtype == kFloat32) {
          by_log(float{});
        } else {
          by_log(double{});
        }
        EXPECT_TRUE(close_at_scale(got, y, rtol_of(dtype)));
        EXPECT_TRUE(close_at_scale(got_gx, gx, rtol_of(dtype)));
      }
    }
  }
}

struct LossCase {
  const char* name;
  std::vector<int64_t> shape;  // [N, C, d...]
  bool weighted, probabilities;
  int64_t ignore_index;
  double smoothing;
};

const std::vector<LossCase>& loss_cases() {
  static const std::vector<LossCase> c{
      {"rows", {6, 5}, false, false, -100, 0.0},
      {"rows_weighted_ignore", {7, 4}, true, false, 2, 0.0},
      {"rows_smoothing", {5, 9}, true, false, -100, 0.2},
      {"spatial", {3, 4, 2, 5}, true, false, 1, 0.1},
      {"probabilities", {4, 6}, true, true, -100, 0.0},
      {"spatial_probabilities_smoothing", {2, 3, 5}, false, true, -100, 0.3},
  };
  return c;
}

// Targets of a case: class indices (some equal to ignore_index) or class probabilities.
Tensor loss_target(FreshRandom& rng, const LossCase& c, DType dtype) {
  if (c.probabilities) return softmax(rng.uniform(c.shape, dtype), 1);
  std::vector<int64_t> shape = c.shape;
  shape.erase(shape.begin() + 1);
  return rng.uniform(shape, kFloat64, 0, static_cast<double>(c.shape[1])).to(kInt64);
}

template <typename T>
void check_cross_entropy_bodies(FreshRandom& rng, const LossCase& c, DType dtype) {
  const Tensor x = rng.uniform(c.shape, dtype, -3, 3);
  const Tensor target = loss_target(rng, c, dtype);
  const Tensor weight = c.weighted ? rng.uniform({c.shape[1]}, dtype, 0.2, 2) : Tensor();
  ClassLossArgs args;
  args.ignore_index = c.ignore_index;
  args.label_smoothing = c.smoothing;
  args.classes = c.shape[1];
  args.inner = 1;
  for (size_t d = 2; d < c.shape.size(); ++d) args.inner *= c.shape[d];
  const int64_t positions = x.numel() / args.classes;
  const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
  const int64_t* t_index = c.probabilities ? nullptr : target.data_ptr<int64_t>();
  const T* t_prob = c.probabilities ? target.data_ptr<T>() : nullptr;
  unsigned long long bad = cuda::kNoBadPosition;

  for (Reduction reduction : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    SCOPED_TRACE(static_cast<int>(reduction));
    args.reduction = reduction;
    const auto [loss, lse] =
        cross_entropy_forward(x, target, weight, reduction, c.ignore_index, c.smoothing);
    Tensor got_lse = empty_like(lse);
    std::vector<double> per_loss(static_cast<size_t>(positions)), per_weight(per_loss.size());
    Tensor got_loss = empty_like(loss);
    const bool none = reduction == Reduction::None;
    run_each(
        cuda::CrossEntropyColumnBody<T>{x.data_ptr<T>(), t_index, t_prob, w, got_lse.data_ptr<T>(),
                                        none ? got_loss.data_ptr<T>() : nullptr, per_loss.data(),
                                        per_weight.data(), &bad, args},
        positions);
    if (!none) {
      cuda::LossTotals totals{0, 0};
      for (int64_t p = 0; p < positions; ++p) {
        totals.loss += per_loss[p];
        totals.weight += per_weight[p];
      }
      got_loss.data_ptr<T>()[0] =
          static_cast<T>(cuda::reduced_loss(totals, reduction, !c.probabilities, positions));
    }
    EXPECT_TRUE(close_at_scale(got_lse, lse, rtol_of(dtype)));
    EXPECT_TRUE(close_at_scale(got_loss, loss, rtol_of(dtype)));

    const Tensor grad_loss = none ? rng.uniform(loss.sizes(), dtype) : full({}, 0.7, dtype);
    const Tensor expected = cross_entropy_backward(grad_loss, x, target, lse, weight, reduction,
                                                   c.ignore_index, c.smoothing);
    cuda::ClassLossTotals totals{static_cast<double>(positions), 0};
    for (int64_t k = 0; k < args.classes; ++k) totals.weight_sum += w ? double(w[k]) : 1.0;
    if (!c.probabilities) {
      totals.denominator = 0;
      for (int64_t p = 0; p < positions; ++p) {
        const int64_t t = t_index[p];
        if (t != c.ignore_index) totals.denominator += w ? double(w[t]) : 1.0;
      }
    }
    Tensor got_gx = empty_like(expected);
    run_each(cuda::CrossEntropyBackwardColumnBody<T>{got_gx.data_ptr<T>(), grad_loss.data_ptr<T>(),
                                                     x.data_ptr<T>(), t_index, t_prob, w,
                                                     lse.data_ptr<T>(), &totals, &bad, args},
             positions);
    EXPECT_TRUE(close_at_scale(got_gx, expected, rtol_of(dtype)));
  }
  EXPECT_EQ(bad, cuda::kNoBadPosition);
}

TEST(SoftmaxLossBodies, CrossEntropyBodiesMatchTheCpuKernels) {
  for (const LossCase& c : loss_cases()) {
    for (DType dtype : {kFloat32, kFloat64}) {
      SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)));
      FreshRandom rng;
      if (dtype == kFloat32) {
        check_cross_entropy_bodies<float>(rng, c, dtype);
      } else {
        check_cross_entropy_bodies<double>(rng, c, dtype);
      }
    }
  }
}

TEST(SoftmaxLossBodies, NllLossBodiesMatchTheCpuKernels) {
  FreshRandom rng;
  const Tensor x = log_softmax(rng.uniform({5, 4, 3}, kFloat64), 1);
  const Tensor target =
      tensor(std::vector<double>{0, 1, 2, 3, 3, 2, 1, 0, 2, 2, 3, 1, 0, 3, 1}, {5, 3}).to(kInt64);
  const Tensor weight = rng.uniform({4}, kFloat64, 0.5, 2);
  ClassLossArgs args;
  args.ignore_index = 3;
  args.classes = 4;
  args.inner = 3;
  unsigned long long bad = cuda::kNoBadPosition;
  for (Reduction reduction : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    args.reduction = reduction;
    const auto [loss, total_weight] = nll_loss_forward(x, target, weight, reduction, 3);
    std::vector<double> per_loss(15), per_weight(15);
    Tensor got_loss = empty_like(loss);
    const bool none = reduction == Reduction::None;
    run_each(
        cuda::NllLossBody<double>{x.data_ptr<double>(), target.data_ptr<int64_t>(),
                                  weight.data_ptr<double>(),
                                  none ? got_loss.data_ptr<double>() : nullptr,
                                  none ? nullptr : per_loss.data(), per_weight.data(), &bad, args},
        15);
    cuda::LossTotals totals{0, 0};
    for (int p = 0; p < 15; ++p) {
      totals.loss += per_loss[p];
      totals.weight += per_weight[p];
    }
    if (!none) got_loss.data_ptr<double>()[0] = cuda::reduced_loss(totals, reduction, true, 15);
    EXPECT_TRUE(close_at_scale(got_loss, loss, 1e-14));
    EXPECT_NEAR(totals.weight, total_weight.item<double>(), 1e-14);

    const Tensor grad_loss = none ? rng.uniform({5, 3}, kFloat64) : full({}, 1.3, kFloat64);
    const Tensor expected =
        nll_loss_backward(grad_loss, x, target, weight, reduction, 3, total_weight);
    Tensor got = zeros_like(expected);
    run_each(
        cuda::NllLossBackwardBody<double>{got.data_ptr<double>(), grad_loss.data_ptr<double>(),
                                          target.data_ptr<int64_t>(), weight.data_ptr<double>(),
                                          total_weight.data_ptr<double>(), &bad, args},
        15);
    EXPECT_TRUE(close_at_scale(got, expected, 1e-14));
  }
  EXPECT_EQ(bad, cuda::kNoBadPosition);

  const Tensor bad_target = tensor(std::vector<double>{0, 4, 1, -2, 0}, {5, 1}).to(kInt64);
  args.inner = 1;
  std::vector<double> per_weight(5);
  run_each(cuda::NllLossBody<double>{x.data_ptr<double>(), bad_target.data_ptr<int64_t>(), nullptr,
                                     nullptr, nullptr, per_weight.data(), &bad, args},
           5);
  EXPECT_EQ(bad, 1u);
}

// ---- normalization ----
// The partial sums the GPU's channel_partials_kernel computes, summed here in row order.
std::vector<cuda::PartialSums> channel_partials(const Tensor& x3, const Tensor& dy3,
                                                const std::vector<double>& mean, int64_t parts) {
  const int64_t n = x3.size(0), channels = x3.size(1), spatial = x3.size(2);
  const std::vector<double> x = values(x3);
  const std::vector<double> g = dy3.defined() ? values(dy3) : std::vector<double>();
  std::vector<cuda::PartialSums> out(static_cast<size_t>(channels * parts));
  for (int64_t c = 0; c < channels; ++c) {
    const double center = dy3.defined() ? mean[c] : x[c * spatial];
    for (int64_t part = 0; part < parts; ++part) {
      int64_t first, last;
      cuda::part_rows(part, parts, n, &first, &last);
      double a = 0, b = 0;
      for (int64_t r = first; r < last; ++r) {
        for (int64_t s = 0; s < spatial; ++s) {
          const size_t i = static_cast<size_t>((r * channels + c) * spatial + s);
          const double d = x[i] - center;
          if (dy3.defined()) {
            a += g[i];
            b += g[i] * d;
          } else {
            a += d;
            b += d * d;
          }
        }
      }
      out[c * parts + part] = {a, b};
    }
  }
  return out;
}

template <typename T>
void check_batch_norm_bodies(FreshRandom& rng, DType dtype, bool training,
                             std::vector<int64_t> shape) {
  const Tensor x = rng.uniform(shape, dtype, 2, 5);  // a mean far from 0
  const int64_t n = shape[0], channels = shape[1], spatial = x.numel() / (n * channels);
  const Tensor x3 = x.view({n, channels, spatial});
  const Tensor weight = rng.uniform({channels}, dtype, 0.5, 1.5);
  const Tensor bias = rng.uniform({channels}, dtype);
  const Tensor rm0 = rng.uniform({channels}, dtype), rv0 = rng.uniform({channels}, dtype, 0.5, 2);
  Tensor rm = rm0.clone(), rv = rv0.clone();
  const auto [y, save_mean, save_invstd] =
      native_batch_norm(x, weight, bias, rm, rv, training, 0.1, 1e-5);

  BatchNormArgs args{training, 0.1, 1e-5};
  const int64_t parts = cuda::parts_for(channels, n, spatial);
  const std::vector<cuda::PartialSums> partials =
      training ? channel_partials(x3, Tensor(), {}, parts) : std::vector<cuda::PartialSums>();
  Tensor got_rm = rm0.clone(), got_rv = rv0.clone();
  Tensor got_mean = empty({training ? channels : 0}, TensorOptions().dtype(dtype));
  Tensor got_invstd = empty_like(got_mean);
  std::vector<T> scale(static_cast<size_t>(channels)), shift(scale.size());
  run_each(cuda::BatchNormChannelBody<T>{partials.data(),
                                         x.data_ptr<T>(),
                                         parts,
                                         n,
                                         channels,
                                         spatial,
                                         weight.data_ptr<T>(),
                                         bias.data_ptr<T>(),
                                         {got_rm.data_ptr<T>(), 1},
                                         {got_rv.data_ptr<T>(), 1},
                                         training ? got_mean.data_ptr<T>() : nullptr,
                                         training ? got_invstd.data_ptr<T>() : nullptr,
                                         scale.data(),
                                         shift.data(),
                                         args},
           channels);
  Tensor got_y = empty_like(y);
  run_each(cuda::BatchNormApplyBody<T>{got_y.data_ptr<T>(), x.data_ptr<T>(), scale.data(),
                                       shift.data(), channels, spatial},
           x.numel());
  const double tol = dtype == kFloat64 ? 1e-10 : 1e-5;
  EXPECT_TRUE(close_at_scale(got_y, y, tol));
  EXPECT_TRUE(close_at_scale(got_rm, rm, tol));
  EXPECT_TRUE(close_at_scale(got_rv, rv, tol));
  if (training) {
    EXPECT_TRUE(close_at_scale(got_mean, save_mean, tol));
    EXPECT_TRUE(close_at_scale(got_invstd, save_invstd, tol));
  }

  const Tensor dy = rng.uniform(shape, dtype);
  const auto [gx, gw, gb] =
      native_batch_norm_backward(dy, x, weight, rm, rv, save_mean, save_invstd, training, 1e-5);
  std::vector<double> mean(static_cast<size_t>(channels));
  const Tensor mean_src = training ? save_mean : rm;
  for (int64_t c = 0; c < channels; ++c) mean[c] = values(mean_src)[c];
  const std::vector<cuda::PartialSums> back =
      channel_partials(x3, dy.view({n, channels, spatial}), mean, parts);
  Tensor got_gw = empty_like(gw), got_gb = empty_like(gb), got_gx = empty_like(gx);
  std::vector<cuda::BatchNormBackwardCoefficients> k(static_cast<size_t>(channels));
  run_each(cuda::BatchNormBackwardChannelBody<T>{back.data(),
                                                 parts,
                                                 n * spatial,
                                                 weight.data_ptr<T>(),
                                                 {(training ? save_mean : rm).data_ptr<T>(), 1},
                                                 {(training ? save_invstd : rv).data_ptr<T>(), 1},
                                                 got_gw.data_ptr<T>(),
                                                 got_gb.data_ptr<T>(),
                                                 k.data(),
                                                 args},
           channels);
  run_each(
      cuda::BatchNormBackwardApplyBody<T>{got_gx.data_ptr<T>(), dy.data_ptr<T>(), x.data_ptr<T>(),
                                          k.data(), channels, spatial, training},
      x.numel());
  EXPECT_TRUE(close_at_scale(got_gx, gx, tol));
  EXPECT_TRUE(close_at_scale(got_gw, gw, tol));
  EXPECT_TRUE(close_at_scale(got_gb, gb, tol));
}

TEST(NormBodies, BatchNormChannelAndElementBodiesMatchTheCpuKernels) {
  FreshRandom rng;
  for (bool training : {true, false}) {
    for (const auto& shape :
         std::vector<std::vector<int64_t>>{{8, 3, 5, 7}, {64, 6}, {300, 2, 40}}) {
      SCOPED_TRACE(::testing::Message() << "training " << training << " rank " << shape.size());
      check_batch_norm_bodies<float>(rng, kFloat32, training, shape);
      check_batch_norm_bodies<double>(rng, kFloat64, training, shape);
    }
  }
}

TEST(NormBodies, PartsDependOnlyOnShapesAndCoverEveryRow) {
  EXPECT_EQ(cuda::parts_for(64, 64, 784), 12);
  EXPECT_EQ(cuda::parts_for(2048, 64, 1), 1);
  for (int64_t parts : {1, 3, 7, 64}) {
    int64_t next = 0;
    for (int64_t p = 0; p < parts; ++p) {
      int64_t first, last;
      cuda::part_rows(p, parts, 64, &first, &last);
      EXPECT_EQ(first, next);
      EXPECT_GE(last, first);
      next = last;
    }
    EXPECT_EQ(next, 64);
  }
}

TEST(NormBodies, LayerNormColumnBodiesMatchTheCpuParameterGradients) {
  FreshRandom rng;
  const int64_t rows = 37, cols = 13;
  const Tensor x = rng.uniform({rows, cols}, kFloat64);
  const Tensor w = rng.uniform({cols}, kFloat64), b = rng.uniform({cols}, kFloat64);
  const auto [y, mean, rstd] = native_layer_norm(x, {cols}, w, b, 1e-5);
  const Tensor dy = rng.uniform({rows, cols}, kFloat64);
  const auto [gx, gw, gb] = native_layer_norm_backward(dy, x, {cols}, mean, rstd, w);
  for (int64_t parts : {int64_t{1}, int64_t{4}}) {
    std::vector<cuda::PartialSums> partials(static_cast<size_t>(parts * cols));
    const cuda::LayerNormColumnPartBody<double> part{partials.data(),
                                                     dy.data_ptr<double>(),
                                                     x.data_ptr<double>(),
                                                     mean.data_ptr<double>(),
                                                     rstd.data_ptr<double>(),
                                                     rows,
                                                     cols,
                                                     parts};
    for (int64_t p = 0; p < parts; ++p)
      for (int64_t j = 0; j < cols; ++j) part(p, j);
    Tensor got_gw = empty_like(gw), got_gb = empty_like(gb);
    run_each(
        cuda::LayerNormColumnFinishBody<double>{
            partials.data(), cols, parts, got_gw.data_ptr<double>(), got_gb.data_ptr<double>()},
        cols);
    EXPECT_TRUE(close_at_scale(got_gw, gw, 1e-12));
    EXPECT_TRUE(close_at_scale(got_gb, gb, 1e-12));
  }
}

// ---- the multi-tensor optimizer table ----
TEST(OptimizerBodies, ChunksMapToTheirTensors) {
  const std::vector<int64_t> first_chunk{0, 3, 4, 4, 9};  // tensor 2 has no chunk of its own
  EXPECT_EQ(cuda::tensor_of_chunk(first_chunk.data(), 4, 0), 0);
  EXPECT_EQ(cuda::tensor_of_chunk(first_chunk.data(), 4, 2), 0);
  EXPECT_EQ(cuda::tensor_of_chunk(first_chunk.data(), 4, 3), 1);
  EXPECT_EQ(cuda::tensor_of_chunk(first_chunk.data(), 4, 4), 3);
  EXPECT_EQ(cuda::tensor_of_chunk(first_chunk.data(), 4, 8), 3);
}

// Walks every table the way the kernel's blocks do: each chunk of each tensor, element by element.
template <typename Element>
struct CpuLaunch {
  Element element;
  int* launches;
  template <typename Table>
  void operator()(const Table& table, int64_t chunks) const {
    ++*launches;
    EXPECT_LE(table.count, cuda::kMaxTensorsPerLaunch);
    for (int64_t block = 0; block < chunks; ++block) {
      const int t = cuda::tensor_of_chunk(table.first_chunk, table.count, block);
      const int64_t begin = (block - table.first_chunk[t]) * cuda::kOptimizerChunk;
      const int64_t end = std::min(table.numel[t], begin + cuda::kOptimizerChunk);
      ASSERT_LT(begin, end) << "block " << block << " has no elements";
      for (int64_t i = begin; i < end; ++i) cuda::update_element(table, t, i, element);
    }
  }
};

std::vector<Tensor> clones(const std::vector<Tensor>& v) {
  std::vector<Tensor> out;
  for (const Tensor& t : v) out.push_back(t.clone());
  return out;
}

TEST(OptimizerBodies, AdamTablesUpdateLikeTheCpuRowAcrossChunksAndLaunches) {
  FreshRandom rng;
  // 100 tensors (two tables), one spanning three chunks, one empty.
  std::vector<Tensor> params, grads, m, v, vmax;
  std::vector<int64_t> steps;
  for (int i = 0; i < 100; ++i) {
    const int64_t n = i == 7 ? 150001 : (i == 50 ? 0 : 1 + (i * 37) % 300);
    params.push_back(rng.uniform({n}, kFloat32, 0.5, 2));
    grads.push_back(rng.uniform({n}, kFloat32));
    m.push_back(rng.uniform({n}, kFloat32, -0.1, 0.1));
    v.push_back(rng.uniform({n}, kFloat32, 0, 0.1));
    vmax.push_back(rng.uniform({n}, kFloat32, 0, 0.1));
    steps.push_back(1 + i % 5);
  }
  AdamStepArgs args;
  args.lr = 0.01;
  args.beta1 = 0.9;
  args.beta2 = 0.99;
  args.eps = 1e-8;
  args.weight_decay = 0.01;
  args.amsgrad = true;
  args.decoupled_weight_decay = true;
  std::vector<Tensor> ep = clones(params), em = clones(m), ev = clones(v), evmax = clones(vmax);
  kernel_for<OpId::adam_step>(Device(kCPU))(ep, grads, em, ev, evmax, steps, args);

  int launches = 0;
  using Element = cuda::AdamElement<true, optim_math::AdamWeightDecay::decoupled>;
  cuda::for_each_table<float, 5>(
      {params, grads, m, v, vmax},
      [&](size_t i) { return optim_math::adam_scalars<float>(args, steps[i]); },
      [](size_t) { return int32_t{0}; }, CpuLaunch<Element>{Element{}, &launches});
  EXPECT_EQ(launches, 2);
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(close_at_scale(params[i], ep[i], 1e-6)) << "parameter " << i;
    EXPECT_TRUE(close_at_scale(m[i], em[i], 1e-6)) << "exp_avg " << i;
    EXPECT_TRUE(close_at_scale(vmax[i], evmax[i], 1e-6)) << "max_exp_avg_sq " << i;
  }
}

TEST(OptimizerBodies, SgdFirstMomentumStepIsPerTensor) {
  FreshRandom rng;
  std::vector<Tensor> params, grads, bufs;
  for (int64_t n : {5, 70000, 3}) {
    params.push_back(rng.uniform({n}, kFloat64));
    grads.push_back(rng.uniform({n}, kFloat64));
    bufs.push_back(rng.uniform({n}, kFloat64));
  }
  const std::vector<int64_t> steps{1, 4, 1};
  SgdStepArgs args;
  args.lr = 0.1;
  args.momentum = 0.9;
  args.dampening = 0.1;
  args.nesterov = true;
  std::vector<Tensor> ep = clones(params), eb = clones(bufs);
  kernel_for<OpId::sgd_step>(Device(kCPU))(ep, grads, eb, steps, args);
  int launches = 0;
  using Element = cuda::SgdElement<true, true, false>;
  const auto s = optim_math::sgd_scalars<double>(args);
  cuda::for_each_table<double, 3>(
      {params, grads, bufs}, [&](size_t) { return s; },
      [&](size_t i) { return int32_t{steps[i] == 1}; }, CpuLaunch<Element>{Element{}, &launches});
  EXPECT_EQ(launches, 1);
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(close_at_scale(params[i], ep[i], 1e-14));
    EXPECT_TRUE(close_at_scale(bufs[i], eb[i], 1e-14));
  }
}

}  // namespace
}  // namespace ember::testing
