// conv2d and conv2d_backward against naive float64 loops (the MNIST CNN's two layers at batch
// 64, odd sizes, stride / padding / dilation / groups combinations, 1x1 kernels, sliced and
// permuted inputs, unbatched input), the backward kernels against central finite differences,
// and the errors bad input gets.
#include <tuple>

#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::close_to;
using testing::gemm_rtol;
using testing::random_tensor;
using testing::throws_with;
using testing::values;

struct ConvCase {
  int64_t n, cin, h, w, cout, kh, kw;
  std::array<int64_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

// Naive convolution and its gradients over row-major float64 values.
struct NaiveConv {
  ConvCase c;
  int64_t oh, ow;
  explicit NaiveConv(const ConvCase& cc)
      : c(cc),
        oh(out_size(cc.h, cc.kh, cc.stride[0], cc.padding[0], cc.dilation[0])),
        ow(out_size(cc.w, cc.kw, cc.stride[1], cc.padding[1], cc.dilation[1])) {}

  // Calls f(x_index, w_index, y_index) for every product term of the convolution.
  template <typename F>
  void for_each_term(const F& f) const {
    const int64_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
    for (int64_t n = 0; n < c.n; ++n)
      for (int64_t co = 0; co < c.cout; ++co) {
        const int64_t g = co / cout_g;
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j)
            for (int64_t ci = 0; ci < cin_g; ++ci)
              for (int64_t ki = 0; ki < c.kh; ++ki)
                for (int64_t kj = 0; kj < c.kw; ++kj) {
                  const int64_t ih = i * c.stride[0] - c.padding[0] + ki * c.dilation[0];
                  const int64_t iw = j * c.stride[1] - c.padding[1] + kj * c.dilation[1];
                  if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                  const int64_t xi = ((n * c.cin + g * cin_g + ci) * c.h + ih) * c.w + iw;
                  const int64_t wi = ((co * cin_g + ci) * c.kh + ki) * c.kw + kj;
                  const int64_t yi = ((n * c.cout + co) * oh + i) * ow + j;
                  f(xi, wi, yi);
                }
      }
  }

  std::vector<double> forward(const std::vector<double>& x, const std::vector<double>& w,
                              const std::vector<double>* bias) const {
    std::vector<double> y(static_cast<size_t>(c.n * c.cout * oh * ow), 0.0);
    if (bias)
      for (size_t i = 0; i < y.size(); ++i) y[i] = (*bias)[(i / (oh * ow)) % c.cout];
    for_each_term([&](int64_t xi, int64_t wi, int64_t yi) { y[yi] += x[xi] * w[wi]; });
    return y;
  }
  // (grad_input, grad_weight, grad_bias).
  std::tuple<std::vector<double>, std::vector<double>, std::vector<double>> backward(
      const std::vector<double>& gy, const std::vector<double>& x,
      const std::vector<double>& w) const {
    std::vector<double> gx(x.size(), 0.0), gw(w.size(), 0.0), gb(static_cast<size_t>(c.cout), 0.0);
    for_each_term([&](int64_t xi, int64_t wi, int64_t yi) {
      gx[xi] += gy[yi] * w[wi];
      gw[wi] += gy[yi] * x[xi];
    });
    for (size_t i = 0; i < gy.size(); ++i) gb[(i / (oh * ow)) % c.cout] += gy[i];
    return {gx, gw, gb};
  }
};

Tensor run_conv(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  return conv2d(x, w, b, {c.stride[0], c.stride[1]}, {c.padding[0], c.padding[1]},
                {c.dilation[0], c.dilation[1]}, c.groups);
}

std::tuple<Tensor, Tensor, Tensor> run_conv_backward(const ConvCase& c, const Tensor& gy,
                                                     const Tensor& x, const Tensor& w,
                                                     std::array<bool, 3> mask = {true, true,
                                                                                 true}) {
  return conv2d_backward(gy, x, w, {c.stride[0], c.stride[1]}, {c.padding[0], c.padding[1]},
                         {c.dilation[0], c.dilation[1]}, c.groups, mask);
}

// Forward and backward of one case against the naive loops.
void check_case(const ConvCase& c, DType dt, bool with_bias = true) {
  SCOPED_TRACE(::testing::Message()
               << dtype_name(dt) << " x[" << c.n << "," << c.cin << "," << c.h << "," << c.w
               << "] w[" << c.cout << "," << c.cin / c.groups << "," << c.kh << "," << c.kw
               << "] stride " << c.stride[0] << "," << c.stride[1] << " pad " << c.padding[0] << ","
               << c.padding[1] << " dil " << c.dilation[0] << "," << c.dilation[1] << " groups "
               << c.groups);
  const NaiveConv ref(c);
  const Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, dt);
  const Tensor w = random_tensor({c.cout, c.cin / c.groups, c.kh, c.kw}, dt);
  const Tensor b = with_bias ? random_tensor({c.cout}, dt) : Tensor();
  const auto xv = values(x), wv = values(w);
  const std::vector<double> bv = with_bias ? values(b) : std::vector<double>();
  const Tensor y = run_conv(c, x, w, b);
  ASSERT_EQ(y.sizes(), IntArrayRef({c.n, c.cout, ref.oh, ref.ow}));
  EXPECT_TRUE(close_to(y, ref.forward(xv, wv, with_bias ? &bv : nullptr), gemm_rtol(dt)));

  const Tensor gy = random_tensor(y.sizes(), dt);
  const auto [gx, gw, gb] = run_conv_backward(c, gy, x, w);
  const auto [rgx, rgw, rgb] = ref.backward(values(gy), xv, wv);
  EXPECT_TRUE(close_to(gx, rgx, gemm_rtol(dt)));
  EXPECT_TRUE(close_to(gw, rgw, gemm_rtol(dt)));
  EXPECT_TRUE(close_to(gb, rgb, gemm_rtol(dt)));
}

TEST(NnConv, MnistCnnLayersAtBatch64) {
  // The MNIST CNN: conv1 1 -> 32 on 28x28, conv2 32 -> 64 on 26x26, 3x3 kernels.
  check_case({64, 1, 28, 28, 32, 3, 3}, kFloat32);
  check_case({64, 32, 26, 26, 64, 3, 3}, kFloat32);
}

TEST(NnConv, GeometryCombinationsBothDtypes) {
  std::vector<ConvCase> cases = {
      {2, 3, 7, 9, 4, 3, 2},                             // odd sizes, rectangular kernel
      {3, 4, 8, 8, 6, 3, 3, {2, 2}, {1, 1}},             // stride and padding
      {2, 4, 9, 7, 4, 3, 3, {1, 2}, {2, 0}, {2, 1}},     // mixed everything
      {2, 6, 6, 5, 4, 2, 3, {1, 1}, {0, 1}, {1, 2}, 2},  // groups 2
      {1, 4, 5, 5, 8, 3, 3, {1, 1}, {1, 1}, {1, 1}, 4},  // depthwise-like (groups = cin)
      {5, 4, 6, 7, 6, 1, 1},                             // 1x1: no im2col
      {3, 6, 5, 4, 9, 1, 1, {1, 1}, {0, 0}, {1, 1}, 3},  // 1x1 grouped
      {2, 3, 6, 6, 2, 1, 1, {2, 2}},                     // 1x1 with stride: im2col
      {37, 2, 5, 6, 3, 3, 3, {1, 1}, {1, 1}},            // uneven weight-grad chunks
      {1, 2, 3, 3, 2, 3, 3, {3, 3}, {1, 1}, {1, 1}},     // kernel covering the input
      {2, 2, 4, 5, 3, 5, 5, {1, 1}, {2, 2}},             // kernel larger than input
  };
  for (DType dt : {kFloat32, kFloat64})
    for (const ConvCase& c : cases) check_case(c, dt);
  check_case({2, 3, 7, 9, 4, 3, 2}, kFloat64, /*with_bias=*/false);
}

TEST(NnConv, NonContiguousAndUnbatchedInputs) {
  const ConvCase c{2, 3, 6, 5, 4, 3, 3, {1, 1}, {1, 1}};
  const NaiveConv ref(c);
  const Tensor x = random_tensor({2, 3, 6, 5}, kFloat64);
  const Tensor w = random_tensor({4, 3, 3, 3}, kFloat64);
  const Tensor b = random_tensor({4}, kFloat64);
  const auto xv = values(x), wv = values(w), bv = values(b);
  const std::vector<double> expected = ref.forward(xv, wv, &bv);
  // Sliced along W (stride 2) and channels-last in memory.
  Tensor wide = zeros({2, 3, 6, 10}, kFloat64);
  wide.slice(3, 0, 10, 2).copy_(x);
  const Tensor sliced = wide.slice(3, 0, 10, 2);
  const Tensor channels_last = x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
  const Tensor w_t = w.permute({1, 0, 2, 3}).contiguous().permute({1, 0, 2, 3});
  EXPECT_TRUE(close_to(run_conv(c, sliced, w, b), expected, 1e-10));
  EXPECT_TRUE(close_to(run_conv(c, channels_last, w_t, b), expected, 1e-10));
  // Unbatched: [C, H, W] in, [Cout, Ho, Wo] out.
  const Tensor y1 = run_conv(c, x[1], w, b);
  ASSERT_EQ(y1.sizes(), IntArrayRef({4, 6, 5}));
  EXPECT_TRUE(close_to(y1, std::vector<double>(expected.begin() + 120, expected.end()), 1e-10));
  const Tensor gy = random_tensor({4, 6, 5}, kFloat64);
  const auto [gx, gw, gb] = run_conv_backward(c, gy, x[1], w);
  EXPECT_EQ(gx.sizes(), IntArrayRef({3, 6, 5}));
  ConvCase one = c;
  one.n = 1;
  const auto [rgx, rgw, rgb] = NaiveConv(one).backward(values(gy), values(x[1]), wv);
  EXPECT_TRUE(close_to(gx, rgx, 1e-10));
  EXPECT_TRUE(close_to(gw, rgw, 1e-10));
}

TEST(NnConv, BackwardMatchesFiniteDifferences) {
  const std::vector<ConvCase> cases = {
      {2, 4, 5, 6, 4, 3, 2, {2, 1}, {1, 1}, {1, 2}, 2},
      {2, 3, 6, 7, 2, 2, 3, {1, 2}, {1, 1}, {2, 1}},
      {3, 2, 4, 4, 3, 1, 1},
  };
  for (const ConvCase& c : cases) {
    const Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, kFloat64);
    const Tensor w = random_tensor({c.cout, c.cin / c.groups, c.kh, c.kw}, kFloat64);
    const Tensor b = random_tensor({c.cout}, kFloat64);
    const Tensor y = run_conv(c, x, w, b);
    const std::vector<double> up = testing::random_upstream(y.numel());
    const Tensor gy = tensor(up, y.sizes()).to(kFloat64);
    const auto [gx, gw, gb] = run_conv_backward(c, gy, x, w);
    const auto fx = [&](const Tensor& t) { return values(run_conv(c, t, w, b)); };
    const auto fw = [&](const Tensor& t) { return values(run_conv(c, x, t, b)); };
    const auto fb = [&](const Tensor& t) { return values(run_conv(c, x, w, t)); };
    EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(fx, x, up)));
    EXPECT_TRUE(testing::gradient_matches(gw, testing::numeric_gradient(fw, w, up)));
    EXPECT_TRUE(testing::gradient_matches(gb, testing::numeric_gradient(fb, b, up)));
  }
}

TEST(NnConv, BackwardOutputMaskSkipsGradients) {
  const ConvCase c{4, 2, 5, 5, 3, 3, 3};
  const Tensor x = random_tensor({4, 2, 5, 5}, kFloat64), w = random_tensor({3, 2, 3, 3}, kFloat64);
  const Tensor gy = random_tensor({4, 3, 3, 3}, kFloat64);
  const auto [all_x, all_w, all_b] = run_conv_backward(c, gy, x, w);
  const auto [gx, gw, gb] = run_conv_backward(c, gy, x, w, {false, true, false});
  EXPECT_FALSE(gx.defined());
  EXPECT_FALSE(gb.defined());
  ASSERT_TRUE(gw.defined());
  EXPECT_EQ(values(gw), values(all_w));  // the same computation, bit for bit
  const auto [only_x, none_w, none_b] = run_conv_backward(c, gy, x, w, {true, false, false});
  EXPECT_FALSE(none_w.defined());
  EXPECT_EQ(values(only_x), values(all_x));
}

TEST(NnConv, BadInputErrorsNameTheOpAndValues) {
  const Tensor x = zeros({2, 3, 8, 8}), w = zeros({4, 3, 3, 3});
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        conv2d(x, zeros({4, 2, 3, 3}));
      },
      {"conv2d", "[2, 3, 8, 8]", "3 channels", "[4, 2, 3, 3]"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { conv2d(zeros({8, 8}), w); }, {"conv2d", "[8, 8]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        conv2d(x, zeros({4, 3, 3}));
      },
      {"conv2d", "[4, 3, 3]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        conv2d(x, zeros({4, 3, 9, 9}));
      },
      {"conv2d", "[9, 9]", "[8, 8]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        conv2d(zeros({2, 4, 8, 8}), zeros({3, 2, 3, 3}), {}, 1, 0, 1, 2);
      },
      {"conv2d", "out_channels 3", "groups 2"}));
  EXPECT_TRUE(
      throws_with<ShapeError>([&] { conv2d(x, w, zeros({5})); }, {"conv2d", "bias", "[5]"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { conv2d(x, w.to(kFloat64)); },
                                      {"conv2d", "float64", "float32"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([&] { conv2d(x.to(kInt64), w.to(kInt64)); }, {"conv2d", "int64"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { conv2d(x, w, {}, 0); }, {"conv2d", "stride"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { conv2d(x, w, {}, 1, -1); }, {"conv2d", "padding"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        conv2d_backward(zeros({2, 4, 5, 5}), x, w, 1, 0, 1, 1);
      },
      {"conv2d_backward", "[2, 4, 5, 5]", "[2, 4, 6, 6]"}));
}

}  // namespace
}  // namespace ember
