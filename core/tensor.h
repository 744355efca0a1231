// Tensor: the handle users hold. A cheap, ref-counted pointer to a TensorImpl; copies share the
// same tensor (like libtorch), views share its storage. Methods forward to the free functions of
// core/ops.h, which check their inputs and dispatch to a CPU or CUDA kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/intrusive_ptr.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor_impl.h"
#include "ember/core/tensor_options.h"

namespace ember {

class Tensor;
class Generator;
namespace autograd {
class Node;
}
using TensorList = ArrayRef<Tensor>;

class EMBER_API Tensor {
 public:
  // An undefined tensor (defined() is false), like a default-constructed torch::Tensor.
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- identity and metadata ----
  bool defined() const { return static_cast<bool>(impl_); }
  TensorImpl* impl() const { return impl_.get(); }
  const IntrusivePtr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  size_t use_count() const { return impl_.use_count(); }

  int64_t dim() const { return impl_->dim(); }
  int64_t ndimension() const { return dim(); }
  IntArrayRef sizes() const { return impl_->sizes(); }
  IntArrayRef strides() const { return impl_->strides(); }
  // Size and stride of one dim; negative dims count from the end.
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t numel() const { return impl_->numel(); }
  DType dtype() const { return impl_->dtype(); }
  DType scalar_type() const { return impl_->dtype(); }
  Device device() const { return impl_->device(); }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_floating_point() const { return ember::is_floating_point(dtype()); }
  bool is_contiguous() const { return impl_->is_contiguous(); }
  int64_t storage_offset() const { return impl_->storage_offset(); }
  size_t element_size() const { return ember::element_size(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  TensorOptions options() const { return TensorOptions().dtype(dtype()).device(device()); }
  const Storage& storage() const { return impl_->storage(); }
  // The storage's version counter (bumped by every in-place op on it or its views).
  uint32_t version() const { return impl_->version(); }

  // Address of the first element; T must match dtype() (checked).
  void* data_ptr() const { return impl_->data(); }
  template <typename T>
  T* data_ptr() const;
  template <typename T>
  const T* const_data_ptr() const {
    return data_ptr<T>();
  }

  // The value of a one-element tensor, converted to T (synchronises with the device).
  template <typename T>
  T item() const;
  Scalar item() const;

  // The elements copied to the host as a flat vector of T (converted from dtype()).
  template <typename T>
  std::vector<T> to_vector() const;

  // "[2, 3]" style description of sizes; "Tensor[2, 3] float32 cpu" of the whole.
  std::string shape_str() const;
  std::string toString() const;

  // ---- autograd (defined in autograd/) ----
  bool requires_grad() const { return impl_ && impl_->requires_grad(); }
  Tensor& requires_grad_(bool requires_grad = true);
  // The accumulated gradient of a leaf (or of a tensor that retains grad); undefined if none.
  const Tensor& grad() const;
  // The gradient slot itself, to assign or reset: t.mutable_grad() = Tensor().
  Tensor& mutable_grad();
  // The node that computed this tensor (null for leaves and tensors without history).
  std::shared_ptr<autograd::Node> grad_fn() const;
  // True for tensors created by the user (not by a recorded op), and all non-requires-grad ones.
  bool is_leaf() const;
  // Index of this tensor among its grad_fn's outputs.
  uint32_t output_nr() const;
  // Makes backward() fill .grad() of this non-leaf tensor too.
  void retain_grad() const;
  bool retains_grad() const;
  // A tensor sharing this one's storage with no history and no requires_grad.
  Tensor detach() const;
  Tensor& detach_();
  // Backpropagates from this tensor (a one-element tensor unless gradient is given).
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const std::vector<Tensor>& inputs = {}) const;
  // Calls hook(grad) when this tensor's gradient is computed; a defined result replaces it.
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;
  // (Leaves) calls hook(leaf) after each accumulation into leaf.grad().
  void register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;

  // ---- views (share storage) ----
  Tensor view(IntArrayRef sizes) const;
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  Tensor reshape(IntArrayRef sizes) const;
  Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
  Tensor as_strided(IntArrayRef sizes, IntArrayRef strides,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor permute(IntArrayRef dims) const;
  Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(IntArrayRef sizes) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, IntArrayRef sizes) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;

  // ---- copies and conversion ----
  // Self if already contiguous, else a contiguous copy.
  Tensor contiguous() const;
  Tensor clone() const;
  // Copies src (broadcast to self's shape, converted to self's dtype, from any device) into self.
  Tensor& copy_(const Tensor& src, bool non_blocking = false);
  // Self when nothing changes (like PyTorch), else a copy; copy=true always copies.
  Tensor to(Device device, bool non_blocking = false, bool copy = false) const;
  Tensor to(DeviceType type, bool non_blocking = false, bool copy = false) const {
    return to(Device(type), non_blocking, copy);
  }
  Tensor to(DType dtype, bool non_blocking = false, bool copy = false) const;
  Tensor to(Device device, DType dtype, bool non_blocking = false, bool copy = false) const;
  Tensor to(const TensorOptions& options, bool non_blocking = false, bool copy = false) const;
  Tensor to(const Tensor& other, bool non_blocking = false, bool copy = false) const;
  Tensor cpu() const { return to(Device(kCPU)); }
  Tensor cuda() const { return to(Device(kCUDA, 0)); }
  Tensor to_float() const { return to(kFloat32); }
  Tensor to_double() const { return to(kFloat64); }

  // ---- element-wise (see core/ops.h for semantics) ----
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor add(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor mul(const Scalar& other) const;
  Tensor div(const Tensor& other) const;
  Tensor div(const Scalar& other) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(const Scalar& exponent) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor neg() const;
  Tensor abs() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor sign() const;
  Tensor square() const;
  Tensor reciprocal() const;
  Tensor leaky_relu(const Scalar& negative_slope = 0.01) const;
  Tensor gelu(std::string_view approximate = "none") const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(const Scalar& min) const;
  Tensor clamp_max(const Scalar& max) const;
  Tensor eq(const Tensor& other) const;
  Tensor eq(const Scalar& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor ne(const Scalar& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor lt(const Scalar& other) const;
  Tensor le(const Tensor& other) const;
  Tensor le(const Scalar& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor gt(const Scalar& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor ge(const Scalar& other) const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;

  // In place: these write into self and return it.
  Tensor& add_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& add_(const Scalar& other, const Scalar& alpha = 1);
  Tensor& sub_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& sub_(const Scalar& other, const Scalar& alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(const Scalar& other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(const Scalar& other);
  Tensor& pow_(const Scalar& exponent);
  Tensor& neg_();
  Tensor& abs_();
  Tensor& exp_();
  Tensor& log_();
  Tensor& sqrt_();
  Tensor& sigmoid_();
  Tensor& tanh_();
  Tensor& relu_();
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& masked_fill_(const Tensor& mask, const Scalar& value);
  Tensor& fill_(const Scalar& value);
  Tensor& zero_();

  // ---- random fills (drawn from the default generator unless one is given) ----
  Tensor& uniform_(double from = 0.0, double to = 1.0, Generator* generator = nullptr);
  Tensor& normal_(double mean = 0.0, double std = 1.0, Generator* generator = nullptr);
  Tensor& bernoulli_(double p = 0.5, Generator* generator = nullptr);
  Tensor& random_(int64_t from, int64_t to, Generator* generator = nullptr);

  // ---- reductions ----
  Tensor sum(std::optional<DType> dtype = std::nullopt) const;
  Tensor sum(IntArrayRef dims, bool keepdim = false,
             std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(IntArrayRef dims, bool keepdim = false,
              std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(int64_t dim, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor amax(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor amin(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  // correction = 1 is the unbiased estimate (PyTorch's default).
  Tensor var(IntArrayRef dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor std(IntArrayRef dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor norm(const Scalar& p = 2, IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;

  // ---- indexing, sorting, scans ----
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor nonzero() const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  Tensor cumsum(int64_t dim, std::optional<DType> dtype = std::nullopt) const;

  // ---- compound assignment ----
  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(const Scalar& o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(const Scalar& o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(const Scalar& o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(const Scalar& o) { return div_(o); }

 private:
  IntrusivePtr<TensorImpl> impl_;
};

// Arithmetic and comparison operators map onto the ops of core/ops.h.
EMBER_API Tensor operator+(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator+(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator+(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator-(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator-(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator-(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator*(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator*(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator*(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator/(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator/(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator/(const Scalar& a, const Tensor& b);
EMBER_API Tensor operator-(const Tensor& a);
EMBER_API Tensor operator==(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator==(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator!=(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator!=(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator<(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator<(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator<=(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator<=(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator>(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator>(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator>=(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator>=(const Tensor& a, const Scalar& b);
EMBER_API Tensor operator&&(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator||(const Tensor& a, const Tensor& b);
EMBER_API Tensor operator!(const Tensor& a);

// Prints values, shape, dtype and device, like PyTorch's repr.
EMBER_API std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- template definitions ----
namespace detail {
[[noreturn]] EMBER_API void throw_data_ptr_dtype_mismatch(DType requested, DType actual);
[[noreturn]] EMBER_API void throw_item_not_one_element(IntArrayRef sizes);
}  // namespace detail

template <typename T>
T* Tensor::data_ptr() const {
  if (dtype_of<T> != dtype()) detail::throw_data_ptr_dtype_mismatch(dtype_of<T>, dtype());
  return static_cast<T*>(impl_->data());
}

template <typename T>
T Tensor::item() const {
  return item().to<T>();
}

}  // namespace ember
