// Tensor's own methods: metadata access, item/to_vector, copies and conversion, and the method
// spellings of the ops in core/ops.h.
#include "ember/core/tensor.h"

#include <cstring>

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/device_hooks.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace detail {
void throw_data_ptr_dtype_mismatch(DType requested, DType actual) {
  EMBER_FAIL(DType, "data_ptr<{}>: the tensor's dtype is {}; ask for data_ptr<T> of that type",
             dtype_name(requested), dtype_name(actual));
}
void throw_item_not_one_element(IntArrayRef sizes) {
  EMBER_FAIL(Value, "item: a tensor with {} elements (shape {}) cannot be converted to a number",
             checked_numel(sizes), shape_string(sizes));
}
}  // namespace detail

int64_t Tensor::size(int64_t dim) const {
  return sizes()[detail::wrap_dim(dim, this->dim(), "size")];
}

int64_t Tensor::stride(int64_t dim) const {
  return strides()[detail::wrap_dim(dim, this->dim(), "stride")];
}

Scalar Tensor::item() const {
  EMBER_CHECK(defined(), Value, "item: the tensor is undefined");
  if (numel() != 1) detail::throw_item_not_one_element(sizes());
  Tensor host = is_cpu() ? *this : to(Device(kCPU));
  const void* p = host.data_ptr();
  switch (dtype()) {
    case kBool:
      return Scalar(*static_cast<const bool*>(p));
    case kUInt8:
      return Scalar(static_cast<int64_t>(*static_cast<const uint8_t*>(p)));
    case kInt32:
      return Scalar(static_cast<int64_t>(*static_cast<const int32_t*>(p)));
    case kInt64:
      return Scalar(*static_cast<const int64_t*>(p));
    case kFloat16:
      return Scalar(static_cast<double>(static_cast<float>(*static_cast<const Half*>(p))));
    case kBFloat16:
      return Scalar(static_cast<double>(static_cast<float>(*static_cast<const BFloat16*>(p))));
    case kFloat32:
      return Scalar(static_cast<double>(*static_cast<const float*>(p)));
    case kFloat64:
      return Scalar(*static_cast<const double*>(p));
  }
  return Scalar();
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  EMBER_CHECK(defined(), Value, "to_vector: the tensor is undefined");
  Tensor host = to(Device(kCPU), dtype_of<T>).contiguous();
  const T* p = static_cast<const T*>(host.data_ptr());
  return std::vector<T>(p, p + host.numel());
}
#define EMBER_INSTANTIATE_TO_VECTOR(cpp, name) \
  template EMBER_API std::vector<cpp> Tensor::to_vector() const;
EMBER_INSTANTIATE_TO_VECTOR(uint8_t, UInt8)
EMBER_INSTANTIATE_TO_VECTOR(int32_t, Int32)
EMBER_INSTANTIATE_TO_VECTOR(int64_t, Int64)
EMBER_INSTANTIATE_TO_VECTOR(Half, Float16)
EMBER_INSTANTIATE_TO_VECTOR(BFloat16, BFloat16)
EMBER_INSTANTIATE_TO_VECTOR(float, Float32)
EMBER_INSTANTIATE_TO_VECTOR(double, Float64)
#undef EMBER_INSTANTIATE_TO_VECTOR

std::string Tensor::shape_str() const {
  return detail::shape_string(sizes());
}

std::string Tensor::toString() const {
  if (!defined()) return "Tensor[undefined]";
  return fmt::format("Tensor{} {} {}", shape_str(), dtype_name(dtype()), device().str());
}

// ---- copies and conversion ----

Tensor& Tensor::copy_(const Tensor& src, bool non_blocking) {
  EMBER_AUTOGRAD_INPLACE(
      *this, "copy_",
      [&](const Tensor&) {
        return src.to(device(), dtype(), non_blocking).expand(sizes()).clone();
      },
      src);
  EMBER_CHECK(defined() && src.defined(), Value, "copy_: both tensors must be defined");
  if (is_same(src)) return *this;
  Tensor expanded = src.sizes() == sizes() ? src : src.expand(sizes());
  impl()->bump_version();
  if (numel() == 0) return *this;
  // The non-CPU side's kernel handles transfers.
  const Device kernel_device = is_cpu() ? src.device() : device();
  kernel_for<OpId::copy>(kernel_device)(*this, expanded, non_blocking);
  return *this;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  EMBER_AUTOGRAD(clone, *this);
  Tensor out = detail::empty_tensor(sizes(), dtype(), device());
  out.copy_(*this);
  return out;
}

Tensor clone(const Tensor& self) {
  return self.clone();
}

Tensor Tensor::to(Device device, DType dtype, bool non_blocking, bool copy) const {
  EMBER_CHECK(defined(), Value, "to: the tensor is undefined");
  device = resolve_device(device);
  if (!copy && device == this->device() && dtype == this->dtype()) return *this;
  EMBER_AUTOGRAD(to, *this, device, dtype, non_blocking, copy);
  Tensor out = detail::empty_tensor(sizes(), dtype, device);
  out.copy_(*this, non_blocking);
  return out;
}
Tensor Tensor::to(Device device, bool non_blocking, bool copy) const {
  return to(device, dtype(), non_blocking, copy);
}
Tensor Tensor::to(DType dtype, bool non_blocking, bool copy) const {
  return to(device(), dtype, non_blocking, copy);
}
Tensor Tensor::to(const TensorOptions& options, bool non_blocking, bool copy) const {
  return to(options.device(), options.has_dtype() ? options.dtype() : dtype(), non_blocking, copy);
}
Tensor Tensor::to(const Tensor& other, bool non_blocking, bool copy) const {
  return to(other.device(), other.dtype(), non_blocking, copy);
}

// ---- method spellings of the ops ----
Tensor Tensor::add(const Tensor& o, const Scalar& alpha) const {
  return ember::add(*this, o, alpha);
}
Tensor Tensor::add(const Scalar& o, const Scalar& alpha) const {
  return ember::add(*this, o, alpha);
}
Tensor Tensor::sub(const Tensor& o, const Scalar& alpha) const {
  return ember::sub(*this, o, alpha);
}
Tensor Tensor::sub(const Scalar& o, const Scalar& alpha) const {
  return ember::sub(*this, o, alpha);
}
Tensor Tensor::mul(const Tensor& o) const {
  return ember::mul(*this, o);
}
Tensor Tensor::mul(const Scalar& o) const {
  return ember::mul(*this, o);
}
Tensor Tensor::div(const Tensor& o) const {
  return ember::div(*this, o);
}
Tensor Tensor::div(const Scalar& o) const {
  return ember::div(*this, o);
}
Tensor Tensor::pow(const Tensor& e) const {
  return ember::pow(*this, e);
}
Tensor Tensor::pow(const Scalar& e) const {
  return ember::pow(*this, e);
}
Tensor Tensor::maximum(const Tensor& o) const {
  return ember::maximum(*this, o);
}
Tensor Tensor::minimum(const Tensor& o) const {
  return ember::minimum(*this, o);
}
Tensor Tensor::neg() const {
  return ember::neg(*this);
}
Tensor Tensor::abs() const {
  return ember::abs(*this);
}
Tensor Tensor::exp() const {
  return ember::exp(*this);
}
Tensor Tensor::log() const {
  return ember::log(*this);
}
Tensor Tensor::log1p() const {
  return ember::log1p(*this);
}
Tensor Tensor::sqrt() const {
  return ember::sqrt(*this);
}
Tensor Tensor::rsqrt() const {
  return ember::rsqrt(*this);
}
Tensor Tensor::sin() const {
  return ember::sin(*this);
}
Tensor Tensor::cos() const {
  return ember::cos(*this);
}
Tensor Tensor::tanh() const {
  return ember::tanh(*this);
}
Tensor Tensor::sigmoid() const {
  return ember::sigmoid(*this);
}
Tensor Tensor::relu() const {
  return ember::relu(*this);
}
Tensor Tensor::sign() const {
  return ember::sign(*this);
}
Tensor Tensor::square() const {
  return ember::square(*this);
}
Tensor Tensor::reciprocal() const {
  return ember::reciprocal(*this);
}
Tensor Tensor::leaky_relu(const Scalar& s) const {
  return ember::leaky_relu(*this, s);
}
Tensor Tensor::gelu(std::string_view approximate) const {
  return ember::gelu(*this, approximate);
}
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return ember::clamp(*this, min, max);
}
Tensor Tensor::clamp_min(const Scalar& min) const {
  return ember::clamp_min(*this, min);
}
Tensor Tensor::clamp_max(const Scalar& max) const {
  return ember::clamp_max(*this, max);
}
Tensor Tensor::eq(const Tensor& o) const {
  return ember::eq(*this, o);
}
Tensor Tensor::eq(const Scalar& o) const {
  return ember::eq(*this, o);
}
Tensor Tensor::ne(const Tensor& o) const {
  return ember::ne(*this, o);
}
Tensor Tensor::ne(const Scalar& o) const {
  return ember::ne(*this, o);
}
Tensor Tensor::lt(const Tensor& o) const {
  return ember::lt(*this, o);
}
Tensor Tensor::lt(const Scalar& o) const {
  return ember::lt(*this, o);
}
Tensor Tensor::le(const Tensor& o) const {
  return ember::le(*this, o);
}
Tensor Tensor::le(const Scalar& o) const {
  return ember::le(*this, o);
}
Tensor Tensor::gt(const Tensor& o) const {
  return ember::gt(*this, o);
}
Tensor Tensor::gt(const Scalar& o) const {
  return ember::gt(*this, o);
}
Tensor Tensor::ge(const Tensor& o) const {
  return ember::ge(*this, o);
}
Tensor Tensor::ge(const Scalar& o) const {
  return ember::ge(*this, o);
}
Tensor Tensor::logical_and(const Tensor& o) const {
  return ember::logical_and(*this, o);
}
Tensor Tensor::logical_or(const Tensor& o) const {
  return ember::logical_or(*this, o);
}
Tensor Tensor::logical_xor(const Tensor& o) const {
  return ember::logical_xor(*this, o);
}
Tensor Tensor::logical_not() const {
  return ember::logical_not(*this);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& v) const {
  return ember::masked_fill(*this, mask, v);
}

Tensor Tensor::sum(std::optional<DType> dtype) const {
  return ember::sum(*this, dtype);
}
Tensor Tensor::sum(IntArrayRef dims, bool keepdim, std::optional<DType> dtype) const {
  return ember::sum(*this, dims, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<DType> dtype) const {
  return ember::mean(*this, dtype);
}
Tensor Tensor::mean(IntArrayRef dims, bool keepdim, std::optional<DType> dtype) const {
  return ember::mean(*this, dims, keepdim, dtype);
}
Tensor Tensor::prod(std::optional<DType> dtype) const {
  return ember::prod(*this, dtype);
}
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<DType> dtype) const {
  return ember::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::max() const {
  return ember::max(*this);
}
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return ember::max(*this, dim, keepdim);
}
Tensor Tensor::min() const {
  return ember::min(*this);
}
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return ember::min(*this, dim, keepdim);
}
Tensor Tensor::amax(IntArrayRef dims, bool keepdim) const {
  return ember::amax(*this, dims, keepdim);
}
Tensor Tensor::amin(IntArrayRef dims, bool keepdim) const {
  return ember::amin(*this, dims, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmin(*this, dim, keepdim);
}
Tensor Tensor::var(IntArrayRef dims, int64_t correction, bool keepdim) const {
  return ember::var(*this, dims, correction, keepdim);
}
Tensor Tensor::std(IntArrayRef dims, int64_t correction, bool keepdim) const {
  return ember::std(*this, dims, correction, keepdim);
}
Tensor Tensor::norm(const Scalar& p, IntArrayRef dims, bool keepdim) const {
  return ember::norm(*this, p, dims, keepdim);
}
Tensor Tensor::logsumexp(IntArrayRef dims, bool keepdim) const {
  return ember::logsumexp(*this, dims, keepdim);
}
Tensor Tensor::all() const {
  return ember::all(*this);
}
Tensor Tensor::all(int64_t dim, bool keepdim) const {
  return ember::all(*this, dim, keepdim);
}
Tensor Tensor::any() const {
  return ember::any(*this);
}
Tensor Tensor::any(int64_t dim, bool keepdim) const {
  return ember::any(*this, dim, keepdim);
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return ember::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return ember::gather(*this, dim, index);
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter_add(*this, dim, index, src);
}
Tensor Tensor::nonzero() const {
  return ember::nonzero(*this);
}
std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const {
  return ember::sort(*this, dim, descending);
}
Tensor Tensor::argsort(int64_t dim, bool descending) const {
  return ember::argsort(*this, dim, descending);
}
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}
Tensor Tensor::cumsum(int64_t dim, std::optional<DType> dtype) const {
  return ember::cumsum(*this, dim, dtype);
}

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator+(const Tensor& a, const Scalar& b) {
  return add(a, b);
}
Tensor operator+(const Scalar& a, const Tensor& b) {
  return add(b, a);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator-(const Tensor& a, const Scalar& b) {
  return sub(a, b);
}
Tensor operator-(const Scalar& a, const Tensor& b) {
  return rsub(b, a);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator*(const Tensor& a, const Scalar& b) {
  return mul(a, b);
}
Tensor operator*(const Scalar& a, const Tensor& b) {
  return mul(b, a);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator/(const Tensor& a, const Scalar& b) {
  return div(a, b);
}
Tensor operator/(const Scalar& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator-(const Tensor& a) {
  return neg(a);
}
Tensor operator==(const Tensor& a, const Tensor& b) {
  return eq(a, b);
}
Tensor operator==(const Tensor& a, const Scalar& b) {
  return eq(a, b);
}
Tensor operator!=(const Tensor& a, const Tensor& b) {
  return ne(a, b);
}
Tensor operator!=(const Tensor& a, const Scalar& b) {
  return ne(a, b);
}
Tensor operator<(const Tensor& a, const Tensor& b) {
  return lt(a, b);
}
Tensor operator<(const Tensor& a, const Scalar& b) {
  return lt(a, b);
}
Tensor operator<=(const Tensor& a, const Tensor& b) {
  return le(a, b);
}
Tensor operator<=(const Tensor& a, const Scalar& b) {
  return le(a, b);
}
Tensor operator>(const Tensor& a, const Tensor& b) {
  return gt(a, b);
}
Tensor operator>(const Tensor& a, const Scalar& b) {
  return gt(a, b);
}
Tensor operator>=(const Tensor& a, const Tensor& b) {
  return ge(a, b);
}
Tensor operator>=(const Tensor& a, const Scalar& b) {
  return ge(a, b);
}
Tensor operator&&(const Tensor& a, const Tensor& b) {
  return logical_and(a, b);
}
Tensor operator||(const Tensor& a, const Tensor& b) {
  return logical_or(a, b);
}
Tensor operator!(const Tensor& a) {
  return logical_not(a);
}

}  // namespace ember
