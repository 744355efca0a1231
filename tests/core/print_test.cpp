// Tests of std::ostream << Tensor. The expected strings are PyTorch 1.13's repr of the same
// tensors (torch._tensor_str with default options) followed by Ember's size/dtype/device suffix,
// wrapped by torch's _add_suffixes rule.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "support/test_util.h"

namespace ember {
namespace {

std::string str(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

TEST(Print, MatrixAlignsColumns) {
  EXPECT_EQ(str(tensor({{1.0, -2.5}, {3.0, 4.0}})),
            "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]], size=[2, 2], "
            "dtype=float32, device=cpu)");
}

TEST(Print, ZeroDim) {
  EXPECT_EQ(str(scalar_tensor(3.5)), "tensor(3.5000, size=[], dtype=float32, device=cpu)");
  EXPECT_EQ(str(scalar_tensor(7)), "tensor(7, size=[], dtype=int64, device=cpu)");
  EXPECT_EQ(str(scalar_tensor(true)), "tensor(True, size=[], dtype=bool, device=cpu)");
}

TEST(Print, IntegersAndBools) {
  EXPECT_EQ(str(tensor({1, -20, 300})),
            "tensor([  1, -20, 300], size=[3], dtype=int64, device=cpu)");
  EXPECT_EQ(str(tensor({true, false, true})),
            "tensor([ True, False,  True], size=[3], dtype=bool, device=cpu)");
  EXPECT_EQ(str(tensor({0, 255, 7}, kUInt8)),
            "tensor([  0, 255,   7], size=[3], dtype=uint8, device=cpu)");
  EXPECT_EQ(str(tensor({{-1, 2}, {3, -40}}, kInt32)),
            "tensor([[ -1,   2],\n        [  3, -40]], size=[2, 2], dtype=int32, device=cpu)");
  // Integers print exactly, beyond what a double holds.
  EXPECT_EQ(str(tensor({int64_t{9007199254740993}})),
            "tensor([9007199254740993], size=[1], dtype=int64, device=cpu)");
}

TEST(Print, IntegerValuedFloatsAndZeros) {
  EXPECT_EQ(str(tensor({1.0, 2.0, -3.0})),
            "tensor([ 1.,  2., -3.], size=[3], dtype=float32, device=cpu)");
  EXPECT_EQ(str(zeros({3})), "tensor([0., 0., 0.], size=[3], dtype=float32, device=cpu)");
  EXPECT_EQ(str(tensor({-0.0, 0.5})),
            "tensor([-0.0000, 0.5000], size=[2], dtype=float32, device=cpu)");
}

TEST(Print, NonFiniteValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(str(tensor({nan, inf, -inf, 1.0})),
            "tensor([nan, inf, -inf, 1.], size=[4], dtype=float32, device=cpu)");
  EXPECT_EQ(str(tensor({1.5, -nan, -inf})),
            "tensor([1.5000,    nan,   -inf], size=[3], dtype=float32, device=cpu)");
}

TEST(Print, ScientificWhenTheRangeDemands) {
  EXPECT_EQ(str(tensor({1e-5, 1.0, 0.0})),
            "tensor([1.0000e-05, 1.0000e+00, 0.0000e+00], size=[3], dtype=float32,\n"
            "       device=cpu)");
  EXPECT_EQ(str(tensor({1e9, 1.0})),
            "tensor([1.0000e+09, 1.0000e+00], size=[2], dtype=float32, device=cpu)");
  EXPECT_EQ(str(tensor({1234.5, 0.5})),
            "tensor([1.2345e+03, 5.0000e-01], size=[2], dtype=float32, device=cpu)");
}

TEST(Print, LongRowsWrapAndSuffixesMoveToTheirOwnLine) {
  EXPECT_EQ(str(arange(0, 30, 1, kFloat32) * 1.5 - 7),
            "tensor([-7.0000, -5.5000, -4.0000, -2.5000, -1.0000,  0.5000,  2.0000,  3.5000,\n"
            "         5.0000,  6.5000,  8.0000,  9.5000, 11.0000, 12.5000, 14.0000, 15.5000,\n"
            "        17.0000, 18.5000, 20.0000, 21.5000, 23.0000, 24.5000, 26.0000, 27.5000,\n"
            "        29.0000, 30.5000, 32.0000, 33.5000, 35.0000, 36.5000], size=[30],\n"
            "       dtype=float32, device=cpu)");
  EXPECT_EQ(str(arange(0, 26, 1, kFloat32) + 0.5),
            "tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,\n"
            "         8.5000,  9.5000, 10.5000, 11.5000, 12.5000, 13.5000, 14.5000, 15.5000,\n"
            "        16.5000, 17.5000, 18.5000, 19.5000, 20.5000, 21.5000, 22.5000, 23.5000,\n"
            "        24.5000, 25.5000], size=[26], dtype=float32, device=cpu)");
}

TEST(Print, SummarisesBeyondAThousandElements) {
  EXPECT_EQ(str(arange(2000)),
            "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], size=[2000], dtype=int64,\n"
            "       device=cpu)");
  EXPECT_EQ(str(arange(0, 1200, 1, kFloat64).reshape({40, 30}) * 0.25),
            "tensor([[0.0000e+00, 2.5000e-01, 5.0000e-01,  ..., 6.7500e+00, 7.0000e+00,\n"
            "         7.2500e+00],\n"
            "        [7.5000e+00, 7.7500e+00, 8.0000e+00,  ..., 1.4250e+01, 1.4500e+01,\n"
            "         1.4750e+01],\n"
            "        [1.5000e+01, 1.5250e+01, 1.5500e+01,  ..., 2.1750e+01, 2.2000e+01,\n"
            "         2.2250e+01],\n"
            "        ...,\n"
            "        [2.7750e+02, 2.7775e+02, 2.7800e+02,  ..., 2.8425e+02, 2.8450e+02,\n"
            "         2.8475e+02],\n"
            "        [2.8500e+02, 2.8525e+02, 2.8550e+02,  ..., 2.9175e+02, 2.9200e+02,\n"
            "         2.9225e+02],\n"
            "        [2.9250e+02, 2.9275e+02, 2.9300e+02,  ..., 2.9925e+02, 2.9950e+02,\n"
            "         2.9975e+02]], size=[40, 30], dtype=float64, device=cpu)");
  EXPECT_EQ(str(arange(0, 1200, 1, kInt32).reshape({2, 3, 200})),
            "tensor([[[   0,    1,    2,  ...,  197,  198,  199],\n"
            "         [ 200,  201,  202,  ...,  397,  398,  399],\n"
            "         [ 400,  401,  402,  ...,  597,  598,  599]],\n"
            "\n"
            "        [[ 600,  601,  602,  ...,  797,  798,  799],\n"
            "         [ 800,  801,  802,  ...,  997,  998,  999],\n"
            "         [1000, 1001, 1002,  ..., 1197, 1198, 1199]]], size=[2, 3, 200],\n"
            "       dtype=int32, device=cpu)");
}

TEST(Print, NestedDimsSeparateWithBlankLines) {
  EXPECT_EQ(str(arange(8).reshape({2, 2, 2})),
            "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], "
            "size=[2, 2, 2], dtype=int64, device=cpu)");
}

TEST(Print, EmptyTensors) {
  EXPECT_EQ(str(zeros({0, 3})), "tensor([], size=[0, 3], dtype=float32, device=cpu)");
  EXPECT_EQ(str(zeros({0}, kInt64)), "tensor([], size=[0], dtype=int64, device=cpu)");
}

TEST(Print, StridedViewsPrintTheirLogicalValues) {
  const Tensor base = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.25}});
  EXPECT_EQ(str(base.t()),
            "tensor([[1.0000, 4.0000],\n        [2.0000, 5.0000],\n        [3.0000, 6.2500]], "
            "size=[3, 2], dtype=float32, device=cpu)");
  EXPECT_EQ(str(base.select(1, 2)),
            "tensor([3.0000, 6.2500], size=[2], dtype=float32, device=cpu)");
  EXPECT_EQ(str(arange(10).slice(0, 1, 10, 3)),
            "tensor([1, 4, 7], size=[3], dtype=int64, device=cpu)");
  EXPECT_EQ(str(tensor({1, 2}).unsqueeze(0).expand({2, 2})),
            "tensor([[1, 2],\n        [1, 2]], size=[2, 2], dtype=int64, device=cpu)");
}

TEST(Print, HalfTypesAndFloat64) {
  EXPECT_EQ(str(tensor({0.5, 1.25, -3.0}, kFloat16)),
            "tensor([ 0.5000,  1.2500, -3.0000], size=[3], dtype=float16, device=cpu)");
  EXPECT_EQ(str(tensor({0.1, 100.0}, kBFloat16)),
            "tensor([  0.1001, 100.0000], size=[2], dtype=bfloat16, device=cpu)");
  EXPECT_EQ(str(tensor({0.1, 0.25}, kFloat64)),
            "tensor([0.1000, 0.2500], size=[2], dtype=float64, device=cpu)");
}

TEST(Print, RequiresGradAndUndefined) {
  Tensor t = tensor({1.5, 2.5});
  t.requires_grad_(true);
  EXPECT_EQ(str(t),
            "tensor([1.5000, 2.5000], size=[2], dtype=float32, device=cpu,\n"
            "       requires_grad=True)");
  EXPECT_EQ(str(Tensor()), "[ Tensor (undefined) ]");
}

TEST(Print, CudaTensorsPrintTheirValuesAndDevice) {
  EMBER_REQUIRE_CUDA();
  const Tensor t = tensor({{1.0, -2.5}, {3.0, 4.0}}).to(Device(kCUDA, 0));
  EXPECT_EQ(str(t),
            "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]], size=[2, 2], "
            "dtype=float32, device=cuda:0)");
}

}  // namespace
}  // namespace ember
