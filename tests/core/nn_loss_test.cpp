// Losses against naive float64 loops written from PyTorch's definitions: cross_entropy (class
// weights, ignore_index, label smoothing, reductions, K-d inputs, 1-D input, class-probability
// targets), nll_loss, and the point-wise losses; every backward against central finite
// differences; errors (targets out of range, wrong dtypes and shapes).
// The suite NnLossAfterMerge needs ember::sum and ember::mean (the reductions helper's
// core/ops_reduce.cpp): run it once that is merged.
#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::close_to;
using testing::pointwise_rtol;
using testing::random_tensor;
using testing::throws_with;
using testing::values;

const std::vector<Reduction> kReductions = {Reduction::None, Reduction::Mean, Reduction::Sum};

struct CrossEntropyCase {
  std::vector<int64_t> input_shape;
  bool weighted = false;
  int64_t ignore_index = -100;
  double smoothing = 0.0;
};

// Cross-entropy by the book: log-softmax over the class dim, then weighted NLL and the smoothing
// term, reduced as PyTorch does (mean divides by the summed weight of counted targets).
std::vector<double> naive_cross_entropy(const std::vector<double>& x,
                                        const std::vector<int64_t>& shape,
                                        const std::vector<int64_t>& target,
                                        const std::vector<double>& w, int64_t ignore, double eps,
                                        Reduction reduction) {
  const bool batched = shape.size() >= 2;
  const int64_t n = batched ? shape[0] : 1, c = batched ? shape[1] : shape[0];
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); ++d) inner *= shape[d];
  std::vector<double> losses;
  double total = 0, denom = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < inner; ++j) {
      auto at = [&](int64_t k) { return x[(i * c + k) * inner + j]; };
      double m = -1e300, s = 0;
      for (int64_t k = 0; k < c; ++k) m = std::max(m, at(k));
      for (int64_t k = 0; k < c; ++k) s += std::exp(at(k) - m);
      const double lse = m + std::log(s);
      const int64_t t = target[i * inner + j];
      double loss = 0;
      if (t != ignore) {
        const double wt = w.empty() ? 1.0 : w[t];
        double smooth = 0;
        for (int64_t k = 0; k < c; ++k) smooth += (w.empty() ? 1.0 : w[k]) * (lse - at(k));
        loss = (1 - eps) * wt * (lse - at(t)) + eps / c * smooth;
        denom += wt;
      }
      losses.push_back(loss);
      total += loss;
    }
  if (reduction == Reduction::None) return losses;
  return {reduction == Reduction::Sum ? total : total / denom};
}

std::vector<int64_t> random_targets(int64_t count, int64_t classes, int64_t ignore) {
  const auto r = values(random_tensor({count}, kFloat64, 0, static_cast<double>(classes)));
  std::vector<int64_t> t;
  for (size_t i = 0; i < r.size(); ++i)
    t.push_back(i % 5 == 2 && ignore != -100 ? ignore : static_cast<int64_t>(r[i]));
  return t;
}

std::vector<int64_t> target_shape(const std::vector<int64_t>& input_shape) {
  std::vector<int64_t> s = input_shape;
  s.erase(s.begin() + (s.size() >= 2 ? 1 : 0));
  return s;
}

const std::vector<CrossEntropyCase> kCases = {
    {{64, 10}},                    // the MNIST classifier
    {{64, 10}, true},              // class weights
    {{13, 7}, false, 3},           // ignore_index inside the class range
    {{13, 7}, true, 3, 0.1},       // all three
    {{8, 5}, false, -100, 0.25},   // smoothing alone
    {{4, 6, 3, 2}, true, 1, 0.2},  // K-d input [N, C, d1, d2]
    {{9}, true, -100, 0.1},        // one sample, [C]
};

TEST(NnLoss, CrossEntropyMatchesReference) {
  for (DType dt : {kFloat32, kFloat64}) {
    for (const CrossEntropyCase& c : kCases) {
      const int64_t classes = c.input_shape.size() >= 2 ? c.input_shape[1] : c.input_shape[0];
      const Tensor x = random_tensor(c.input_shape, dt, -4, 4);
      const std::vector<int64_t> ts = target_shape(c.input_shape);
      int64_t count = 1;
      for (int64_t s : ts) count *= s;
      const std::vector<int64_t> t = random_targets(count, classes, c.ignore_index);
      const Tensor target = tensor(t, ts);
      const Tensor w = c.weighted ? random_tensor({classes}, dt, 0.2, 2.0) : Tensor();
      const std::vector<double> wv = c.weighted ? values(w) : std::vector<double>();
      for (Reduction r : kReductions) {
        SCOPED_TRACE(::testing::Message()
                     << dtype_name(dt) << " " << c.input_shape.size() << "-D weighted "
                     << c.weighted << " ignore " << c.ignore_index << " eps " << c.smoothing
                     << " reduction " << static_cast<int>(r));
        const Tensor loss = cross_entropy(x, target, w, r, c.ignore_index, c.smoothing);
        EXPECT_EQ(loss.sizes(), r == Reduction::None ? IntArrayRef(ts) : IntArrayRef{});
        EXPECT_TRUE(close_to(
            loss,
            naive_cross_entropy(values(x), c.input_shape, t, wv, c.ignore_index, c.smoothing, r),
            pointwise_rtol(dt)));
      }
    }
  }
}

TEST(NnLoss, CrossEntropyWithProbabilityTargets) {
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = random_tensor({6, 5, 3}, dt, -3, 3);
    const Tensor p = softmax(random_tensor({6, 5, 3}, dt), 1);
    const Tensor w = random_tensor({5}, dt, 0.5, 1.5);
    const auto xv = values(x), pv = values(p), wv = values(w);
    const double eps = 0.1;
    std::vector<double> losses;
    double total = 0;
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        double m = -1e300, s = 0, loss = 0;
        for (int64_t k = 0; k < 5; ++k) m = std::max(m, xv[(i * 5 + k) * 3 + j]);
        for (int64_t k = 0; k < 5; ++k) s += std::exp(xv[(i * 5 + k) * 3 + j] - m);
        for (int64_t k = 0; k < 5; ++k) {
          const double logp = xv[(i * 5 + k) * 3 + j] - m - std::log(s);
          loss -= wv[k] * ((1 - eps) * pv[(i * 5 + k) * 3 + j] + eps / 5) * logp;
        }
        losses.push_back(loss);
        total += loss;
      }
    const double rtol = pointwise_rtol(dt);
    EXPECT_TRUE(close_to(cross_entropy(x, p, w, Reduction::None, -100, eps), losses, rtol));
    EXPECT_TRUE(close_to(cross_entropy(x, p, w, Reduction::Sum, -100, eps), {total}, rtol));
    EXPECT_TRUE(close_to(cross_entropy(x, p, w, Reduction::Mean, -100, eps), {total / 18}, rtol));
  }
}

TEST(NnLoss, CrossEntropyBackwardMatchesFiniteDifferences) {
  for (const CrossEntropyCase& c : kCases) {
    const int64_t classes = c.input_shape.size() >= 2 ? c.input_shape[1] : c.input_shape[0];
    const Tensor x = random_tensor(c.input_shape, kFloat64, -3, 3);
    const std::vector<int64_t> ts = target_shape(c.input_shape);
    int64_t count = 1;
    for (int64_t s : ts) count *= s;
    const Tensor target = tensor(random_targets(count, classes, c.ignore_index), ts);
    const Tensor w = c.weighted ? random_tensor({classes}, kFloat64, 0.2, 2.0) : Tensor();
    for (Reduction r : kReductions) {
      const auto [loss, lse] = cross_entropy_forward(x, target, w, r, c.ignore_index, c.smoothing);
      const std::vector<double> up = testing::random_upstream(loss.numel());
      const Tensor gl = tensor(up, loss.sizes()).to(kFloat64);
      const Tensor gx =
          cross_entropy_backward(gl, x, target, lse, w, r, c.ignore_index, c.smoothing);
      const auto f = [&](const Tensor& t) {
        return values(cross_entropy(t, target, w, r, c.ignore_index, c.smoothing));
      };
      EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(f, x, up)))
          << c.input_shape.size() << "-D weighted " << c.weighted << " eps " << c.smoothing
          << " reduction " << static_cast<int>(r);
    }
  }
  // Probability targets.
  const Tensor x = random_tensor({4, 5, 2}, kFloat64);
  const Tensor p = softmax(random_tensor({4, 5, 2}, kFloat64), 1);
  const Tensor w = random_tensor({5}, kFloat64, 0.5, 1.5);
  for (Reduction r : kReductions) {
    const auto [loss, lse] = cross_entropy_forward(x, p, w, r, -100, 0.2);
    const std::vector<double> up = testing::random_upstream(loss.numel());
    const Tensor gx =
        cross_entropy_backward(tensor(up, loss.sizes()).to(kFloat64), x, p, lse, w, r, -100, 0.2);
    const auto f = [&](const Tensor& t) { return values(cross_entropy(t, p, w, r, -100, 0.2)); };
    EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(f, x, up)));
  }
}

TEST(NnLoss, NllLossMatchesReferenceAndFiniteDifferences) {
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor logp = log_softmax(random_tensor({10, 6, 3}, dt), 1);
    const std::vector<int64_t> t = random_targets(30, 6, 4);
    const Tensor target = tensor(t, {10, 3});
    const Tensor w = random_tensor({6}, dt, 0.2, 2.0);
    const auto lv = values(logp), wv = values(w);
    std::vector<double> losses;
    double total = 0, denom = 0;
    for (int64_t i = 0; i < 10; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        const int64_t k = t[i * 3 + j];
        const double l = k == 4 ? 0.0 : -wv[k] * lv[(i * 6 + k) * 3 + j];
        if (k != 4) denom += wv[k];
        losses.push_back(l);
        total += l;
      }
    const double rtol = pointwise_rtol(dt);
    EXPECT_TRUE(close_to(nll_loss(logp, target, w, Reduction::None, 4), losses, rtol));
    EXPECT_TRUE(close_to(nll_loss(logp, target, w, Reduction::Sum, 4), {total}, rtol));
    const auto [mean_loss, total_weight] = nll_loss_forward(logp, target, w, Reduction::Mean, 4);
    EXPECT_TRUE(close_to(mean_loss, {total / denom}, rtol));
    EXPECT_TRUE(close_to(total_weight, {denom}, rtol));
  }
  const Tensor x = random_tensor({7, 4}, kFloat64);
  const Tensor target = tensor(std::vector<int64_t>{0, 3, 1, 1, 2, 3, 0}, {7});
  for (Reduction r : kReductions) {
    const auto [loss, total_weight] = nll_loss_forward(x, target, {}, r, 1);
    const std::vector<double> up = testing::random_upstream(loss.numel());
    const Tensor gx =
        nll_loss_backward(tensor(up, loss.sizes()).to(kFloat64), x, target, {}, r, 1, total_weight);
    const auto f = [&](const Tensor& t) { return values(nll_loss(t, target, {}, r, 1)); };
    EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(f, x, up)));
  }
}

TEST(NnLoss, AllTargetsIgnoredGivesNanMeanLikePyTorch) {
  const Tensor x = random_tensor({3, 4}, kFloat64);
  const Tensor target = tensor(std::vector<int64_t>{-100, -100, -100}, {3});
  EXPECT_TRUE(std::isnan(cross_entropy(x, target).item<double>()));
  EXPECT_EQ(cross_entropy(x, target, {}, Reduction::Sum).item<double>(), 0.0);
  EXPECT_EQ(values(cross_entropy(x, target, {}, Reduction::None)), std::vector<double>(3, 0.0));
}

TEST(NnLoss, ClassLossErrorsNameTheOpAndValues) {
  const Tensor x = zeros({4, 10});
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        cross_entropy(x, tensor(std::vector<int64_t>{1, 12, 3, 4}, {4}));
      },
      {"cross_entropy", "target 12", "position 1", "10 classes"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        cross_entropy(x, tensor(std::vector<int64_t>{1, 2, -1, 4}, {4}));
      },
      {"cross_entropy", "target -1"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        nll_loss(x, tensor(std::vector<int64_t>{10, 2, 3, 4}, {4}));
      },
      {"nll_loss", "target 10", "10 classes"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { cross_entropy(x, zeros({4}, kInt32)); },
                                      {"cross_entropy", "int64", "int32"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        nll_loss(x, zeros({4, 10}));
      },
      {"nll_loss", "int64", "float32"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { cross_entropy(x, zeros({5}, kInt64)); },
                                      {"cross_entropy", "[5]", "[4, 10]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        cross_entropy(x, zeros({4, 9}));
      },
      {"cross_entropy", "[4, 9]", "[4, 10]"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { cross_entropy(x, zeros({4}, kInt64), zeros({9})); },
                                      {"cross_entropy", "weight", "[10]", "[9]"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { cross_entropy(x, zeros({4}, kInt64), {}, Reduction::Mean, -100, 1.5); },
      {"cross_entropy", "label_smoothing", "1.5"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { cross_entropy(x.to(kInt64), zeros({4}, kInt64)); },
                                      {"cross_entropy", "int64"}));
}

// ---- point-wise losses ----

struct PointwiseLoss {
  std::string name;
  // loss(input, target, reduction) and its backward.
  std::function<Tensor(const Tensor&, const Tensor&, Reduction)> loss;
  std::function<Tensor(const Tensor&, const Tensor&, const Tensor&, Reduction)> backward;
  std::function<double(double, double)> reference;  // per element
  double lo, hi;                                    // input range
  double target_lo, target_hi;
};

double softplus(double x) {
  return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
}

// The point-wise losses without weights (weighted ones are tested separately).
std::vector<PointwiseLoss> pointwise_losses() {
  return {
      {"mse_loss", [](const Tensor& x, const Tensor& t, Reduction r) { return mse_loss(x, t, r); },
       [](const Tensor& g, const Tensor& x, const Tensor& t, Reduction r) {
         return mse_loss_backward(g, x, t, r);
       },
       [](double x, double t) { return (x - t) * (x - t); }, -2, 2, -2, 2},
      {"l1_loss", [](const Tensor& x, const Tensor& t, Reduction r) { return l1_loss(x, t, r); },
       [](const Tensor& g, const Tensor& x, const Tensor& t, Reduction r) {
         return l1_loss_backward(g, x, t, r);
       },
       [](double x, double t) { return std::fabs(x - t); }, -2, 2, -2, 2},
      {"smooth_l1_loss",
       [](const Tensor& x, const Tensor& t, Reduction r) { return smooth_l1_loss(x, t, r, 0.7); },
       [](const Tensor& g, const Tensor& x, const Tensor& t, Reduction r) {
         return smooth_l1_loss_backward(g, x, t, r, 0.7);
       },
       [](double x, double t) {
         const double d = std::fabs(x - t);
         return d < 0.7 ? 0.5 * d * d / 0.7 : d - 0.35;
       },
       -2, 2, -2, 2},
      {"binary_cross_entropy",
       [](const Tensor& x, const Tensor& t, Reduction r) {
         return binary_cross_entropy(x, t, {}, r);
       },
       [](const Tensor& g, const Tensor& x, const Tensor& t, Reduction r) {
         return binary_cross_entropy_backward(g, x, t, {}, r);
       },
       [](double x, double t) { return -(t * std::log(x) + (1 - t) * std::log(1 - x)); }, 0.05,
       0.95, 0, 1},
      {"binary_cross_entropy_with_logits",
       [](const Tensor& x, const Tensor& t, Reduction r) {
         return binary_cross_entropy_with_logits(x, t, {}, {}, r);
       },
       [](const Tensor& g, const Tensor& x, const Tensor& t, Reduction r) {
         return binary_cross_entropy_with_logits_backward(g, x, t, {}, {}, r);
       },
       // -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))
       [](double x, double t) { return t * softplus(-x) + (1 - t) * softplus(x); }, -5, 5, 0, 1},
  };
}

TEST(NnLoss, PointwiseLossesUnreducedMatchReference) {
  for (DType dt : {kFloat32, kFloat64}) {
    for (const PointwiseLoss& l : pointwise_losses()) {
      const Tensor x = random_tensor({3, 4}, dt, l.lo, l.hi);
      const Tensor t = random_tensor({3, 4}, dt, l.target_lo, l.target_hi);
      const auto xv = values(x), tv = values(t);
      std::vector<double> expected;
      for (size_t i = 0; i < xv.size(); ++i) expected.push_back(l.reference(xv[i], tv[i]));
      EXPECT_TRUE(close_to(l.loss(x, t, Reduction::None), expected, pointwise_rtol(dt))) << l.name;
      // Transposed views of the same values.
      const Tensor xt = x.t().contiguous().t(), tt = t.t().contiguous().t();
      EXPECT_TRUE(close_to(l.loss(xt, tt, Reduction::None), expected, pointwise_rtol(dt)))
          << l.name;
    }
  }
}

TEST(NnLoss, WeightedBinaryCrossEntropies) {
  const Tensor x = random_tensor({3, 4}, kFloat64, 0.05, 0.95);
  const Tensor z = random_tensor({3, 4}, kFloat64, -4, 4);
  const Tensor t = random_tensor({3, 4}, kFloat64, 0, 1);
  const Tensor w = random_tensor({4}, kFloat64, 0.5, 2), pw = random_tensor({4}, kFloat64, 0.5, 3);
  const auto xv = values(x), zv = values(z), tv = values(t), wv = values(w), pv = values(pw);
  std::vector<double> bce, bce_logits;
  for (size_t i = 0; i < 12; ++i) {
    bce.push_back(-wv[i % 4] * (tv[i] * std::log(xv[i]) + (1 - tv[i]) * std::log(1 - xv[i])));
    bce_logits.push_back(wv[i % 4] *
                         (pv[i % 4] * tv[i] * softplus(-zv[i]) + (1 - tv[i]) * softplus(zv[i])));
  }
  EXPECT_TRUE(close_to(binary_cross_entropy(x, t, w, Reduction::None), bce, 1e-10));
  EXPECT_TRUE(
      close_to(binary_cross_entropy_with_logits(z, t, w, pw, Reduction::None), bce_logits, 1e-10));
  // log clamped at -100: input 0 with target 1, and input 1 with target 0.
  const Tensor edge = tensor(std::vector<double>{0.0, 1.0}, {2}).to(kFloat64);
  const Tensor edge_t = tensor(std::vector<double>{1.0, 0.0}, {2}).to(kFloat64);
  EXPECT_EQ(values(binary_cross_entropy(edge, edge_t, {}, Reduction::None)),
            std::vector<double>({100.0, 100.0}));
  // Large logits on the wrong side give large finite losses (no overflow).
  const Tensor big = tensor(std::vector<double>{200.0, -200.0}, {2}).to(kFloat32);
  const auto v =
      values(binary_cross_entropy_with_logits(big, edge.to(kFloat32), {}, {}, Reduction::None));
  EXPECT_NEAR(v[0], 200.0, 1e-3);
  EXPECT_NEAR(v[1], 200.0, 1e-3);
}

TEST(NnLoss, PointwiseBackwardsMatchFiniteDifferences) {
  const Tensor w = random_tensor({4}, kFloat64, 0.5, 2), pw = random_tensor({4}, kFloat64, 0.5, 3);
  for (const PointwiseLoss& l : pointwise_losses()) {
    const Tensor x = random_tensor({3, 4}, kFloat64, l.lo, l.hi);
    const Tensor t = random_tensor({3, 4}, kFloat64, l.target_lo, l.target_hi);
    const auto f = [&](const Tensor& in) { return values(l.loss(in, t, Reduction::None)); };
    for (Reduction r : kReductions) {
      // The reduced loss's gradient is the unreduced one's with upstream g (sum) or g / n (mean).
      const double g = 0.75;
      std::vector<double> up = testing::random_upstream(12);
      Tensor grad_output = tensor(up, {3, 4}).to(kFloat64);
      if (r != Reduction::None) {
        grad_output = scalar_tensor(g, kFloat64);
        up.assign(12, r == Reduction::Mean ? g / 12 : g);
      }
      EXPECT_TRUE(testing::gradient_matches(l.backward(grad_output, x, t, r),
                                            testing::numeric_gradient(f, x, up)))
          << l.name << " reduction " << static_cast<int>(r);
    }
  }
  // Weighted variants.
  const Tensor x = random_tensor({3, 4}, kFloat64, 0.05, 0.95);
  const Tensor z = random_tensor({3, 4}, kFloat64, -3, 3);
  const Tensor t = random_tensor({3, 4}, kFloat64, 0, 1);
  const std::vector<double> up = testing::random_upstream(12);
  const Tensor gy = tensor(up, {3, 4}).to(kFloat64);
  const auto fb = [&](const Tensor& in) {
    return values(binary_cross_entropy(in, t, w, Reduction::None));
  };
  EXPECT_TRUE(testing::gradient_matches(binary_cross_entropy_backward(gy, x, t, w, Reduction::None),
                                        testing::numeric_gradient(fb, x, up)));
  const auto fl = [&](const Tensor& in) {
    return values(binary_cross_entropy_with_logits(in, t, w, pw, Reduction::None));
  };
  EXPECT_TRUE(testing::gradient_matches(
      binary_cross_entropy_with_logits_backward(gy, z, t, w, pw, Reduction::None),
      testing::numeric_gradient(fl, z, up)));
}

TEST(NnLoss, PointwiseErrorsNameTheOpAndValues) {
  EXPECT_TRUE(throws_with<ShapeError>(
      [] {
        mse_loss(zeros({3, 4}), zeros({4, 3}));
      },
      {"mse_loss", "[3, 4]", "[4, 3]"}));
  EXPECT_TRUE(throws_with<DTypeError>([] { l1_loss(zeros({3}), zeros({3}, kFloat64)); },
                                      {"l1_loss", "float64", "float32"}));
  EXPECT_TRUE(
      throws_with<ValueError>([] { smooth_l1_loss(zeros({3}), zeros({3}), Reduction::None, -1); },
                              {"smooth_l1_loss", "beta", "-1"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [] {
        binary_cross_entropy(zeros({3, 4}), zeros({3, 4}), zeros({5}));
      },
      {"binary_cross_entropy", "[5]", "[3, 4]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [] {
        mse_loss_backward(zeros({3}), zeros({3, 4}), zeros({3, 4}), Reduction::Mean);
      },
      {"mse_loss_backward", "[3]"}));
}

// ---- after the merge: reductions of the point-wise losses need ember::sum / ember::mean ----

TEST(NnLossAfterMerge, PointwiseLossesReduceToMeanAndSum) {
  for (const PointwiseLoss& l : pointwise_losses()) {
    const Tensor x = random_tensor({3, 4}, kFloat64, l.lo, l.hi);
    const Tensor t = random_tensor({3, 4}, kFloat64, l.target_lo, l.target_hi);
    const auto xv = values(x), tv = values(t);
    double total = 0;
    for (size_t i = 0; i < xv.size(); ++i) total += l.reference(xv[i], tv[i]);
    EXPECT_TRUE(close_to(l.loss(x, t, Reduction::Sum), {total}, 1e-10)) << l.name;
    EXPECT_TRUE(close_to(l.loss(x, t, Reduction::Mean), {total / 12}, 1e-10)) << l.name;
    EXPECT_EQ(l.loss(x, t, Reduction::Mean).dim(), 0);
  }
}

}  // namespace
}  // namespace ember
