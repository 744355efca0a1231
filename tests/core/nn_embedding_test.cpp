// embedding (rows of the weight table picked by int64 or int32 indices of any shape) and its
// backward (gradient rows summed per index in index order, padding_idx left at zero) against
// naive loops and finite differences; out-of-range indices and other bad input.
#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::random_tensor;
using testing::throws_with;
using testing::values;

TEST(NnEmbedding, ForwardPicksRows) {
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor weight = random_tensor({10, 7}, dt);
    const auto wv = values(weight);
    const std::vector<int64_t> idx = {3, 0, 9, 3, 5, 5};
    for (DType it : {kInt64, kInt32}) {
      const Tensor indices = tensor(idx, {2, 3}).to(it);
      const Tensor out = embedding(weight, indices);
      ASSERT_EQ(out.sizes(), IntArrayRef({2, 3, 7}));
      std::vector<double> expected;
      for (int64_t i : idx)
        expected.insert(expected.end(), wv.begin() + i * 7, wv.begin() + (i + 1) * 7);
      EXPECT_EQ(values(out), expected);  // a copy: exact
    }
    // A transposed weight table and strided indices.
    const Tensor wt = weight.t().contiguous().t();
    const Tensor strided = tensor(std::vector<int64_t>{1, 8, 2, 7}, {4}).slice(0, 0, 4, 2);
    EXPECT_EQ(
        values(embedding(wt, strided)),
        std::vector<double>(values(embedding(weight, tensor(std::vector<int64_t>{1, 2}, {2})))));
  }
}

TEST(NnEmbedding, BackwardSumsRepeatedIndicesAndSkipsPadding) {
  const std::vector<int64_t> idx = {3, 0, 9, 3, 5, 3, 1, 5};
  const Tensor indices = tensor(idx, {2, 4});
  for (DType dt : {kFloat32, kFloat64}) {
    // Wide enough (40 > one 16-column block) to split columns over threads.
    const Tensor grad = random_tensor({2, 4, 40}, dt);
    const auto gv = values(grad);
    for (std::optional<int64_t> pad :
         {std::optional<int64_t>(), std::optional<int64_t>(5), std::optional<int64_t>(-7)}) {
      const int64_t pad_row = !pad ? -1 : (*pad < 0 ? *pad + 10 : *pad);
      std::vector<double> expected(10 * 40, 0.0);
      for (size_t i = 0; i < idx.size(); ++i) {
        if (idx[i] == pad_row) continue;
        for (int64_t j = 0; j < 40; ++j) expected[idx[i] * 40 + j] += gv[i * 40 + j];
      }
      const Tensor gw = embedding_backward(grad, indices, 10, pad);
      ASSERT_EQ(gw.sizes(), IntArrayRef({10, 40}));
      EXPECT_TRUE(testing::close_to(gw, expected, testing::pointwise_rtol(dt)));
    }
  }
  // Finite differences of the forward (a linear map) in float64.
  const Tensor weight = random_tensor({10, 3}, kFloat64);
  const std::vector<double> up = testing::random_upstream(8 * 3);
  const auto f = [&](const Tensor& w) { return values(embedding(w, indices)); };
  EXPECT_TRUE(
      testing::gradient_matches(embedding_backward(tensor(up, {2, 4, 3}).to(kFloat64), indices, 10),
                                testing::numeric_gradient(f, weight, up)));
}

TEST(NnEmbedding, BadInputErrorsNameTheOpAndValues) {
  const Tensor weight = zeros({10, 4});
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        embedding(weight, tensor(std::vector<int64_t>{1, 10, 2}, {3}));
      },
      {"embedding", "index 10", "position 1", "10 embeddings"}));
  EXPECT_TRUE(
      throws_with<IndexError>([&] { embedding(weight, tensor(std::vector<int64_t>{-1}, {1})); },
                              {"embedding", "index -1"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { embedding(weight, zeros({3})); },
                                      {"embedding", "indices", "float32"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { embedding(zeros({10}), zeros({3}, kInt64)); },
                                      {"embedding", "[10]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { embedding(weight, zeros({3}, kInt64), 10); },
                                      {"embedding", "padding_idx 10"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        embedding_backward(zeros({2, 4}), tensor(std::vector<int64_t>{0, 12}, {2}), 10);
      },
      {"embedding_backward", "index 12"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        embedding_backward(zeros({3, 4}), tensor(std::vector<int64_t>{0, 1}, {2}), 10);
      },
      {"embedding_backward", "[3, 4]", "[2]"}));
}

}  // namespace
}  // namespace ember
