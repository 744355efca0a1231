// DType promotion (against PyTorch's table), result_type ranks, names, and the Half/BFloat16
// conversions (exhaustive round trips and rounding against a float64 reference).
#include <cmath>
#include <cstring>
#include <random>

#include "ember/core/elementwise.h"
#include "support/test_util.h"

namespace ember {
namespace {

const DType kAll[] = {kBool, kUInt8, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};

TEST(DType, PromotionMatchesPyTorchTable) {
  // torch.promote_types over the rows and columns of kAll (PyTorch 1.13).
  const DType expected[8][8] = {
      {kBool, kUInt8, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kUInt8, kUInt8, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kInt32, kInt32, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kInt64, kInt64, kInt64, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kFloat16, kFloat16, kFloat16, kFloat16, kFloat16, kFloat32, kFloat32, kFloat64},
      {kBFloat16, kBFloat16, kBFloat16, kBFloat16, kFloat32, kBFloat16, kFloat32, kFloat64},
      {kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat64},
      {kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64},
  };
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j)
      EXPECT_EQ(promote_types(kAll[i], kAll[j]), expected[i][j])
          << dtype_name(kAll[i]) << " with " << dtype_name(kAll[j]);
}

enum class Kind { Bool, Int, Float, ZeroDim };
struct ResultTypeCase {
  DType tensor;
  Kind other_kind;
  DType other;
  int unused;
  DType expected;
};

TEST(DType, ResultTypeMatchesPyTorch) {
  // torch.result_type(tensor of dtype, other) where other is a number or a zero-dim tensor.
  const ResultTypeCase cases[] = {{kBool, Kind::Bool, kBool, 0, kBool},
                                  {kBool, Kind::Int, kInt64, 0, kInt64},
                                  {kBool, Kind::Float, kFloat32, 0, kFloat32},
                                  {kBool, Kind::ZeroDim, kBool, 0, kBool},
                                  {kBool, Kind::ZeroDim, kUInt8, 0, kUInt8},
                                  {kBool, Kind::ZeroDim, kInt32, 0, kInt32},
                                  {kBool, Kind::ZeroDim, kInt64, 0, kInt64},
                                  {kBool, Kind::ZeroDim, kFloat16, 0, kFloat16},
                                  {kBool, Kind::ZeroDim, kBFloat16, 0, kBFloat16},
                                  {kBool, Kind::ZeroDim, kFloat32, 0, kFloat32},
                                  {kBool, Kind::ZeroDim, kFloat64, 0, kFloat64},
                                  {kUInt8, Kind::Bool, kBool, 0, kUInt8},
                                  {kUInt8, Kind::Int, kInt64, 0, kUInt8},
                                  {kUInt8, Kind::Float, kFloat32, 0, kFloat32},
                                  {kUInt8, Kind::ZeroDim, kBool, 0, kUInt8},
                                  {kUInt8, Kind::ZeroDim, kUInt8, 0, kUInt8},
                                  {kUInt8, Kind::ZeroDim, kInt32, 0, kUInt8},
                                  {kUInt8, Kind::ZeroDim, kInt64, 0, kUInt8},
                                  {kUInt8, Kind::ZeroDim, kFloat16, 0, kFloat16},
                                  {kUInt8, Kind::ZeroDim, kBFloat16, 0, kBFloat16},
                                  {kUInt8, Kind::ZeroDim, kFloat32, 0, kFloat32},
                                  {kUInt8, Kind::ZeroDim, kFloat64, 0, kFloat64},
                                  {kInt32, Kind::Bool, kBool, 0, kInt32},
                                  {kInt32, Kind::Int, kInt64, 0, kInt32},
                                  {kInt32, Kind::Float, kFloat32, 0, kFloat32},
                                  {kInt32, Kind::ZeroDim, kBool, 0, kInt32},
                                  {kInt32, Kind::ZeroDim, kUInt8, 0, kInt32},
                                  {kInt32, Kind::ZeroDim, kInt32, 0, kInt32},
                                  {kInt32, Kind::ZeroDim, kInt64, 0, kInt32},
                                  {kInt32, Kind::ZeroDim, kFloat16, 0, kFloat16},
                                  {kInt32, Kind::ZeroDim, kBFloat16, 0, kBFloat16},
                                  {kInt32, Kind::ZeroDim, kFloat32, 0, kFloat32},
                                  {kInt32, Kind::ZeroDim, kFloat64, 0, kFloat64},
                                  {kInt64, Kind::Bool, kBool, 0, kInt64},
                                  {kInt64, Kind::Int, kInt64, 0, kInt64},
                                  {kInt64, Kind::Float, kFloat32, 0, kFloat32},
                                  {kInt64, Kind::ZeroDim, kBool, 0, kInt64},
                                  {kInt64, Kind::ZeroDim, kUInt8, 0, kInt64},
                                  {kInt64, Kind::ZeroDim, kInt32, 0, kInt64},
                                  {kInt64, Kind::ZeroDim, kInt64, 0, kInt64},
                                  {kInt64, Kind::ZeroDim, kFloat16, 0, kFloat16},
                                  {kInt64, Kind::ZeroDim, kBFloat16, 0, kBFloat16},
                                  {kInt64, Kind::ZeroDim, kFloat32, 0, kFloat32},
                                  {kInt64, Kind::ZeroDim, kFloat64, 0, kFloat64},
                                  {kFloat16, Kind::Bool, kBool, 0, kFloat16},
                                  {kFloat16, Kind::Int, kInt64, 0, kFloat16},
                                  {kFloat16, Kind::Float, kFloat32, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kBool, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kUInt8, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kInt32, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kInt64, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kFloat16, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kBFloat16, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kFloat32, 0, kFloat16},
                                  {kFloat16, Kind::ZeroDim, kFloat64, 0, kFloat16},
                                  {kBFloat16, Kind::Bool, kBool, 0, kBFloat16},
                                  {kBFloat16, Kind::Int, kInt64, 0, kBFloat16},
                                  {kBFloat16, Kind::Float, kFloat32, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kBool, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kUInt8, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kInt32, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kInt64, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kFloat16, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kBFloat16, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kFloat32, 0, kBFloat16},
                                  {kBFloat16, Kind::ZeroDim, kFloat64, 0, kBFloat16},
                                  {kFloat32, Kind::Bool, kBool, 0, kFloat32},
                                  {kFloat32, Kind::Int, kInt64, 0, kFloat32},
                                  {kFloat32, Kind::Float, kFloat32, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kBool, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kUInt8, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kInt32, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kInt64, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kFloat16, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kBFloat16, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kFloat32, 0, kFloat32},
                                  {kFloat32, Kind::ZeroDim, kFloat64, 0, kFloat32},
                                  {kFloat64, Kind::Bool, kBool, 0, kFloat64},
                                  {kFloat64, Kind::Int, kInt64, 0, kFloat64},
                                  {kFloat64, Kind::Float, kFloat32, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kBool, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kUInt8, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kInt32, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kInt64, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kFloat16, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kBFloat16, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kFloat32, 0, kFloat64},
                                  {kFloat64, Kind::ZeroDim, kFloat64, 0, kFloat64}};
  for (const auto& c : cases) {
    Tensor t = zeros({2}, c.tensor);
    DType got;
    switch (c.other_kind) {
      case Kind::Bool:
        got = detail::result_type({t, Scalar(true)});
        break;
      case Kind::Int:
        got = detail::result_type({t, Scalar(3)});
        break;
      case Kind::Float:
        got = detail::result_type({t, Scalar(2.5)});
        break;
      default:
        got = detail::result_type({t, zeros({}, c.other)});
        break;
    }
    EXPECT_EQ(got, c.expected) << dtype_name(c.tensor) << " with other " << dtype_name(c.other)
                               << " kind " << static_cast<int>(c.other_kind);
  }
}

TEST(DType, NamesRoundTrip) {
  for (DType t : kAll) EXPECT_EQ(dtype_from_name(dtype_name(t)), t);
  EXPECT_EQ(dtype_from_name("float"), kFloat32);
  EXPECT_EQ(dtype_from_name("long"), kInt64);
  EXPECT_TRUE(testing::throws_with<ValueError>([] { dtype_from_name("float8"); },
                                               {"dtype_from_name", "float8"}));
}

TEST(DType, ElementSizes) {
  EXPECT_EQ(element_size(kBool), 1u);
  EXPECT_EQ(element_size(kFloat16), 2u);
  EXPECT_EQ(element_size(kBFloat16), 2u);
  EXPECT_EQ(element_size(kInt32), 4u);
  EXPECT_EQ(element_size(kFloat64), 8u);
}

// Float64 reference of float -> binary16 with round-to-nearest-even.
uint16_t reference_half_bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const double a = std::fabs(static_cast<double>(f));
  if (std::isnan(f)) return sign | 0x7e00u;
  if (a >= 65520.0) return sign | 0x7c00u;
  // Find the exponent of the half result and quantise the significand.
  int e;
  std::frexp(a, &e);     // a = m * 2^e, m in [0.5, 1)
  int exp_half = e - 1;  // a = 1.x * 2^exp_half
  double quantum = exp_half < -14 ? std::ldexp(1.0, -24) : std::ldexp(1.0, exp_half - 10);
  double q = a / quantum;
  double r = std::nearbyint(q);  // default rounding mode: to nearest even
  double v = r * quantum;
  // Encode v.
  if (v == 0) return sign;
  int ev;
  std::frexp(v, &ev);
  int eh = ev - 1;
  if (eh < -14) return sign | static_cast<uint16_t>(v / std::ldexp(1.0, -24));
  const uint16_t mant = static_cast<uint16_t>((v / std::ldexp(1.0, eh) - 1.0) * 1024.0);
  return sign | static_cast<uint16_t>((eh + 15) << 10) | mant;
}

TEST(Half, ExhaustiveRoundTrip) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const Half h = Half::from_bits(static_cast<uint16_t>(b));
    const float f = h;
    const Half back(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(static_cast<float>(back)));
    } else {
      EXPECT_EQ(back.bits, b) << "bits " << b << " value " << f;
    }
  }
}

TEST(Half, RoundingMatchesReference) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> mag(-30, 17);
  for (int i = 0; i < 200000; ++i) {
    float f =
        static_cast<float>(std::ldexp(1.0 + rng() / 4294967296.0, static_cast<int>(mag(rng))));
    if (rng() & 1) f = -f;
    EXPECT_EQ(Half(f).bits, reference_half_bits(f)) << "value " << f;
  }
  // Ties: 1 + 2^-11 is halfway between 1 and 1 + 2^-10, and rounds to even (1).
  EXPECT_EQ(Half(1.0f + std::ldexp(1.0f, -11)).bits, Half(1.0f).bits);
  EXPECT_EQ(Half(1e6f).bits, 0x7c00u);
  EXPECT_EQ(Half(-1e6f).bits, 0xfc00u);
  EXPECT_EQ(Half(std::ldexp(1.0f, -25)).bits, 0u);  // halfway to the smallest subnormal
  EXPECT_EQ(Half(std::ldexp(1.5f, -25)).bits, 1u);  // above halfway
}

TEST(BFloat16, RoundTripAndRounding) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const BFloat16 h = BFloat16::from_bits(static_cast<uint16_t>(b));
    const float f = h;
    if (std::isnan(f)) continue;
    EXPECT_EQ(BFloat16(f).bits, b);
  }
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even.
  EXPECT_EQ(BFloat16(1.0f + std::ldexp(1.0f, -8)).bits, BFloat16(1.0f).bits);
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f + 3 * std::ldexp(1.0f, -8))),
            1.0f + std::ldexp(1.0f, -6));
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(NAN))));
}

}  // namespace
}  // namespace ember
