// Matrix products (mm, bmm, matmul, addmm, linear) against naive float64 loops: both dtypes,
// odd and MNIST-sized shapes, transposed / sliced / expanded operands (BLAS flags, leading
// dimensions and the copy path), torch.matmul's rank and broadcasting rules, bias handling, and
// the errors bad input gets.
#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::close_to;
using testing::gemm_rtol;
using testing::random_tensor;
using testing::throws_with;
using testing::values;

// C[b] = A[b] @ B[b] over row-major values: a [batch, m, k], b [batch, k, n].
std::vector<double> naive_bmm(const std::vector<double>& a, const std::vector<double>& b,
                              int64_t batch, int64_t m, int64_t k, int64_t n) {
  std::vector<double> c(static_cast<size_t>(batch * m * n), 0.0);
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) s += a[(p * m + i) * k + q] * b[(p * k + q) * n + j];
        c[(p * m + i) * n + j] = s;
      }
  return c;
}

std::vector<double> naive_mm(const Tensor& a, const Tensor& b) {
  return naive_bmm(values(a), values(b), 1, a.size(0), a.size(1), b.size(1));
}

const std::vector<DType> kDtypes = {kFloat32, kFloat64};

TEST(NnLinalg, MmMatchesReferenceOnOddAndMnistShapes) {
  const std::vector<std::array<int64_t, 3>> shapes = {
      {1, 1, 1}, {7, 13, 5}, {1, 9, 4}, {5, 3, 1}, {64, 784, 128}, {64, 128, 10}, {33, 65, 17}};
  for (DType dt : kDtypes) {
    for (const auto& [m, k, n] : shapes) {
      const Tensor a = random_tensor({m, k}, dt), b = random_tensor({k, n}, dt);
      const Tensor c = mm(a, b);
      ASSERT_EQ(c.sizes(), IntArrayRef({m, n}));
      ASSERT_EQ(c.dtype(), dt);
      EXPECT_TRUE(close_to(c, naive_mm(a, b), gemm_rtol(dt)))
          << dtype_name(dt) << " " << m << "x" << k << "x" << n;
    }
  }
}

TEST(NnLinalg, MmTakesTransposedSlicedAndExpandedOperands) {
  for (DType dt : kDtypes) {
    const int64_t m = 9, k = 11, n = 6;
    const Tensor a = random_tensor({m, k}, dt), b = random_tensor({k, n}, dt);
    const std::vector<double> expected = naive_mm(a, b);
    // The same values through different strides.
    const Tensor a_t = a.t().contiguous().t();  // column-major: BLAS transpose flag
    const Tensor b_t = b.t().contiguous().t();
    Tensor a_wide = zeros({m, 3 * k}, dt);  // row stride 3k: a leading dimension
    a_wide.slice(1, 0, k).copy_(a);
    Tensor b_step = zeros({k, 2 * n}, dt);  // column stride 2: neither stride is 1, copied
    b_step.slice(1, 0, 2 * n, 2).copy_(b);
    const Tensor a_sliced = a_wide.slice(1, 0, k), b_stepped = b_step.slice(1, 0, 2 * n, 2);
    EXPECT_TRUE(close_to(mm(a_t, b), expected, gemm_rtol(dt)));
    EXPECT_TRUE(close_to(mm(a, b_t), expected, gemm_rtol(dt)));
    EXPECT_TRUE(close_to(mm(a_t, b_t), expected, gemm_rtol(dt)));
    EXPECT_TRUE(close_to(mm(a_sliced, b), expected, gemm_rtol(dt)));
    EXPECT_TRUE(close_to(mm(a, b_stepped), expected, gemm_rtol(dt)));
    // An expanded row (stride 0) times b.
    const Tensor row = random_tensor({1, k}, dt);
    const Tensor expanded = row.expand({m, k});
    EXPECT_TRUE(close_to(mm(expanded, b), naive_mm(expanded.contiguous(), b), gemm_rtol(dt)));
  }
}

TEST(NnLinalg, BmmMatchesReferenceIncludingStridedBatches) {
  for (DType dt : kDtypes) {
    const int64_t batch = 5, m = 4, k = 7, n = 3;
    const Tensor a = random_tensor({batch, m, k}, dt), b = random_tensor({batch, k, n}, dt);
    const std::vector<double> expected = naive_bmm(values(a), values(b), batch, m, k, n);
    EXPECT_TRUE(close_to(bmm(a, b), expected, gemm_rtol(dt)));
    // Batch dim not outermost in memory, and transposed matrices.
    const Tensor a_perm = a.permute({1, 0, 2}).contiguous().permute({1, 0, 2});
    const Tensor b_trans = b.transpose(1, 2).contiguous().transpose(1, 2);
    EXPECT_TRUE(close_to(bmm(a_perm, b_trans), expected, gemm_rtol(dt)));
    // A batch of many small matrices (runs one matrix per thread).
    const Tensor sa = random_tensor({64, 3, 5}, dt), sb = random_tensor({64, 5, 2}, dt);
    EXPECT_TRUE(
        close_to(bmm(sa, sb), naive_bmm(values(sa), values(sb), 64, 3, 5, 2), gemm_rtol(dt)));
  }
}

// Reference of torch.matmul for the cases below via explicit broadcasting in the test.
TEST(NnLinalg, MatmulRanksAndBroadcasting) {
  const DType dt = kFloat64;
  const double rtol = gemm_rtol(dt);
  // 1-D . 1-D: a zero-dim dot product.
  {
    const Tensor a = random_tensor({7}, dt), b = random_tensor({7}, dt);
    const Tensor c = matmul(a, b);
    EXPECT_EQ(c.dim(), 0);
    EXPECT_TRUE(close_to(c, naive_bmm(values(a), values(b), 1, 1, 7, 1), rtol));
  }
  // 2-D . 1-D and 1-D . 2-D.
  {
    const Tensor a = random_tensor({4, 7}, dt), v = random_tensor({7}, dt);
    const Tensor c = matmul(a, v);
    EXPECT_EQ(c.sizes(), IntArrayRef({4}));
    EXPECT_TRUE(close_to(c, naive_bmm(values(a), values(v), 1, 4, 7, 1), rtol));
    const Tensor u = random_tensor({4}, dt);
    const Tensor d = matmul(u, a);
    EXPECT_EQ(d.sizes(), IntArrayRef({7}));
    EXPECT_TRUE(close_to(d, naive_bmm(values(u), values(a), 1, 1, 4, 7), rtol));
  }
  // 4-D @ 2-D folds into one GEMM; transposed 3-D @ 2-D takes the batched path.
  {
    const Tensor a = random_tensor({2, 3, 4, 5}, dt), b = random_tensor({5, 6}, dt);
    const Tensor c = matmul(a, b);
    EXPECT_EQ(c.sizes(), IntArrayRef({2, 3, 4, 6}));
    EXPECT_TRUE(close_to(c, naive_bmm(values(a), values(b), 1, 24, 5, 6), rtol));
    const Tensor at = random_tensor({3, 5, 4}, dt).transpose(1, 2);  // [3, 4, 5], not foldable
    std::vector<double> expected;
    for (int64_t i = 0; i < 3; ++i) {
      const auto part = naive_bmm(values(at[i]), values(b), 1, 4, 5, 6);
      expected.insert(expected.end(), part.begin(), part.end());
    }
    EXPECT_TRUE(close_to(matmul(at, b), expected, rtol));
    // 3-D @ 1-D.
    const Tensor v = random_tensor({5}, dt);
    const Tensor cv = matmul(a, v);
    EXPECT_EQ(cv.sizes(), IntArrayRef({2, 3, 4}));
    EXPECT_TRUE(close_to(cv, naive_bmm(values(a), values(v), 1, 24, 5, 1), rtol));
  }
  // 1-D @ 3-D and broadcast batch dims [2, 1, 4, 5] @ [3, 5, 6] -> [2, 3, 4, 6].
  {
    const Tensor v = random_tensor({5}, dt), b = random_tensor({2, 5, 3}, dt);
    const Tensor c = matmul(v, b);
    EXPECT_EQ(c.sizes(), IntArrayRef({2, 3}));
    std::vector<double> expected;
    for (int64_t i = 0; i < 2; ++i) {
      const auto part = naive_bmm(values(v), values(b[i]), 1, 1, 5, 3);
      expected.insert(expected.end(), part.begin(), part.end());
    }
    EXPECT_TRUE(close_to(c, expected, rtol));

    const Tensor a = random_tensor({2, 1, 4, 5}, dt), bb = random_tensor({3, 5, 6}, dt);
    const Tensor d = matmul(a, bb);
    EXPECT_EQ(d.sizes(), IntArrayRef({2, 3, 4, 6}));
    std::vector<double> expected_d;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        const auto part = naive_bmm(values(a[i][0]), values(bb[j]), 1, 4, 5, 6);
        expected_d.insert(expected_d.end(), part.begin(), part.end());
      }
    EXPECT_TRUE(close_to(d, expected_d, rtol));
  }
}

TEST(NnLinalg, AddmmAndLinearFuseTheBias) {
  for (DType dt : kDtypes) {
    const double rtol = gemm_rtol(dt);
    const int64_t m = 6, k = 5, n = 4;
    const Tensor a = random_tensor({m, k}, dt), b = random_tensor({k, n}, dt);
    const std::vector<double> prod = naive_mm(a, b);
    // Bias as a row [n], a column [m, 1] and a full matrix, with beta and alpha.
    const Tensor row = random_tensor({n}, dt), col = random_tensor({m, 1}, dt),
                 full = random_tensor({m, n}, dt);
    const auto rv = values(row), cv = values(col), fv = values(full);
    std::vector<double> e_row(prod.size()), e_col(prod.size()), e_full(prod.size());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const size_t p = static_cast<size_t>(i * n + j);
        e_row[p] = 0.5 * rv[j] + 2.0 * prod[p];
        e_col[p] = cv[i] + prod[p];
        e_full[p] = -1.5 * fv[p] + 0.25 * prod[p];
      }
    EXPECT_TRUE(close_to(addmm(row, a, b, 0.5, 2.0), e_row, rtol));
    EXPECT_TRUE(close_to(addmm(col, a, b), e_col, rtol));
    EXPECT_TRUE(close_to(addmm(full.t().contiguous().t(), a, b, -1.5, 0.25), e_full, rtol));
    // beta = 0 ignores the bias, even NaN.
    const Tensor nan_bias = full_like(full, std::nan(""));
    EXPECT_TRUE(close_to(addmm(nan_bias, a, b, 0.0, 1.0), prod, rtol));

    // linear: x [2, 3, k] @ w[n, k]^T + bias, and x 1-D, and no bias.
    const Tensor x = random_tensor({2, 3, k}, dt), w = random_tensor({n, k}, dt);
    const auto wt = values(w.t().contiguous());
    const auto xv = values(x);
    std::vector<double> e_lin(static_cast<size_t>(6 * n));
    const auto base = naive_bmm(xv, wt, 1, 6, k, n);
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < n; ++j) e_lin[i * n + j] = base[i * n + j] + rv[j];
    const Tensor y = linear(x, w, row);
    EXPECT_EQ(y.sizes(), IntArrayRef({2, 3, n}));
    EXPECT_TRUE(close_to(y, e_lin, rtol));
    EXPECT_TRUE(close_to(linear(x, w), base, rtol));
    const Tensor y1 = linear(x[0][0], w, row);
    EXPECT_EQ(y1.sizes(), IntArrayRef({n}));
    EXPECT_TRUE(close_to(y1, std::vector<double>(e_lin.begin(), e_lin.begin() + n), rtol));
    // A transposed input view.
    const Tensor xt = x.reshape({6, k}).t().contiguous().t();
    EXPECT_TRUE(close_to(linear(xt, w, row), e_lin, rtol));
  }
}

TEST(NnLinalg, EmptyInnerDimensionGivesZerosOrBias) {
  const Tensor a = zeros({3, 0}), b = zeros({0, 2});
  EXPECT_EQ(values(mm(a, b)), std::vector<double>(6, 0.0));
  const Tensor bias = tensor({1.0, 2.0}, kFloat32);
  EXPECT_EQ(values(addmm(bias, a, b, 2.0, 1.0)), std::vector<double>({2, 4, 2, 4, 2, 4}));
  EXPECT_EQ(mm(zeros({0, 4}), zeros({4, 3})).sizes(), IntArrayRef({0, 3}));
}

TEST(NnLinalg, Tf32SwitchIsOffByDefault) {
  EXPECT_FALSE(allow_tf32());
  set_allow_tf32(true);
  EXPECT_TRUE(allow_tf32());
  set_allow_tf32(false);
  EXPECT_FALSE(allow_tf32());
}

TEST(NnLinalg, BadInputErrorsNameTheOpAndValues) {
  const Tensor a = zeros({64, 784}), b = zeros({256, 10});
  EXPECT_TRUE(
      throws_with<ShapeError>([&] { mm(a, b); }, {"mm", "[64, 784]", "[256, 10]", "784 != 256"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { matmul(a, b); }, {"matmul", "784 != 256"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { mm(zeros({2, 3, 4}), b); }, {"mm", "[2, 3, 4]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        bmm(zeros({2, 3, 4}), zeros({3, 4, 5}));
      },
      {"bmm", "2 != 3"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { matmul(zeros({}), zeros({3})); }, {"matmul", "0-D"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        matmul(zeros({2, 2, 3}), zeros({3, 3, 4}));
      },
      {"matmul", "broadcast"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        mm(zeros({2, 2}, kInt64), zeros({2, 2}, kInt64));
      },
      {"mm", "int64"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        mm(zeros({2, 2}), zeros({2, 2}, kFloat64));
      },
      {"mm", "float32", "float64"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        linear(zeros({4, 5}), zeros({3, 6}));
      },
      {"linear", "[4, 5]", "[3, 6]", "5"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        linear(zeros({4, 5}), zeros({3, 5}), zeros({4}));
      },
      {"linear", "bias", "[4]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        addmm(zeros({3}), zeros({2, 2}), zeros({2, 2}));
      },
      {"addmm", "[3]"}));
}

}  // namespace
}  // namespace ember
