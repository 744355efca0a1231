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
  if (cuda::is_available()) GTEST_SKIP() << "a GPU is present; the CUDA rows exist";
  EXPECT_TRUE(testing::throws_with<DeviceError>([] { kernel_for<OpId::add>(Device(kCUDA, 0)); },
                                                {"add", "cuda:0"}));
}

}  // namespace
}  // namespace ember
