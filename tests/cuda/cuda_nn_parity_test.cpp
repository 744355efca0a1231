// Every NN row's CUDA result against its CPU result on fresh random inputs, forward and backward:
// gemm (contiguous, transposed, sliced and broadcast operands, biases through cuBLASLt's epilogue
// and through the general path, TF32 only when allowed), conv2d (MNIST CNN shapes, odd sizes,
// stride, padding, dilation, groups, partial gradient masks, TF32 off), pooling, batch_norm and
// layer_norm, softmax and log_softmax (warp rows, block rows, vectorised or not, other dims),
// cross_entropy and nll_loss (weights, ignore_index, label smoothing, probabilities, K-d inputs,
// every reduction), embedding. Tolerances: rel 1e-4 float32 gemm/conv (TF32 off), 1e-5 float32
// losses, softmax and norms, 1e-10 float64, measured at each tensor's scale; pooling and
// embedding bit for bit. Backward passes run twice and must be bit-identical (determinism), and
// bad class targets or indices raise the CPU's IndexError word for word. All skip without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cuda_test_util.h"

namespace ember::testing {
namespace {

const bool kRegistered = register_parity_tested({"gemm",
                                                 "conv2d",
                                                 "conv2d_backward",
                                                 "max_pool2d",
                                                 "max_pool2d_backward",
                                                 "avg_pool2d",
                                                 "avg_pool2d_backward",
                                                 "adaptive_avg_pool2d",
                                                 "adaptive_avg_pool2d_backward",
                                                 "batch_norm",
                                                 "batch_norm_backward",
                                                 "layer_norm",
                                                 "layer_norm_backward",
                                                 "softmax",
                                                 "log_softmax",
                                                 "softmax_backward",
                                                 "log_softmax_backward",
                                                 "cross_entropy",
                                                 "cross_entropy_backward",
                                                 "nll_loss",
                                                 "nll_loss_backward",
                                                 "embedding",
                                                 "embedding_backward"});

Tensor gpu(const Tensor& t) {
  return t.defined() ? t.to(cuda0()) : t;
}

double gemm_tol(DType d) {
  return d == kFloat64 ? 1e-10 : 1e-4;
}
double loss_tol(DType d) {
  return d == kFloat64 ? 1e-10 : 1e-5;
}

// |actual - expected| <= rtol * max |expected| element by element (actual read from the GPU).
::testing::AssertionResult close_at_scale(const Tensor& actual, const Tensor& expected,
                                          double rtol) {
  if (actual.defined() != expected.defined())
    return ::testing::AssertionFailure() << "one of the results is undefined";
  if (!actual.defined()) return ::testing::AssertionSuccess();
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure()
           << "shapes differ: " << actual.shape_str() << " vs " << expected.shape_str();
  if (actual.dtype() != expected.dtype()) return ::testing::AssertionFailure() << "dtypes differ";
  const std::vector<double> e = host_values(expected);
  double scale = 0;
  for (double v : e) scale = std::max(scale, std::fabs(v));
  return all_close(host_values(actual), e, rtol, rtol * std::max(scale, 1e-300));
}

// TF32 off (the default) for a scope, whatever a previous test left.
class Tf32Scope {
 public:
  explicit Tf32Scope(bool allow) : saved_(allow_tf32()) { set_allow_tf32(allow); }
  ~Tf32Scope() { set_allow_tf32(saved_); }

 private:
  bool saved_;
};

// Runs cpu() and gpu(), which must both throw E, and checks the messages are the same.
template <typename E>
::testing::AssertionResult same_error(const std::function<void()>& cpu,
                                      const std::function<void()>& on_gpu) {
  std::string messages[2];
  const std::function<void()>* fns[2] = {&cpu, &on_gpu};
  for (int i = 0; i < 2; ++i) {
    try {
      (*fns[i])();
      return ::testing::AssertionFailure() << (i == 0 ? "CPU" : "CUDA") << " did not throw";
    } catch (const E& e) {
      messages[i] = e.what();
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure()
             << (i == 0 ? "CPU" : "CUDA") << " threw another error: " << e.what();
    }
  }
  if (messages[0] != messages[1])
    return ::testing::AssertionFailure()
           << "CPU: \"" << messages[0] << "\"\nCUDA: \"" << messages[1] << "\"";
  return ::testing::AssertionSuccess();
}

const std::vector<DType> kFloat32And64{kFloat32, kFloat64};

// ---------------------------------------------------------------- gemm
// A [rows, cols] operand reached from a fresh base by a view; the same view of the base's copy
// on the GPU has the same strides, so the kernel sees the layout itself.
struct OperandLayout {
  const char* name;
  std::vector<int64_t> (*base)(int64_t rows, int64_t cols);
  Tensor (*view)(const Tensor& base, int64_t rows, int64_t cols);
};

const std::vector<OperandLayout>& operand_layouts() {
  static const std::vector<OperandLayout> l{
      {"contiguous",
       [](int64_t r, int64_t c) {
         return std::vector<int64_t>{r, c};
       },
       [](const Tensor& t, int64_t, int64_t) { return t; }},
      {"transposed",
       [](int64_t r, int64_t c) {
         return std::vector<int64_t>{c, r};
       },
       [](const Tensor& t, int64_t, int64_t) { return t.t(); }},
      // A column slice: row-major with a leading dimension larger than the width.
      {"column slice",
       [](int64_t r, int64_t c) {
         return std::vector<int64_t>{r, c + 7};
       },
       [](const Tensor& t, int64_t, int64_t c) { return t.slice(1, 3, 3 + c); }},
      // A transposed row slice: column-major with a larger leading dimension.
      {"transposed slice",
       [](int64_t r, int64_t c) {
         return std::vector<int64_t>{c + 5, r + 2};
       },
       [](const Tensor& t, int64_t r, int64_t c) {
         return t.slice(0, 2, 2 + c).slice(1, 1, 1 + r).t();
       }},
      // No unit stride: the op copies it.
      {"strided",
       [](int64_t r, int64_t c) {
         return std::vector<int64_t>{r, 2 * c};
       },
       [](const Tensor& t, int64_t, int64_t c) { return t.slice(1, 0, 2 * c, 2); }},
  };
  return l;
}

TEST(CudaGemmParity, MatchesCpuOnContiguousTransposedAndSlicedOperands) {
  EMBER_REQUIRE_CUDA();
  ASSERT_TRUE(kRegistered);
  Tf32Scope tf32(false);
  FreshRandom rng;
  for (DType dtype : kFloat32And64) {
    const int64_t M = 37, K = 29, N = 53;
    for (const OperandLayout& la : operand_layouts()) {
      for (const OperandLayout& lb : operand_layouts()) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + la.name + " @ " + lb.name);
        const Tensor base_a = rng.uniform(la.base(M, K), dtype);
        const Tensor base_b = rng.uniform(lb.base(K, N), dtype);
        const Tensor a = la.view(base_a, M, K), b = lb.view(base_b, K, N);
        const Tensor ga = la.view(gpu(base_a), M, K), gb = lb.view(gpu(base_b), K, N);
        ASSERT_TRUE(ga.strides() == a.strides());
        EXPECT_TRUE(close_at_scale(mm(ga, gb), mm(a, b), gemm_tol(dtype)));
        EXPECT_TRUE(close_at_scale(matmul(ga.unsqueeze(0).expand({3, M, K}), gb),
                                   matmul(a.unsqueeze(0).expand({3, M, K}), b), gemm_tol(dtype)));
      }
    }
  }
}

TEST(CudaGemmParity, LayoutsSurviveTheCopyToTheDevice) {
  EMBER_REQUIRE_CUDA();
  Tf32Scope tf32(false);
  FreshRandom rng;
  // Views taken on the device of device tensors: the kernel sees the transposed and sliced
  // strides themselves.
  const Tensor base_a = gpu(rng.uniform({40, 50}, kFloat32));
  const Tensor base_b = gpu(rng.uniform({60, 45}, kFloat32));
  const Tensor a = base_a.slice(1, 5, 36).t();  // [31, 40], column-major with ld 50
  const Tensor b = base_b.slice(0, 10, 50);     // [40, 45], row-major with ld 45
  EXPECT_TRUE(close_at_scale(mm(a, b), mm(a.to(kCPU), b.to(kCPU)), 1e-4));
  const Tensor c = base_b.t().slice(1, 0, 31);  // [45, 31] column-major
  EXPECT_TRUE(close_at_scale(mm(c, a), mm(c.to(kCPU), a.to(kCPU)), 1e-4));
}

TEST(CudaGemmParity, BatchedAndBroadcastProducts) {
  EMBER_REQUIRE_CUDA();
  Tf32Scope tf32(false);
  FreshRandom rng;
  for (DType dtype : kFloat32And64) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor a = rng.uniform({4, 5, 6}, dtype), b = rng.uniform({4, 6, 3}, dtype);
    EXPECT_TRUE(close_at_scale(bmm(gpu(a), gpu(b)), bmm(a, b), gemm_tol(dtype)));
    const Tensor bt = rng.uniform({4, 3, 6}, dtype).transpose(1, 2);
    EXPECT_TRUE(close_at_scale(bmm(gpu(a), gpu(bt)), bmm(a, bt), gemm_tol(dtype)));
    // Broadcast batch dims (batch stride 0) and a batch folded into rows.
    const Tensor x = rng.uniform({2, 1, 5, 6}, dtype), y = rng.uniform({3, 6, 4}, dtype);
    EXPECT_TRUE(close_at_scale(matmul(gpu(x), gpu(y)), matmul(x, y), gemm_tol(dtype)));
    const Tensor w = rng.uniform({6, 7}, dtype);
    EXPECT_TRUE(close_at_scale(matmul(gpu(x), gpu(w)), matmul(x, w), gemm_tol(dtype)));
    const Tensor v = rng.uniform({6}, dtype);
    EXPECT_TRUE(close_at_scale(matmul(gpu(x), gpu(v)), matmul(x, v), gemm_tol(dtype)));
    EXPECT_TRUE(close_at_scale(matmul(gpu(v), gpu(w)), matmul(v, w), gemm_tol(dtype)));
    EXPECT_TRUE(close_at_scale(matmul(gpu(v), gpu(v)), matmul(v, v), gemm_tol(dtype)));
    const Tensor big_a = rng.uniform({3, 128, 96}, dtype), big_b = rng.uniform({96, 200}, dtype);
    EXPECT_TRUE(close_at_scale(matmul(gpu(big_a), gpu(big_b).expand({3, 96, 200})),
                               matmul(big_a, big_b), gemm_tol(dtype)));
  }
}

TEST(CudaGemmParity, AddmmAndLinearBiases) {
  EMBER_REQUIRE_CUDA();
  Tf32Scope tf32(false);
  FreshRandom rng;
  for (DType dtype : kFloat32And64) {
    SCOPED_TRACE(dtype_name(dtype));
    for (std::array<int64_t, 3> mkn :
         {std::array<int64_t, 3>{7, 5, 9}, {64, 784, 128}, {256, 512, 384}, {33, 17, 1}}) {
      const int64_t M = mkn[0], K = mkn[1], N = mkn[2];
      SCOPED_TRACE(::testing::Message() << M << "x" << K << "x" << N);
      const Tensor a = rng.uniform({M, K}, dtype), b = rng.uniform({K, N}, dtype);
      for (const Tensor& bias : {rng.uniform({N}, dtype), rng.uniform({M, 1}, dtype),
                                 rng.uniform({M, N}, dtype), rng.uniform({}, dtype)}) {
        SCOPED_TRACE(bias.shape_str());
        EXPECT_TRUE(
            close_at_scale(addmm(gpu(bias), gpu(a), gpu(b)), addmm(bias, a, b), gemm_tol(dtype)));
        EXPECT_TRUE(close_at_scale(addmm(gpu(bias), gpu(a), gpu(b), 0.5, 2.0),
                                   addmm(bias, a, b, 0.5, 2.0), gemm_tol(dtype)));
        EXPECT_TRUE(close_at_scale(addmm(gpu(bias), gpu(a), gpu(b), 0, 1.5),
                                   addmm(bias, a, b, 0, 1.5), gemm_tol(dtype)));
      }
      // linear: x [M, K], weight [N, K] (the transposed operand), bias [N] through the epilogue.
      const Tensor weight = rng.uniform({N, K}, dtype), bias = rng.uniform({N}, dtype);
      EXPECT_TRUE(close_at_scale(linear(gpu(a), gpu(weight), gpu(bias)), linear(a, weight, bias),
                                 gemm_tol(dtype)));
      EXPECT_TRUE(close_at_scale(linear(gpu(a), gpu(weight)), linear(a, weight), gemm_tol(dtype)));
      // A bias at an address only 4-byte aligned (the epilogue's alignment is part of its plan).
      const Tensor wide = gpu(rng.uniform({N + 1}, dtype));
      const Tensor odd_bias = wide.slice(0, 1, N + 1);
      EXPECT_TRUE(close_at_scale(linear(gpu(a), gpu(weight), odd_bias),
                                 linear(a, weight, odd_bias.to(kCPU)), gemm_tol(dtype)));
      // A batched linear (rows of several leading dims).
      const Tensor x3 = rng.uniform({2, 3, K}, dtype);
      EXPECT_TRUE(close_at_scale(linear(gpu(x3), gpu(weight), gpu(bias)), linear(x3, weight, bias),
                                 gemm_tol(dtype)));
    }
  }
}

TEST(CudaGemmParity, EmptyInnerDimensionGivesBetaTimesBias) {
  EMBER_REQUIRE_CUDA();
  const Tensor a = empty({4, 0}), b = empty({0, 3});
  const Tensor bias = tensor({1.0f, 2.0f, 3.0f});
  EXPECT_TRUE(identical(mm(gpu(a), gpu(b)), zeros({4, 3})));
  EXPECT_TRUE(close_at_scale(addmm(gpu(bias), gpu(a), gpu(b), 0.5), addmm(bias, a, b, 0.5), 0));
  EXPECT_TRUE(close_at_scale(addmm(gpu(bias), gpu(a), gpu(b)), addmm(bias, a, b), 0));
}

// max |x - ref| / max |ref|.
double scaled_error(const Tensor& x, const Tensor& ref) {
  const std::vector<double> a = host_values(x), e = host_values(ref);
  double err = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::fabs(a[i] - e[i]));
    scale = std::max(scale, std::fabs(e[i]));
  }
  return err / scale;
}

TEST(CudaGemmParity, Tf32OnlyWhenAllowed) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  const Tensor a = rng.uniform({512, 512}, kFloat32, -1, 1);
  const Tensor b = rng.uniform({512, 512}, kFloat32, -1, 1);
  const Tensor reference = mm(a.to(kFloat64), b.to(kFloat64));
  double off = 0, on = 0;
  {
    Tf32Scope tf32(false);
    off = scaled_error(mm(gpu(a), gpu(b)), reference);
  }
  {
    Tf32Scope tf32(true);
    on = scaled_error(mm(gpu(a), gpu(b)), reference);
  }
  RecordProperty("fp32_error", std::to_string(off));
  RecordProperty("tf32_error", std::to_string(on));
  EXPECT_LT(off, 1e-5) << "full float32 without TF32";
  EXPECT_GT(on, 10 * off) << "TF32 (10-bit mantissas) when allowed";
  EXPECT_LT(on, 1e-2);
  EXPECT_FALSE(allow_tf32()) << "the scope restores the switch";
}

// ---------------------------------------------------------------- conv2d
struct ConvCase {
  const char* name;
  std::vector<int64_t> input, weight;
  std::array<int64_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  bool bias = true;
};

const std::vector<ConvCase>& conv_cases() {
  static const std::vector<ConvCase> c{
      {"mnist_conv1", {64, 1, 28, 28}, {32, 1, 3, 3}},
      {"mnist_conv2", {64, 32, 26, 26}, {64, 32, 3, 3}},
      {"odd_stride_pad_dilation", {3, 4, 13, 11}, {6, 4, 3, 5}, {2, 1}, {1, 2}, {2, 1}},
      {"groups", {2, 6, 9, 10}, {9, 2, 3, 3}, {1, 2}, {1, 1}, {1, 1}, 3, false},
      {"depthwise", {2, 8, 12, 12}, {16, 1, 3, 3}, {2, 2}, {1, 1}, {1, 1}, 8},
      {"pointwise", {4, 5, 7, 9}, {3, 5, 1, 1}},
      {"stride_skips_input", {2, 3, 10, 10}, {4, 3, 2, 2}, {3, 3}},
      {"unbatched", {3, 9, 8}, {5, 3, 3, 3}, {1, 1}, {1, 1}},
  };
  return c;
}

TEST(CudaConvParity, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Tf32Scope tf32(false);
  FreshRandom rng;
  for (const ConvCase& c : conv_cases()) {
    for (DType dtype : kFloat32And64) {
      SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)));
      const Tensor x = rng.uniform(c.input, dtype), w = rng.uniform(c.weight, dtype, -0.5, 0.5);
      const Tensor bias = c.bias ? rng.uniform({c.weight[0]}, dtype) : Tensor();
      const Tensor y = conv2d(x, w, bias, c.stride, c.padding, c.dilation, c.groups);
      const Tensor gy_y =
          conv2d(gpu(x), gpu(w), gpu(bias), c.stride, c.padding, c.dilation, c.groups);
      EXPECT_TRUE(close_at_scale(gy_y, y, gemm_tol(dtype)));
      const Tensor dy = rng.uniform(y.sizes(), dtype);
      const auto [gx, gw, gb] =
          conv2d_backward(dy, x, w, c.stride, c.padding, c.dilation, c.groups);
      const auto [cx, cw, cb] =
          conv2d_backward(gpu(dy), gpu(x), gpu(w), c.stride, c.padding, c.dilation, c.groups);
      EXPECT_TRUE(close_at_scale(cx, gx, gemm_tol(dtype))) << "grad_input";
      EXPECT_TRUE(close_at_scale(cw, gw, gemm_tol(dtype))) << "grad_weight";
      EXPECT_TRUE(close_at_scale(cb, gb, gemm_tol(dtype))) << "grad_bias";
      // Determinism: a second backward is bit-identical.
      const auto [cx2, cw2, cb2] =
          conv2d_backward(gpu(dy), gpu(x), gpu(w), c.stride, c.padding, c.dilation, c.groups);
      EXPECT_TRUE(same_bits(cx2, cx));
      EXPECT_TRUE(same_bits(cw2, cw));
      EXPECT_TRUE(same_bits(cb2, cb));
    }
  }
}

TEST(CudaConvParity, PartialMasksAndEmptyBatches) {
  EMBER_REQUIRE_CUDA();
  Tf32Scope tf32(false);
  FreshRandom rng;
  const Tensor x = rng.uniform({2, 3, 8, 8}, kFloat32), w = rng.uniform({4, 3, 3, 3}, kFloat32);
  const Tensor dy = rng.uniform({2, 4, 6, 6}, kFloat32);
  const auto [gx, gw, gb] =
      conv2d_backward(gpu(dy), gpu(x), gpu(w), 1, 0, 1, 1, {false, true, false});
  EXPECT_FALSE(gx.defined());
  EXPECT_FALSE(gb.defined());
  EXPECT_TRUE(close_at_scale(gw, std::get<1>(conv2d_backward(dy, x, w, 1, 0, 1, 1)), 1e-4));
  // An empty batch: no output, and zero weight and bias gradients.
  const Tensor x0 = empty({0, 3, 8, 8}), dy0 = empty({0, 4, 6, 6});
  EXPECT_EQ(conv2d(gpu(x0), gpu(w)).numel(), 0);
  const auto [hx, hw, hb] = conv2d_backward(gpu(dy0), gpu(x0), gpu(w), 1, 0, 1, 1);
  EXPECT_TRUE(identical(hw, zeros({4, 3, 3, 3})));
  EXPECT_TRUE(identical(hb, zeros({4})));
}

TEST(CudaConvParity, NoTf32UnlessAllowed) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  const Tensor x = rng.uniform({16, 64, 32, 32}, kFloat32, -1, 1);
  const Tensor w = rng.uniform({64, 64, 3, 3}, kFloat32, -1, 1);
  const Tensor reference = conv2d(gpu(x.to(kFloat64)), gpu(w.to(kFloat64)), {}, 1, 1);
  double off = 0, on = 0;
  {
    Tf32Scope tf32(false);
    off = scaled_error(conv2d(gpu(x), gpu(w), {}, 1, 1), reference);
  }
  {
    Tf32Scope tf32(true);
    on = scaled_error(conv2d(gpu(x), gpu(w), {}, 1, 1), reference);
  }
  RecordProperty("fp32_error", std::to_string(off));
  RecordProperty("tf32_error", std::to_string(on));
  EXPECT_LT(off, 1e-5) << "full float32 without TF32";
  EXPECT_LT(on, 1e-2) << "TF32 allowed: cuDNN may use it (or not, if slower)";
}

// ---------------------------------------------------------------- pooling
TEST(CudaPoolParity, ForwardAndBackwardEqualCpuBitForBit) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  struct Geometry {
    std::array<int64_t, 2> kernel, stride, padding, dilation;
    bool ceil_mode, count_include_pad;
    std::optional<int64_t> divisor;
  };
  const std::vector<Geometry> geometries{
      {{2, 2}, {2, 2}, {0, 0}, {1, 1}, false, true, std::nullopt},
      {{3, 3}, {2, 2}, {1, 1}, {1, 1}, false, true, std::nullopt},
      {{3, 2}, {1, 2}, {1, 0}, {1, 1}, true, false, std::nullopt},
      {{3, 3}, {2, 3}, {1, 1}, {2, 1}, true, true, std::nullopt},
      {{2, 3}, {3, 1}, {1, 1}, {1, 2}, false, false, 5},
  };
  for (DType dtype : kFloat32And64) {
    for (const std::vector<int64_t>& shape :
         {std::vector<int64_t>{64, 32, 26, 26}, {3, 5, 11, 9}, {4, 13, 7}}) {
      const Tensor x = rng.uniform(shape, dtype);
      for (const Geometry& g : geometries) {
        SCOPED_TRACE(::testing::Message() << dtype_name(dtype) << " " << x.shape_str() << " kernel "
                                          << g.kernel[0] << "x" << g.kernel[1]);
        const auto [y, idx] =
            max_pool2d_with_indices(x, g.kernel, g.stride, g.padding, g.dilation, g.ceil_mode);
        const auto [cy, cidx] =
            max_pool2d_with_indices(gpu(x), g.kernel, g.stride, g.padding, g.dilation, g.ceil_mode);
        EXPECT_TRUE(same_bits(cy, y));
        EXPECT_TRUE(identical(cidx, idx));
        const Tensor dy = rng.uniform(y.sizes(), dtype);
        EXPECT_TRUE(
            same_bits(max_pool2d_backward(gpu(dy), gpu(x), cidx), max_pool2d_backward(dy, x, idx)));

        const Tensor a = avg_pool2d(x, g.kernel, g.stride, g.padding, g.ceil_mode,
                                    g.count_include_pad, g.divisor);
        EXPECT_TRUE(same_bits(avg_pool2d(gpu(x), g.kernel, g.stride, g.padding, g.ceil_mode,
                                         g.count_include_pad, g.divisor),
                              a));
        const Tensor da = rng.uniform(a.sizes(), dtype);
        EXPECT_TRUE(same_bits(avg_pool2d_backward(gpu(da), gpu(x), g.kernel, g.stride, g.padding,
                                                  g.ceil_mode, g.count_include_pad, g.divisor),
                              avg_pool2d_backward(da, x, g.kernel, g.stride, g.padding, g.ceil_mode,
                                                  g.count_include_pad, g.divisor)));
      }
      for (std::array<int64_t, 2> size :
           {std::array<int64_t, 2>{1, 1}, {4, 3}, {5, 7}, {shape.end()[-2], shape.end()[-1]}}) {
        const Tensor a = adaptive_avg_pool2d(x, size);
        EXPECT_TRUE(same_bits(adaptive_avg_pool2d(gpu(x), size), a));
        const Tensor da = rng.uniform(a.sizes(), dtype);
        EXPECT_TRUE(same_bits(adaptive_avg_pool2d_backward(gpu(da), gpu(x)),
                              adaptive_avg_pool2d_backward(da, x)));
      }
    }
  }
}

TEST(CudaPoolParity, BadIndicesRaiseTheCpuError) {
  EMBER_REQUIRE_CUDA();
  const Tensor x = rand({1, 2, 4, 4});
  const Tensor dy = rand({1, 2, 2, 2});
  const Tensor idx = tensor(std::vector<double>{0, 1, 4, 5, 2, 16, 7, 3}, {1, 2, 2, 2}).to(kInt64);
  EXPECT_TRUE(same_error<IndexError>([&] { max_pool2d_backward(dy, x, idx); },
                                     [&] { max_pool2d_backward(gpu(dy), gpu(x), gpu(idx)); }));
}

// ---------------------------------------------------------------- normalization
TEST(CudaNormParity, BatchNormTrainingAndEvalMatchCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  for (DType dtype : kFloat32And64) {
    for (const std::vector<int64_t>& shape :
         {std::vector<int64_t>{64, 32, 26, 26}, {8, 3, 5, 7}, {64, 100}, {300, 2, 40}, {2, 2048}}) {
      for (bool training : {true, false}) {
        for (bool affine : {true, false}) {
          SCOPED_TRACE(::testing::Message() << dtype_name(dtype) << " " << shape.size()
                                            << "-D training " << training << " affine " << affine);
          const int64_t C = shape[1];
          const Tensor x = rng.uniform(shape, dtype, 1, 4);
          const Tensor w = affine ? rng.uniform({C}, dtype, 0.5, 1.5) : Tensor();
          const Tensor b = affine ? rng.uniform({C}, dtype) : Tensor();
          Tensor rm = rng.uniform({C}, dtype), rv = rng.uniform({C}, dtype, 0.5, 2);
          Tensor grm = gpu(rm), grv = gpu(rv);
          const auto [y, mean, invstd] = native_batch_norm(x, w, b, rm, rv, training, 0.1, 1e-5);
          const auto [cy, cmean, cinvstd] =
              native_batch_norm(gpu(x), gpu(w), gpu(b), grm, grv, training, 0.1, 1e-5);
          const double tol = loss_tol(dtype);
          EXPECT_TRUE(close_at_scale(cy, y, tol));
          EXPECT_TRUE(close_at_scale(cmean, mean, tol));
          EXPECT_TRUE(close_at_scale(cinvstd, invstd, tol));
          EXPECT_TRUE(close_at_scale(grm, rm, tol)) << "running_mean";
          EXPECT_TRUE(close_at_scale(grv, rv, tol)) << "running_var";

          const Tensor dy = rng.uniform(shape, dtype);
          const auto [gx, gw, gb] =
              native_batch_norm_backward(dy, x, w, rm, rv, mean, invstd, training, 1e-5);
          const auto [cx, cw, cb] = native_batch_norm_backward(gpu(dy), gpu(x), gpu(w), grm, grv,
                                                               cmean, cinvstd, training, 1e-5);
          EXPECT_TRUE(close_at_scale(cx, gx, tol)) << "grad_input";
          EXPECT_TRUE(close_at_scale(cw, gw, tol)) << "grad_weight";
          EXPECT_TRUE(close_at_scale(cb, gb, tol)) << "grad_bias";
          const auto [cx2, cw2, cb2] = native_batch_norm_backward(gpu(dy), gpu(x), gpu(w), grm, grv,
                                                                  cmean, cinvstd, training, 1e-5);
          EXPECT_TRUE(same_bits(cx2, cx));
          EXPECT_TRUE(same_bits(cw2, cw));
        }
      }
    }
  }
}

TEST(CudaNormParity, BatchNormUpdatesStridedRunningStatistics) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  const Tensor x = rng.uniform({16, 3, 5}, kFloat32);
  Tensor stats = rng.uniform({3, 2}, kFloat32, 0.5, 1.5);  // columns as running mean / var
  Tensor gstats = gpu(stats);
  Tensor rm = stats.select(1, 0), rv = stats.select(1, 1);
  Tensor grm = gstats.select(1, 0), grv = gstats.select(1, 1);
  batch_norm(x, {}, {}, rm, rv, true, 0.3);
  batch_norm(gpu(x), {}, {}, grm, grv, true, 0.3);
  EXPECT_TRUE(close_at_scale(gstats, stats, 1e-5));
}

TEST(CudaNormParity, LayerNormForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  struct Case {
    std::vector<int64_t> shape, normalized;
    bool affine;
  };
  const std::vector<Case> cases{{{4, 7, 33}, {33}, true},
                                {{3, 2050}, {2050}, true},
                                {{5, 4, 6}, {4, 6}, false},
                                {{64, 128}, {128}, true},
                                {{1, 1}, {1}, true}};
  for (DType dtype : kFloat32And64) {
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::Message()
                   << dtype_name(dtype) << " " << c.shape.size() << "-D " << c.shape.back());
      const Tensor x = rng.uniform(c.shape, dtype, -2, 3);
      const Tensor w = c.affine ? rng.uniform(c.normalized, dtype) : Tensor();
      const Tensor b = c.affine ? rng.uniform(c.normalized, dtype) : Tensor();
      const auto [y, mean, rstd] = native_layer_norm(x, c.normalized, w, b, 1e-5);
      const auto [cy, cmean, crstd] = native_layer_norm(gpu(x), c.normalized, gpu(w), gpu(b), 1e-5);
      const double tol = loss_tol(dtype);
      EXPECT_TRUE(close_at_scale(cy, y, tol));
      EXPECT_TRUE(close_at_scale(cmean, mean, tol));
      EXPECT_TRUE(close_at_scale(crstd, rstd, tol));
      const Tensor dy = rng.uniform(c.shape, dtype);
      const auto [gx, gw, gb] = native_layer_norm_backward(dy, x, c.normalized, mean, rstd, w);
      const auto [cx, cw, cb] =
          native_layer_norm_backward(gpu(dy), gpu(x), c.normalized, cmean, crstd, gpu(w));
      EXPECT_TRUE(close_at_scale(cx, gx, tol)) << "grad_input";
      EXPECT_TRUE(close_at_scale(cw, gw, tol)) << "grad_weight";
      EXPECT_TRUE(close_at_scale(cb, gb, tol)) << "grad_bias";
      const auto [cx2, cw2, cb2] =
          native_layer_norm_backward(gpu(dy), gpu(x), c.normalized, cmean, crstd, gpu(w));
      EXPECT_TRUE(same_bits(cx2, cx));
      EXPECT_TRUE(same_bits(cw2, cw));
    }
  }
}

// ---------------------------------------------------------------- softmax
TEST(CudaSoftmaxParity, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  struct Case {
    std::vector<int64_t> shape;
    int64_t dim;
  };
  // Warp rows (vectorised or not), block rows (vectorised or not), other dims, one element.
  const std::vector<Case> cases{{{64, 10}, 1},   {{33, 64}, -1}, {{7, 3001}, 1}, {{5, 4096}, 1},
                                {{13, 6, 5}, 0}, {{3, 7, 5}, 1}, {{9, 1}, 1},    {{2, 3, 1030}, 2}};
  for (DType dtype : kFloat32And64) {
    for (const Case& c : cases) {
      for (bool log : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << dtype_name(dtype) << " dim " << c.dim << " of " << c.shape.size()
                     << "-D, last " << c.shape.back() << (log ? " log_softmax" : " softmax"));
        // Large logits: exp overflows unless the maximum is subtracted first.
        const Tensor x = rng.uniform(c.shape, dtype, -80, 80);
        const Tensor y = log ? log_softmax(x, c.dim) : softmax(x, c.dim);
        const Tensor cy = log ? log_softmax(gpu(x), c.dim) : softmax(gpu(x), c.dim);
        const double tol = loss_tol(dtype);
        EXPECT_TRUE(close_at_scale(cy, y, tol));
        const Tensor dy = rng.uniform(c.shape, dtype);
        const Tensor gx = log ? log_softmax_backward(dy, y, c.dim) : softmax_backward(dy, y, c.dim);
        const Tensor cx = log ? log_softmax_backward(gpu(dy), gpu(y), c.dim)
                              : softmax_backward(gpu(dy), gpu(y), c.dim);
        EXPECT_TRUE(close_at_scale(cx, gx, tol));
        const Tensor cx2 = log ? log_softmax_backward(gpu(dy), gpu(y), c.dim)
                               : softmax_backward(gpu(dy), gpu(y), c.dim);
        EXPECT_TRUE(same_bits(cx2, cx));
      }
    }
  }
}

TEST(CudaSoftmaxParity, NonFiniteRowsLikeCpu) {
  EMBER_REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor x =
      tensor(std::vector<double>{-inf, -inf, -inf, 1, -inf, 2, std::nan(""), 0, 1, 3, 3, 3}, {4, 3})
          .to(kFloat32);
  for (bool log : {false, true}) {
    const Tensor y = log ? log_softmax(x, 1) : softmax(x, 1);
    const Tensor cy = log ? log_softmax(gpu(x), 1) : softmax(gpu(x), 1);
    EXPECT_TRUE(all_close(host_values(cy), host_values(y), 1e-6, 1e-7)) << "log " << log;
  }
}

// ---------------------------------------------------------------- cross_entropy, nll_loss
struct ClassLossCase {
  const char* name;
  std::vector<int64_t> shape;  // [N, C, d...]
  bool weighted, probabilities;
  int64_t ignore_index;
  double smoothing;
};

const std::vector<ClassLossCase>& class_loss_cases() {
  static const std::vector<ClassLossCase> c{
      {"mnist", {64, 10}, false, false, -100, 0.0},
      {"weights_ignore", {33, 1000}, true, false, 3, 0.0},
      {"block_rows_smoothing", {8, 5001}, true, false, -100, 0.1},
      {"block_rows_vectorised", {16, 4096}, false, false, 0, 0.0},
      {"probabilities_smoothing", {32, 100}, true, true, -100, 0.2},
      {"block_probabilities", {4, 2048}, false, true, -100, 0.0},
      {"spatial", {4, 5, 3, 6}, true, false, 1, 0.05},
      {"spatial_probabilities", {2, 7, 9}, false, true, -100, 0.3},
      {"one_class", {5, 1}, false, false, -100, 0.0},
  };
  return c;
}

Tensor class_target(FreshRandom& rng, const ClassLossCase& c, DType dtype) {
  if (c.probabilities) return softmax(rng.uniform(c.shape, dtype, -2, 2), 1);
  std::vector<int64_t> shape = c.shape;
  shape.erase(shape.begin() + 1);
  return rng.uniform(shape, kFloat64, 0, static_cast<double>(c.shape[1])).to(kInt64);
}

TEST(CudaCrossEntropyParity, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  for (const ClassLossCase& c : class_loss_cases()) {
    for (DType dtype : kFloat32And64) {
      const Tensor x = rng.uniform(c.shape, dtype, -5, 5);
      const Tensor target = class_target(rng, c, dtype);
      const Tensor weight = c.weighted ? rng.uniform({c.shape[1]}, dtype, 0.2, 2) : Tensor();
      for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        SCOPED_TRACE(::testing::Message()
                     << c.name << " " << dtype_name(dtype) << " reduction " << static_cast<int>(r));
        const double tol = loss_tol(dtype);
        const auto [loss, lse] =
            cross_entropy_forward(x, target, weight, r, c.ignore_index, c.smoothing);
        const auto [closs, clse] =
            cross_entropy_forward(gpu(x), gpu(target), gpu(weight), r, c.ignore_index, c.smoothing);
        EXPECT_TRUE(close_at_scale(closs, loss, tol)) << "loss";
        EXPECT_TRUE(close_at_scale(clse, lse, tol)) << "log_sum_exp";
        const auto [closs2, clse2] =
            cross_entropy_forward(gpu(x), gpu(target), gpu(weight), r, c.ignore_index, c.smoothing);
        EXPECT_TRUE(same_bits(closs2, closs)) << "a reduced loss sums in a fixed order";

        const Tensor dloss =
            r == Reduction::None ? rng.uniform(loss.sizes(), dtype) : full({}, 0.75, dtype);
        const Tensor gx =
            cross_entropy_backward(dloss, x, target, lse, weight, r, c.ignore_index, c.smoothing);
        const Tensor cx = cross_entropy_backward(gpu(dloss), gpu(x), gpu(target), clse, gpu(weight),
                                                 r, c.ignore_index, c.smoothing);
        EXPECT_TRUE(close_at_scale(cx, gx, tol)) << "grad_input";
        const Tensor cx2 = cross_entropy_backward(gpu(dloss), gpu(x), gpu(target), clse,
                                                  gpu(weight), r, c.ignore_index, c.smoothing);
        EXPECT_TRUE(same_bits(cx2, cx));
      }
    }
  }
}

TEST(CudaCrossEntropyParity, NllLossForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  for (const ClassLossCase& c : class_loss_cases()) {
    if (c.probabilities) continue;
    for (DType dtype : kFloat32And64) {
      const Tensor x = log_softmax(rng.uniform(c.shape, dtype, -5, 5), 1);
      const Tensor target = class_target(rng, c, dtype);
      const Tensor weight = c.weighted ? rng.uniform({c.shape[1]}, dtype, 0.2, 2) : Tensor();
      for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        SCOPED_TRACE(::testing::Message()
                     << c.name << " " << dtype_name(dtype) << " reduction " << static_cast<int>(r));
        const double tol = loss_tol(dtype);
        const auto [loss, total] = nll_loss_forward(x, target, weight, r, c.ignore_index);
        const auto [closs, ctotal] =
            nll_loss_forward(gpu(x), gpu(target), gpu(weight), r, c.ignore_index);
        EXPECT_TRUE(close_at_scale(closs, loss, tol));
        EXPECT_TRUE(close_at_scale(ctotal, total, tol));
        const Tensor dloss =
            r == Reduction::None ? rng.uniform(loss.sizes(), dtype) : full({}, 1.25, dtype);
        const Tensor gx = nll_loss_backward(dloss, x, target, weight, r, c.ignore_index, total);
        const Tensor cx = nll_loss_backward(gpu(dloss), gpu(x), gpu(target), gpu(weight), r,
                                            c.ignore_index, ctotal);
        EXPECT_TRUE(close_at_scale(cx, gx, tol));
      }
    }
  }
}

TEST(CudaCrossEntropyParity, BadTargetsRaiseTheCpuError) {
  EMBER_REQUIRE_CUDA();
  const Tensor x = rand({6, 10});
  for (const std::vector<double>& t :
       {std::vector<double>{1, 2, 3, 10, 4, 11}, std::vector<double>{0, -1, 2, 3, -100, 5}}) {
    const Tensor target = tensor(t, {6}).to(kInt64);
    EXPECT_TRUE(same_error<IndexError>([&] { cross_entropy(x, target); },
                                       [&] { cross_entropy(gpu(x), gpu(target)); }));
    EXPECT_TRUE(
        same_error<IndexError>([&] { cross_entropy(x, target, {}, Reduction::None); },
                               [&] { cross_entropy(gpu(x), gpu(target), {}, Reduction::None); }));
    EXPECT_TRUE(same_error<IndexError>([&] { nll_loss(x, target); },
                                       [&] { nll_loss(gpu(x), gpu(target)); }));
    const Tensor lse = zeros({6}), total = ones({});
    EXPECT_TRUE(same_error<IndexError>(
        [&] { cross_entropy_backward(ones({}), x, target, lse, {}, Reduction::Mean, -100, 0); },
        [&] {
          cross_entropy_backward(gpu(ones({})), gpu(x), gpu(target), gpu(lse), {}, Reduction::Mean,
                                 -100, 0);
        }));
    EXPECT_TRUE(same_error<IndexError>(
        [&] { nll_loss_backward(ones({}), x, target, {}, Reduction::Mean, -100, total); },
        [&] {
          nll_loss_backward(gpu(ones({})), gpu(x), gpu(target), {}, Reduction::Mean, -100,
                            gpu(total));
        }));
  }
  // Spatial layouts report the flat position too.
  const Tensor x4 = rand({2, 3, 2, 2});
  const Tensor t4 = tensor(std::vector<double>{0, 1, 2, 0, 1, 1, 3, 2}, {2, 2, 2}).to(kInt64);
  EXPECT_TRUE(same_error<IndexError>([&] { cross_entropy(x4, t4); },
                                     [&] { cross_entropy(gpu(x4), gpu(t4)); }));
  // The device stays usable after a reported error.
  EXPECT_TRUE(close_at_scale(cross_entropy(gpu(x), gpu(zeros({6}, kInt64))),
                             cross_entropy(x, zeros({6}, kInt64)), 1e-5));
}

// ---------------------------------------------------------------- embedding
TEST(CudaEmbeddingParity, ForwardAndBackwardEqualCpuBitForBit) {
  EMBER_REQUIRE_CUDA();
  FreshRandom rng;
  for (DType dtype : kFloat32And64) {
    const Tensor weight = rng.uniform({1000, 64}, dtype);
    // Many repeats, so the backward sums runs of equal indices.
    const Tensor idx = rng.uniform({32, 20}, kFloat64, 0, 50).to(kInt64);
    EXPECT_TRUE(same_bits(embedding(gpu(weight), gpu(idx)), embedding(weight, idx)));
    const Tensor dy = rng.uniform({32, 20, 64}, dtype);
    for (std::optional<int64_t> pad :
         {std::optional<int64_t>(), std::optional<int64_t>(7), std::optional<int64_t>(-993)}) {
      const Tensor g = embedding_backward(dy, idx, 1000, pad);
      const Tensor cg = embedding_backward(gpu(dy), gpu(idx), 1000, pad);
      EXPECT_TRUE(same_bits(cg, g)) << dtype_name(dtype);
      EXPECT_TRUE(same_bits(embedding_backward(gpu(dy), gpu(idx), 1000, pad), cg));
    }
    // One column, and a single index repeated everywhere.
    const Tensor narrow = rng.uniform({5, 1}, dtype);
    const Tensor same = zeros({300}, kInt64) + 3;
    EXPECT_TRUE(same_bits(embedding(gpu(narrow), gpu(same)), embedding(narrow, same)));
    const Tensor d1 = rng.uniform({300, 1}, dtype);
    EXPECT_TRUE(
        same_bits(embedding_backward(gpu(d1), gpu(same), 5), embedding_backward(d1, same, 5)));
  }
  // Half weights gather as they are; int32 indices are converted.
  const Tensor half_weight = rng.uniform({10, 3}, kFloat16);
  const Tensor idx32 = tensor(std::vector<double>{9, 0, 4}, {3}).to(kInt32);
  EXPECT_TRUE(same_bits(embedding(gpu(half_weight), gpu(idx32)), embedding(half_weight, idx32)));
}

TEST(CudaEmbeddingParity, BadIndicesRaiseTheCpuError) {
  EMBER_REQUIRE_CUDA();
  const Tensor weight = rand({10, 4});
  const Tensor idx = tensor(std::vector<double>{1, 10, 3, -2}, {2, 2}).to(kInt64);
  EXPECT_TRUE(same_error<IndexError>([&] { embedding(weight, idx); },
                                     [&] { embedding(gpu(weight), gpu(idx)); }));
  const Tensor dy = rand({2, 2, 4});
  EXPECT_TRUE(same_error<IndexError>([&] { embedding_backward(dy, idx, 10); },
                                     [&] { embedding_backward(gpu(dy), gpu(idx), 10); }));
}

}  // namespace
}  // namespace ember::testing
