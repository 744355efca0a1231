// Tests of the Philox generator, the random factories and fills (rand, randn, randint, bernoulli_,
// randperm, Generator objects) and the range factories (arange, linspace, eye): known-answer
// vectors, an independent re-implementation of the element -> counter mapping, independence from
// shape and thread count, statistics, exact range values and bad input.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "ember/core/dispatch.h"
#include "kernels/philox.h"
#include "support/test_util.h"

namespace ember {
namespace {

using ::ember::testing::throws_with;

// ---- an independent Philox4x32-10 and mapping, written from the spec ----

std::array<uint32_t, 4> reference_philox(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    const uint64_t p0 = uint64_t{0xD2511F53u} * c[0];
    const uint64_t p1 = uint64_t{0xCD9E8D57u} * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1],
         uint32_t(p0)};
  }
  return c;
}

// Word w of counter block `block` for a seed.
uint32_t reference_word(uint64_t seed, uint64_t block, int w) {
  return reference_philox({uint32_t(block), uint32_t(block >> 32), 0, 0},
                          {uint32_t(seed), uint32_t(seed >> 32)})[static_cast<size_t>(w)];
}

// Element i of an op reading `words` words per element, starting at state.
std::vector<uint32_t> element_words(PhiloxState s, uint64_t i, int words) {
  const uint64_t per_block = 4 / static_cast<uint64_t>(words);
  std::vector<uint32_t> out;
  for (int w = 0; w < words; ++w) {
    out.push_back(reference_word(s.seed, s.offset + i / per_block,
                                 static_cast<int>(i % per_block) * words + w));
  }
  return out;
}

uint64_t join64(uint32_t hi, uint32_t lo) {
  return (uint64_t{hi} << 32) | lo;
}

// ---- Philox itself ----

TEST(Philox, MatchesRandom123KnownAnswers) {
  struct Case {
    philox::Block ctr;
    uint32_t key0, key1;
    philox::Block expected;
  };
  const Case cases[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}}},
      {{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
       0xffffffffu,
       0xffffffffu,
       {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}}},
      {{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
       0xa4093822u,
       0x299f31d0u,
       {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}},
  };
  for (const Case& c : cases) {
    const philox::Block out = philox::philox4x32_10(c.ctr, c.key0, c.key1);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(out.word[w], c.expected.word[w]) << "word " << w;
    // The test's own implementation agrees, so it can check the mapping below.
    const auto ref = reference_philox({c.ctr.word[0], c.ctr.word[1], c.ctr.word[2], c.ctr.word[3]},
                                      {c.key0, c.key1});
    for (int w = 0; w < 4; ++w) EXPECT_EQ(ref[static_cast<size_t>(w)], c.expected.word[w]);
  }
}

TEST(Philox, BlockOfSeedAndIndexUsesBothHalves) {
  const uint64_t seed = 0x0123456789abcdefULL, block = 0xfedcba9876543210ULL;
  const philox::Block out = philox::philox_block(seed, block);
  const auto ref = reference_philox({0x76543210u, 0xfedcba98u, 0, 0}, {0x89abcdefu, 0x01234567u});
  for (int w = 0; w < 4; ++w) EXPECT_EQ(out.word[w], ref[static_cast<size_t>(w)]);
  EXPECT_EQ(philox::philox_block(PhiloxState{seed, 10}, 5).word[2],
            philox::philox_block(seed, 15).word[2]);
}

// ---- the mapping, re-implemented: rand, randn, randint, bernoulli_ ----

TEST(RandomMapping, RandFloat32IsTopBitsOfOneWordPerElement) {
  Generator g(1234);
  g.set_state({1234, 77});
  const PhiloxState s = g.get_state();
  const std::vector<float> v = rand({11}, &g).to_vector<float>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    const uint32_t w = element_words(s, i, 1)[0];
    EXPECT_EQ(v[i], static_cast<float>(w >> 8) * 0x1p-24f) << "element " << i;
  }
  EXPECT_EQ(g.get_state().offset, 77u + 3u);  // ceil(11 / 4) blocks
}

TEST(RandomMapping, UniformFloat32ScalesWithOneRounding) {
  Generator g(99);
  const PhiloxState s = g.get_state();
  Tensor t = empty({9});
  t.uniform_(-3.0, 5.0, &g);
  const std::vector<float> v = t.to_vector<float>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    const float u = static_cast<float>(element_words(s, i, 1)[0] >> 8) * 0x1p-24f;
    EXPECT_EQ(v[i], std::fma(u, 8.0f, -3.0f)) << "element " << i;
  }
}

TEST(RandomMapping, RandFloat64Takes53BitsOfTwoWords) {
  Generator g(5);
  const PhiloxState s = g.get_state();
  const std::vector<double> v = rand({7}, &g, kFloat64).to_vector<double>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    const auto w = element_words(s, i, 2);
    EXPECT_EQ(v[i], static_cast<double>(join64(w[0], w[1]) >> 11) * 0x1p-53) << "element " << i;
  }
  EXPECT_EQ(g.get_state().offset, 4u);  // ceil(7 * 2 / 4)
}

TEST(RandomMapping, RandHalfTypesRoundTheFloatValue) {
  for (DType dtype : {kFloat16, kBFloat16}) {
    Generator g(31);
    const PhiloxState s = g.get_state();
    const std::vector<float> v = rand({6}, &g, dtype).to_vector<float>();
    for (uint64_t i = 0; i < v.size(); ++i) {
      const float u = static_cast<float>(element_words(s, i, 1)[0] >> 8) * 0x1p-24f;
      const float rounded =
          dtype == kFloat16 ? static_cast<float>(Half(u)) : static_cast<float>(BFloat16(u));
      if (rounded < 1.0f) {
        EXPECT_EQ(v[i], rounded) << dtype << " element " << i;
      }
    }
  }
}

TEST(RandomMapping, RandnIsBoxMullerOfTwoWords) {
  Generator g(2024);
  g.set_state({2024, 3});
  const PhiloxState s = g.get_state();
  const std::vector<float> v = randn({9}, &g).to_vector<float>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    const auto w = element_words(s, i, 2);
    const double u1 = (w[0] + 1.0) * 0x1p-32, u2 = w[1] * 0x1p-32;
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    EXPECT_EQ(v[i], static_cast<float>(z)) << "element " << i;
  }
  EXPECT_EQ(g.get_state().offset, 3u + 5u);  // ceil(9 * 2 / 4)
}

TEST(RandomMapping, NormalFloat64TakesOneBlockPerElement) {
  Generator g(8);
  const PhiloxState s = g.get_state();
  Tensor t = empty({5}, kFloat64);
  t.normal_(1.5, 2.0, &g);
  const std::vector<double> v = t.to_vector<double>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    const auto w = element_words(s, i, 4);
    const double u1 = static_cast<double>((join64(w[0], w[1]) >> 11) + 1) * 0x1p-53;
    const double u2 = static_cast<double>(join64(w[2], w[3]) >> 11) * 0x1p-53;
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    EXPECT_EQ(v[i], std::fma(z, 2.0, 1.5)) << "element " << i;
  }
  EXPECT_EQ(g.get_state().offset, 5u);
}

TEST(RandomMapping, RandintSmallRangeIsOneWordModuloRange) {
  Generator g(77);
  const PhiloxState s = g.get_state();
  const std::vector<int64_t> v = randint(-7, 1000, {10}, &g).to_vector<int64_t>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i], -7 + static_cast<int64_t>(element_words(s, i, 1)[0] % 1007u)) << i;
  }
}

TEST(RandomMapping, RandintWideRangeIsTwoWordsModuloRange) {
  Generator g(78);
  const PhiloxState s = g.get_state();
  const int64_t low = -(int64_t{1} << 40), high = int64_t{1} << 41;
  const std::vector<int64_t> v = randint(low, high, {5}, &g).to_vector<int64_t>();
  const uint64_t range = static_cast<uint64_t>(high - low);
  for (uint64_t i = 0; i < v.size(); ++i) {
    const auto w = element_words(s, i, 2);
    EXPECT_EQ(v[i], low + static_cast<int64_t>(join64(w[0], w[1]) % range)) << i;
  }
  EXPECT_EQ(g.get_state().offset, 3u);
}

TEST(RandomMapping, BernoulliComparesOneWordWithP) {
  Generator g(4);
  const PhiloxState s = g.get_state();
  Tensor t = empty({13}, kInt32);
  t.bernoulli_(0.4, &g);
  const std::vector<int32_t> v = t.to_vector<int32_t>();
  for (uint64_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i], element_words(s, i, 1)[0] * 0x1p-32 < 0.4 ? 1 : 0) << "element " << i;
  }
}

// ---- reproducibility and independence from shape and threads ----

TEST(Random, SameSeedSameNumbersAndStreamsMoveOn) {
  manual_seed(42);
  const std::vector<float> a = rand({100}).to_vector<float>();
  const std::vector<float> a2 = rand({100}).to_vector<float>();
  manual_seed(42);
  const std::vector<float> b = rand({100}).to_vector<float>();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, a2);
  manual_seed(43);
  EXPECT_NE(a, rand({100}).to_vector<float>());
}

TEST(Random, ValuesDoNotDependOnShape) {
  auto flat = [](const Tensor& t) { return t.reshape({-1}).to_vector<double>(); };
  {
    Generator g1(9), g2(9);
    EXPECT_EQ(flat(rand({1000}, &g1)), flat(rand({10, 100}, &g2)));
  }
  {
    Generator g1(9), g2(9);
    EXPECT_EQ(flat(randn({1001}, &g1, kFloat64)), flat(randn({7, 11, 13}, &g2, kFloat64)));
  }
  {
    Generator g1(9), g2(9);
    EXPECT_EQ(flat(randint(0, 50, {600}, &g1)), flat(randint(0, 50, {20, 30}, &g2)));
  }
  {
    Generator g1(9), g2(9);
    Tensor a = empty({999}), b = empty({27, 37});
    a.bernoulli_(0.3, &g1);
    b.bernoulli_(0.3, &g2);
    EXPECT_EQ(flat(a), flat(b));
  }
}

TEST(Random, ValuesDoNotDependOnThreadCount) {
  const int saved = omp_get_max_threads();
  auto draw = [](int threads) {
    omp_set_num_threads(threads);
    std::vector<std::vector<double>> out;
    Generator g(314);
    out.push_back(rand({100003}, &g).to_vector<double>());
    out.push_back(randn({100003}, &g).to_vector<double>());
    out.push_back(rand({50001}, &g, kFloat64).to_vector<double>());
    out.push_back(randn({50001}, &g, kFloat64).to_vector<double>());
    out.push_back(randint(-3, 1000, {100003}, &g).to_vector<double>());
    Tensor b = empty({100003}, kUInt8);
    b.bernoulli_(0.7, &g);
    out.push_back(b.to_vector<double>());
    return out;
  };
  const auto one = draw(1);
  const auto two = draw(2);
  omp_set_num_threads(saved);
  ASSERT_EQ(one.size(), two.size());
  for (size_t k = 0; k < one.size(); ++k) EXPECT_EQ(one[k], two[k]) << "draw " << k;
}

TEST(Random, StridedTargetGetsTheValuesOfItsLogicalOrder) {
  Generator g1(11), g2(11);
  Tensor base = zeros({3, 4});
  Tensor view = base.t();  // [4, 3], not contiguous
  view.uniform_(0.0, 1.0, &g1);
  EXPECT_EQ(view.to_vector<float>(), rand({4, 3}, &g2).to_vector<float>());
}

// ---- generators ----

TEST(Generator, ManualSeedStateAndIndependentStreams) {
  Generator g(123);
  EXPECT_EQ(g.initial_seed(), 123u);
  const std::vector<float> first = rand({8}, &g).to_vector<float>();
  const PhiloxState mid = g.get_state();
  const std::vector<float> second = rand({8}, &g).to_vector<float>();
  EXPECT_NE(first, second);
  g.set_state(mid);
  EXPECT_EQ(rand({8}, &g).to_vector<float>(), second);
  g.manual_seed(123);
  EXPECT_EQ(g.get_state().offset, 0u);
  EXPECT_EQ(rand({8}, &g).to_vector<float>(), first);

  // Drawing from an explicit generator leaves the default stream where it was.
  manual_seed(7);
  const std::vector<float> d1 = rand({8}).to_vector<float>();
  manual_seed(7);
  Generator other(7);
  (void)rand({100}, &other);
  EXPECT_EQ(rand({8}).to_vector<float>(), d1);
  EXPECT_EQ(default_generator().initial_seed(), 7u);
}

TEST(Generator, OffsetAdvancesByTheBlocksEachOpUses) {
  Generator g(1);
  auto offset = [&] { return g.get_state().offset; };
  (void)rand({10}, &g);
  EXPECT_EQ(offset(), 3u);
  (void)rand({10}, &g, kFloat64);
  EXPECT_EQ(offset(), 3u + 5u);
  (void)randn({3}, &g);
  EXPECT_EQ(offset(), 8u + 2u);
  (void)randn({3}, &g, kFloat64);
  EXPECT_EQ(offset(), 10u + 3u);
  (void)randint(0, 5, {5}, &g);
  EXPECT_EQ(offset(), 13u + 2u);
  (void)randint(0, int64_t{1} << 33, {5}, &g);
  EXPECT_EQ(offset(), 15u + 3u);
  (void)rand({0}, &g);
  EXPECT_EQ(offset(), 18u);
}

// ---- statistics ----

struct Moments {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Moments moments(const std::vector<double>& v) {
  Moments m;
  m.min = *std::min_element(v.begin(), v.end());
  m.max = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  m.mean = sum / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - m.mean) * (x - m.mean);
  m.stddev = std::sqrt(sq / static_cast<double>(v.size() - 1));
  return m;
}

TEST(RandomStatistics, UniformRangeMeanAndSpread) {
  Generator g(100);
  for (DType dtype : {kFloat32, kFloat64}) {
    const Moments m = moments(rand({1000000}, &g, dtype).to_vector<double>());
    EXPECT_GE(m.min, 0.0);
    EXPECT_LT(m.max, 1.0);
    EXPECT_NEAR(m.mean, 0.5, 0.002) << dtype;  // sigma of the mean: 2.9e-4
    EXPECT_NEAR(m.stddev, std::sqrt(1.0 / 12.0), 0.002) << dtype;
  }
  Tensor t = empty({200000});
  t.uniform_(-2.0, 3.0, &g);
  const Moments m = moments(t.to_vector<double>());
  EXPECT_GE(m.min, -2.0);
  EXPECT_LT(m.max, 3.0);
  EXPECT_NEAR(m.mean, 0.5, 0.02);
}

TEST(RandomStatistics, UniformNeverReturnsTheUpperBound) {
  Generator g(101);
  // A range one float wide: every value must be `from`.
  const float from = 1.0f, to = std::nextafter(1.0f, 2.0f);
  Tensor narrow_range = empty({10000});
  narrow_range.uniform_(from, to, &g);
  for (float v : narrow_range.to_vector<float>()) ASSERT_EQ(v, from);
  // Half types round values near 1 up to 1 unless kept below it.
  for (DType dtype : {kFloat16, kBFloat16}) {
    const Moments m = moments(rand({1000000}, &g, dtype).to_vector<double>());
    EXPECT_GE(m.min, 0.0) << dtype;
    EXPECT_LT(m.max, 1.0) << dtype;
    EXPECT_NEAR(m.mean, 0.5, 0.01) << dtype;
  }
  Tensor h = empty({100000}, kFloat16);
  h.uniform_(-1.0, 1.0, &g);
  const Moments m = moments(h.to_vector<double>());
  EXPECT_GE(m.min, -1.0);
  EXPECT_LT(m.max, 1.0);
  // from == to gives from.
  Tensor same = empty({4});
  same.uniform_(2.5, 2.5, &g);
  EXPECT_EQ(same.to_vector<float>(), std::vector<float>(4, 2.5f));
}

TEST(RandomStatistics, NormalMeanStdAndTails) {
  Generator g(200);
  for (DType dtype : {kFloat32, kFloat64}) {
    const std::vector<double> v = randn({1000000}, &g, dtype).to_vector<double>();
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0.0, 0.005) << dtype;    // sigma: 0.001
    EXPECT_NEAR(m.stddev, 1.0, 0.005) << dtype;  // sigma: 0.0007
    int64_t within_one = 0;
    for (double x : v) within_one += std::fabs(x) < 1.0;
    EXPECT_NEAR(static_cast<double>(within_one) / 1e6, 0.682689, 0.003) << dtype;
    EXPECT_LT(m.max, 7.0);
    EXPECT_GT(m.min, -7.0);
  }
  const Moments m = moments(normal(3.0, 0.5, {200000}, &g).to_vector<double>());
  EXPECT_NEAR(m.mean, 3.0, 0.01);
  EXPECT_NEAR(m.stddev, 0.5, 0.01);
  const Moments h = moments(randn({200000}, &g, kBFloat16).to_vector<double>());
  EXPECT_NEAR(h.mean, 0.0, 0.02);
  EXPECT_NEAR(h.stddev, 1.0, 0.02);
}

TEST(RandomStatistics, BernoulliRateForEveryDtype) {
  Generator g(300);
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kBFloat16, kUInt8, kInt32, kInt64, kBool}) {
    Tensor t = empty({1000000}, dtype);
    t.bernoulli_(0.3, &g);
    const std::vector<double> v = t.to(kFloat64).to_vector<double>();
    double ones = 0;
    for (double x : v) {
      ASSERT_TRUE(x == 0.0 || x == 1.0) << dtype << " gave " << x;
      ones += x;
    }
    EXPECT_NEAR(ones / 1e6, 0.3, 0.003) << dtype;  // sigma: 4.6e-4
  }
  Tensor never = empty({10000}), always = empty({10000});
  never.bernoulli_(0.0, &g);
  always.bernoulli_(1.0, &g);
  EXPECT_EQ(never.to_vector<float>(), std::vector<float>(10000, 0.0f));
  EXPECT_EQ(always.to_vector<float>(), std::vector<float>(10000, 1.0f));
}

TEST(RandomStatistics, RandintCoversItsRangeUniformly) {
  Generator g(400);
  for (DType dtype : {kInt64, kInt32, kUInt8, kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const int64_t low = dtype == kUInt8 ? 3 : -5;
    const std::vector<double> v =
        randint(low, low + 10, {100000}, &g, dtype).to(kFloat64).to_vector<double>();
    std::vector<int64_t> counts(10, 0);
    for (double x : v) {
      ASSERT_EQ(x, std::floor(x)) << dtype;
      ASSERT_GE(x, static_cast<double>(low)) << dtype;
      ASSERT_LT(x, static_cast<double>(low + 10)) << dtype;
      counts[static_cast<size_t>(x - static_cast<double>(low))]++;
    }
    for (int64_t c : counts) EXPECT_NEAR(static_cast<double>(c) / 1e5, 0.1, 0.005) << dtype;
  }
  const std::vector<double> b = randint(0, 2, {10000}, &g, kBool).to(kFloat64).to_vector<double>();
  const std::set<double> seen(b.begin(), b.end());
  EXPECT_EQ(seen, (std::set<double>{0.0, 1.0}));
  // Ranges wider than 2^32 reach beyond 32 bits.
  const std::vector<int64_t> wide = randint(0, int64_t{1} << 50, {1000}, &g).to_vector<int64_t>();
  EXPECT_GT(*std::max_element(wide.begin(), wide.end()), int64_t{1} << 40);
  EXPECT_EQ(randint(10, {3}).dtype(), kInt64);
}

TEST(RandomStatistics, RandpermIsAPermutationThatReshuffles) {
  if (!has_kernel(OpId::sort, kCPU)) GTEST_SKIP() << "randperm needs the CPU sort kernel";
  Generator g(500);
  const std::vector<int64_t> p = randperm(1000, &g).to_vector<int64_t>();
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_NE(p, sorted);
  g.manual_seed(501);
  EXPECT_NE(randperm(1000, &g).to_vector<int64_t>(), p);
  g.manual_seed(500);
  EXPECT_EQ(randperm(1000, &g).to_vector<int64_t>(), p);
  EXPECT_EQ(randperm(0, &g).numel(), 0);
}

// ---- ranges ----

TEST(Range, ArangeIntegers) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(10, 0, -3).to_vector<int64_t>(), (std::vector<int64_t>{10, 7, 4, 1}));
  EXPECT_EQ(arange(-3, 4, 2).to_vector<int64_t>(), (std::vector<int64_t>{-3, -1, 1, 3}));
  EXPECT_EQ(arange(3, 3).numel(), 0);
  EXPECT_EQ(arange(3, 3).dtype(), kInt64);
  // Exact beyond 2^53, where a double path would round.
  const int64_t big = (int64_t{1} << 60) + 1;
  EXPECT_EQ(arange(big, big + 3).to_vector<int64_t>(),
            (std::vector<int64_t>{big, big + 1, big + 2}));
  EXPECT_EQ(arange(0, 5, 1, kInt32).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(250, 256, 2, kUInt8).to_vector<uint8_t>(),
            (std::vector<uint8_t>{250, 252, 254}));
  // Floating bounds with an integer dtype truncate, like PyTorch: [0, 1, 2, 3, 4].
  EXPECT_EQ(arange(0.5, 5, 1, kInt64).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(Range, ArangeFloats) {
  Tensor a = arange(0, 1, 0.25);
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f}));
  EXPECT_EQ(arange(1.0, -1.0, -0.5).to_vector<float>(),
            (std::vector<float>{1.0f, 0.5f, 0.0f, -0.5f}));
  // start + i * step as one fused multiply-add in double, rounded once.
  const std::vector<double> d = arange(0.1, 2.0, 0.3, kFloat64).to_vector<double>();
  ASSERT_EQ(d.size(), 7u);
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(d[i], std::fma(0.3, double(i), 0.1));
  const std::vector<float> f3 = arange(0.1, 2.0, 0.3).to_vector<float>();
  for (size_t i = 0; i < f3.size(); ++i) EXPECT_EQ(f3[i], float(std::fma(0.3, double(i), 0.1)));
  const std::vector<float> f = arange(0, 100000, 1, kFloat32).to_vector<float>();
  for (size_t i = 0; i < f.size(); ++i) ASSERT_EQ(f[i], static_cast<float>(i));
  EXPECT_EQ(arange(0, 4, 1, kFloat16).to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(arange(0, 4, 1, kBFloat16).to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(arange(0.0, 0.0, 0.5).numel(), 0);
}

TEST(Range, LinspaceEndsExactAndSymmetric) {
  EXPECT_EQ(linspace(0, 1, 5).to_vector<float>(),
            (std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f}));
  EXPECT_EQ(linspace(5, -5, 11).to_vector<float>(),
            (std::vector<float>{5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5}));
  EXPECT_EQ(linspace(3, 7, 1).to_vector<float>(), (std::vector<float>{3.0f}));
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  const int64_t n = 1001;
  const double start = -0.3, end = 1.7, step = (end - start) / (n - 1);
  const std::vector<double> v = linspace(start, end, n, kFloat64).to_vector<double>();
  for (int64_t i = 0; i < n; ++i) {
    const double expected = i < n / 2 ? std::fma(step, static_cast<double>(i), start)
                                      : std::fma(-step, static_cast<double>(n - 1 - i), end);
    ASSERT_EQ(v[static_cast<size_t>(i)], expected) << "element " << i;
  }
  EXPECT_EQ(v.front(), start);
  EXPECT_EQ(v.back(), end);
  // Integer dtypes truncate, like PyTorch: [0, 2, 5, 7, 10].
  EXPECT_EQ(linspace(0, 10, 5, kInt64).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 2, 5, 7, 10}));
  EXPECT_EQ(linspace(0, 1, 3, kFloat16).to_vector<float>(), (std::vector<float>{0, 0.5f, 1}));
}

TEST(Range, Eye) {
  EXPECT_EQ(eye(3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  Tensor r = eye(2, 3, kInt64);
  EXPECT_EQ(r.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(eye(3, 2).to_vector<float>(), (std::vector<float>{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(eye(0).numel(), 0);
}

// ---- bad input ----

TEST(RandomErrors, BadArgumentsNameTheOpAndValues) {
  EXPECT_TRUE(throws_with<ValueError>([] { (void)arange(0, 5, 0); }, {"arange", "step"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)arange(0, 5, -1); }, {"arange", "5", "-1"}));
  EXPECT_TRUE(throws_with<DTypeError>([] { (void)arange(0, 2, 1, kBool); }, {"arange", "bool"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([] { (void)linspace(0, 1, 3, kBool); }, {"linspace", "bool"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)linspace(0, 1, -1); }, {"linspace", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)eye(-2); }, {"eye", "-2"}));
  EXPECT_TRUE(throws_with<DTypeError>([] { (void)rand({2}, kInt64); }, {"uniform_", "int64"}));
  EXPECT_TRUE(throws_with<DTypeError>([] { (void)randn({2}, kInt32); }, {"normal_", "int32"}));
  Tensor t = empty({3});
  EXPECT_TRUE(throws_with<ValueError>([&] { t.uniform_(2.0, 1.0); }, {"uniform_", "2", "1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { t.uniform_(0.0, INFINITY); }, {"uniform_", "inf"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { t.normal_(0.0, -1.0); }, {"normal_", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { t.bernoulli_(1.5); }, {"bernoulli_", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)randint(5, 5, {2}); }, {"random_", "5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)randint(0, 300, {2}, kUInt8); },
                                      {"random_", "300", "uint8"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)randint(-1, 5, {2}, kUInt8); },
                                      {"random_", "-1", "uint8"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)randint(0, 70000, {2}, kFloat16); },
                                      {"random_", "70000", "float16"}));
  EXPECT_TRUE(
      throws_with<ValueError>([] { (void)randint(0, 3, {2}, kBool); }, {"random_", "bool"}));
  EXPECT_TRUE(throws_with<ValueError>([] { (void)randperm(-1); }, {"randperm", "-1"}));
}

}  // namespace
}  // namespace ember
