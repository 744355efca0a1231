// Tests of the samplers: sequential order; random orders that are permutations, differ from epoch
// to epoch, and are a function of (seed, epoch) only (also when the seed comes from
// ember::manual_seed); distributed shards (equal lengths, covering the data set, padding and
// drop_last, the same permutation on every rank); BatchSampler's cutting and drop_last.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::samplers::BatchSampler;
using data::samplers::DistributedSampler;
using data::samplers::RandomSampler;
using data::samplers::SequentialSampler;
using testing::throws_with;

bool is_permutation_of_range(std::vector<int64_t> v, int64_t n) {
  if (static_cast<int64_t>(v.size()) != n) return false;
  std::sort(v.begin(), v.end());
  for (int64_t i = 0; i < n; ++i)
    if (v[static_cast<size_t>(i)] != i) return false;
  return true;
}

TEST(Samplers, SequentialIsTheIdentityEveryEpoch) {
  SequentialSampler s(5);
  EXPECT_EQ(s.size(), 5);
  EXPECT_EQ(s.indices(0), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(s.indices(3), s.indices(0));
  EXPECT_TRUE(SequentialSampler(0).indices(0).empty());
  EXPECT_TRUE(
      throws_with<ValueError>([] { SequentialSampler bad(-1); }, {"SequentialSampler", "-1"}));
}

TEST(Samplers, RandomReshufflesEachEpochReproducibly) {
  RandomSampler s(100, 42);
  const auto e0 = s.indices(0), e1 = s.indices(1), e2 = s.indices(2);
  EXPECT_TRUE(is_permutation_of_range(e0, 100));
  EXPECT_TRUE(is_permutation_of_range(e1, 100));
  EXPECT_NE(e0, e1);
  EXPECT_NE(e1, e2);
  // Epoch e's order is a function of (seed, e): another sampler, epochs asked in another order.
  RandomSampler again(100, 42);
  EXPECT_EQ(again.indices(2), e2);
  EXPECT_EQ(again.indices(0), e0);
  EXPECT_NE(RandomSampler(100, 43).indices(0), e0);
  // Unseeded samplers draw their seed from the default generator: manual_seed reproduces them.
  manual_seed(5);
  RandomSampler a(100);
  manual_seed(5);
  RandomSampler b(100);
  EXPECT_EQ(a.seed(), b.seed());
  EXPECT_EQ(a.indices(1), b.indices(1));
  RandomSampler c(100);  // the generator moved on
  EXPECT_NE(c.seed(), a.seed());
}

TEST(Samplers, RandomPermutationIsRoughlyUniform) {
  // Where element 0 lands over many seeds: each of 4 positions about a quarter of the time.
  std::map<int64_t, int> where;
  for (uint64_t seed = 0; seed < 4000; ++seed) {
    const auto p = data::random_permutation(4, seed);
    where[std::find(p.begin(), p.end(), 0) - p.begin()]++;
  }
  for (int64_t pos = 0; pos < 4; ++pos) EXPECT_NEAR(where[pos], 1000, 150) << pos;
}

TEST(Samplers, DistributedShardsCoverTheDataSetWithEqualLengths) {
  const int64_t n = 10, replicas = 3;
  std::vector<int64_t> all;
  for (int64_t rank = 0; rank < replicas; ++rank) {
    DistributedSampler s(n, replicas, rank, /*shuffle=*/true, /*seed=*/9);
    EXPECT_EQ(s.size(), 4);  // ceil(10 / 3)
    const auto shard = s.indices(0);
    EXPECT_EQ(static_cast<int64_t>(shard.size()), 4);
    all.insert(all.end(), shard.begin(), shard.end());
    EXPECT_NE(s.indices(1), shard);  // reshuffled per epoch
  }
  // 12 = 10 + 2 repeats: every index appears, two of them twice.
  std::set<int64_t> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), 10u);
  EXPECT_EQ(all.size(), 12u);

  // Without shuffling: rank r takes r, r + R, ...; padding repeats the start.
  EXPECT_EQ(DistributedSampler(10, 3, 1, false).indices(0), (std::vector<int64_t>{1, 4, 7, 0}));
  EXPECT_EQ(DistributedSampler(10, 3, 2, false).indices(0), (std::vector<int64_t>{2, 5, 8, 1}));
  // drop_last cuts the tail instead.
  DistributedSampler cut(10, 3, 0, false, 0, /*drop_last=*/true);
  EXPECT_EQ(cut.size(), 3);
  EXPECT_EQ(cut.indices(0), (std::vector<int64_t>{0, 3, 6}));
  // Every rank draws the same permutation: the shards of one epoch are disjoint when n divides.
  std::set<int64_t> seen;
  for (int64_t rank = 0; rank < 4; ++rank)
    for (int64_t i : DistributedSampler(12, 4, rank, true, 3).indices(5))
      EXPECT_TRUE(seen.insert(i).second);
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_TRUE(throws_with<ValueError>([] { DistributedSampler bad(10, 2, 2); },
                                      {"DistributedSampler", "rank 2", "2 replicas"}));
}

TEST(Samplers, BatchSamplerCutsAndDropsTheLastBatch) {
  auto seq = std::make_shared<SequentialSampler>(7);
  BatchSampler keep(seq, 3);
  EXPECT_EQ(keep.size(), 3);
  EXPECT_EQ(keep.batches(0), (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}}));
  BatchSampler drop(seq, 3, /*drop_last=*/true);
  EXPECT_EQ(drop.size(), 2);
  EXPECT_EQ(drop.batches(0), (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}}));
  EXPECT_EQ(BatchSampler(seq, 7, true).size(), 1);
  EXPECT_EQ(BatchSampler(seq, 8, true).size(), 0);
  EXPECT_TRUE(BatchSampler(seq, 8, true).batches(0).empty());
  EXPECT_TRUE(throws_with<ValueError>([&] { BatchSampler bad(seq, 0); },
                                      {"BatchSampler", "batch_size", "0"}));
}

}  // namespace
}  // namespace ember
