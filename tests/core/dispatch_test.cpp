// The kernel table: every declared op has its CPU row, and a missing row is a clear error.
#include "ember/core/dispatch.h"
#include "support/test_util.h"

namespace ember {
namespace {

TEST(Dispatch, EveryOpHasACpuKernel) {
  for (int i = 0; i < kNumOps; ++i) {
    const OpId op = static_cast<OpId>(i);
    EXPECT_TRUE(has_kernel(op, kCPU)) << "op '" << op_name(op) << "' has no CPU kernel";
  }
}

TEST(Dispatch, OpNamesAreDistinctAndReadable) {
  EXPECT_EQ(op_name(OpId::add), "add");
  EXPECT_EQ(op_name(OpId::cumsum), "cumsum");
  EXPECT_EQ(op_name(static_cast<OpId>(kNumOps)), "unknown op");
}

TEST(Dispatch, MissingKernelNamesTheOpAndDevice) {
  // An op without a CUDA row (every op in a build without CUDA).
  for (int i = 0; i < kNumOps; ++i) {
    const OpId op = static_cast<OpId>(i);
    if (has_kernel(op, kCUDA)) continue;
    EXPECT_TRUE(testing::throws_with<DeviceError>(
        [&] { lookup_kernel<ReduceKernel>(op, Device(kCUDA, 0)); },
        {std::string(op_name(op)), "cuda:0"}));
    return;
  }
  GTEST_SKIP() << "every op has a CUDA row";
}

}  // namespace
}  // namespace ember
