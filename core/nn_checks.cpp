// The argument checks shared by the neural-network ops' front halves (see core/nn_checks.h).
#include "ember/core/nn_checks.h"

#include "ember/core/check.h"
#include "ember/core/shape_utils.h"

namespace ember::detail {

void nn_check_defined(std::string_view op, std::string_view what, const Tensor& t) {
  EMBER_CHECK(t.defined(), Value, "{}: {} is an undefined tensor", op, what);
}

void nn_check_float(std::string_view op, std::string_view what, const Tensor& t) {
  nn_check_defined(op, what, t);
  EMBER_CHECK(t.dtype() == kFloat32 || t.dtype() == kFloat64, DType,
              "{}: {} has dtype {}, but this op supports only float32 and float64; convert it "
              "with .to(kFloat32)",
              op, what, dtype_name(t.dtype()));
}

void nn_check_like(std::string_view op, std::string_view what_ref, const Tensor& ref,
                   std::string_view what, const Tensor& other) {
  if (!other.defined()) return;
  EMBER_CHECK(other.dtype() == ref.dtype(), DType,
              "{}: {} has dtype {} but {} has dtype {}; convert one of them with .to()", op, what,
              dtype_name(other.dtype()), what_ref, dtype_name(ref.dtype()));
  EMBER_CHECK(other.device() == ref.device(), Device,
              "{}: {} is on {} but {} is on {}; move them to one device", op, what,
              other.device().str(), what_ref, ref.device().str());
}

void nn_check_vector(std::string_view op, std::string_view what, const Tensor& t, int64_t n) {
  if (!t.defined()) return;
  EMBER_CHECK(t.dim() == 1 && t.size(0) == n, Shape, "{}: expected {} of shape [{}], got {}", op,
              what, n, shape_string(t.sizes()));
}

std::array<int64_t, 2> nn_pair(std::string_view op, std::string_view what, IntArrayRef v,
                               int64_t min) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2, Value,
              "{}: {} must have one value or two ({{h, w}}), got {}", op, what, shape_string(v));
  std::array<int64_t, 2> p{v[0], v.size() == 2 ? v[1] : v[0]};
  EMBER_CHECK(p[0] >= min && p[1] >= min, Value, "{}: {} must be at least {}, got {}", op, what,
              min, shape_string(v));
  return p;
}

}  // namespace ember::detail
