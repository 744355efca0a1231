// Tensor factories. Allocation happens here; values are written by the fill, range, random and
// copy kernels of the target device, so every factory works on every device with those rows.
#include "ember/core/factories.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "ember/core/check.h"
#include "ember/core/device_hooks.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

Tensor allocate(IntArrayRef sizes, DType dtype, const TensorOptions& options) {
  const Device device = resolve_device(options.device());
  if (options.pinned_memory()) {
    EMBER_CHECK(device.is_cpu(), Value, "pinned_memory: only CPU tensors can be pinned, not {}",
                device.str());
    const int64_t n = checked_numel(sizes);
    auto storage = make_intrusive<StorageImpl>(static_cast<size_t>(n) * element_size(dtype), device,
                                               get_pinned_host_allocator());
    return Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, sizes));
  }
  return detail::empty_tensor(sizes, dtype, device);
}

// Options of a *_like factory: self's dtype and device unless the options set them.
TensorOptions like_options(const Tensor& self, const TensorOptions& options) {
  TensorOptions o = options.dtype(options.has_dtype() ? options.dtype() : self.dtype());
  return options.device() == Device(kCPU) && !self.is_cpu() ? o.device(self.device()) : o;
}

void check_floating(DType dtype, const char* op) {
  EMBER_CHECK(is_floating_point(dtype), DType,
              "{}: expected a floating-point dtype, got {}; use randint for integers", op,
              dtype_name(dtype));
}

Generator& pick_generator(Generator* g, Device device) {
  return g ? *g : default_generator(device);
}

// Runs a random kernel into a contiguous tensor (into a temporary first if self is strided).
void random_fill(Tensor& self, OpId op, const RandomArgs& args, uint64_t blocks_per_element_x4,
                 Generator* generator) {
  if (self.numel() == 0) return;
  Tensor target =
      self.is_contiguous() ? self : detail::empty_tensor(self.sizes(), self.dtype(), self.device());
  // Each op consumes ceil(numel * blocks_per_element_x4 / 4) Philox blocks.
  const uint64_t blocks = (static_cast<uint64_t>(target.numel()) * blocks_per_element_x4 + 3) / 4;
  PhiloxState state = pick_generator(generator, self.device()).reserve(blocks);
  lookup_kernel<RandomKernel>(op, target.device())(target, args, state);
  self.impl()->bump_version();
  if (!target.is_same(self)) self.copy_(target);
}

// Blocks per element (times 4) of each random op; must match kernels/random_functors.h.
uint64_t uniform_blocks_x4(DType t) {
  return t == kFloat64 ? 2 : 1;
}
uint64_t normal_blocks_x4(DType t) {
  return t == kFloat64 ? 4 : 2;
}

}  // namespace

// ---- basic factories ----
Tensor empty(IntArrayRef sizes, const TensorOptions& options) {
  return finish(allocate(sizes, options.dtype(), options), options);
}

Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options) {
  EMBER_CHECK(sizes.size() == strides.size(), Shape,
              "empty_strided: sizes {} and strides {} have different lengths",
              detail::shape_string(sizes), detail::shape_string(strides));
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, Value,
                "empty_strided: sizes and strides must be non-negative");
    if (sizes[i] == 0) extent = 0;
  }
  if (extent != 0) {
    for (size_t i = 0; i < sizes.size(); ++i) extent += (sizes[i] - 1) * strides[i];
  }
  Tensor base = allocate({extent}, options.dtype(), options);
  return finish(base.as_strided(sizes, strides, 0), options);
}

Tensor zeros(IntArrayRef sizes, const TensorOptions& options) {
  Tensor t = allocate(sizes, options.dtype(), options);
  t.zero_();
  return finish(t, options);
}

Tensor ones(IntArrayRef sizes, const TensorOptions& options) {
  Tensor t = allocate(sizes, options.dtype(), options);
  t.fill_(1);
  return finish(t, options);
}

Tensor full(IntArrayRef sizes, const Scalar& value, const TensorOptions& options) {
  const DType dtype = options.has_dtype() ? options.dtype() : value.dtype();
  Tensor t = allocate(sizes, dtype, options);
  t.fill_(value);
  return finish(t, options);
}

Tensor scalar_tensor(const Scalar& value, const TensorOptions& options) {
  return full({}, value, options);
}

Tensor empty_like(const Tensor& self, const TensorOptions& options) {
  return empty(self.sizes(), like_options(self, options));
}
Tensor zeros_like(const Tensor& self, const TensorOptions& options) {
  return zeros(self.sizes(), like_options(self, options));
}
Tensor ones_like(const Tensor& self, const TensorOptions& options) {
  return ones(self.sizes(), like_options(self, options));
}
Tensor full_like(const Tensor& self, const Scalar& value, const TensorOptions& options) {
  return full(self.sizes(), value, like_options(self, options));
}
Tensor rand_like(const Tensor& self, const TensorOptions& options) {
  return rand(self.sizes(), like_options(self, options));
}
Tensor randn_like(const Tensor& self, const TensorOptions& options) {
  return randn(self.sizes(), like_options(self, options));
}

// ---- ranges ----
Tensor arange(const Scalar& end, const TensorOptions& options) {
  return arange(0, end, 1, options);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              const TensorOptions& options) {
  const bool all_integral =
      !start.is_floating_point() && !end.is_floating_point() && !step.is_floating_point();
  const DType dtype = options.has_dtype() ? options.dtype()
                      : all_integral      ? kInt64
                                          : default_float_dtype();
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, Value, "arange: step must be non-zero");
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), Value,
              "arange: upper bound {} and lower bound {} are inconsistent with step sign {}", e, s,
              st);
  int64_t n;
  if (all_integral) {
    const int64_t is = start.to_int64(), ie = end.to_int64(), ist = step.to_int64();
    n = ist > 0 ? (ie - is + ist - 1) / ist : (is - ie - ist - 1) / (-ist);
  } else {
    n = static_cast<int64_t>(std::ceil((e - s) / st));
  }
  Tensor t = allocate({n}, dtype, options);
  RangeArgs args;
  args.start = s;
  args.step = st;
  args.int_start = start.to_int64();
  args.int_step = step.to_int64();
  if (n > 0) kernel_for<OpId::arange>(t.device())(t, args);
  return finish(t, options);
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options) {
  EMBER_CHECK(steps >= 0, Value, "linspace: number of steps must be non-negative, got {}", steps);
  const DType dtype = options.has_dtype() ? options.dtype() : default_float_dtype();
  Tensor t = allocate({steps}, dtype, options);
  if (steps == 0) return finish(t, options);
  RangeArgs args;
  args.start = start;
  args.end = end;
  args.step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  args.symmetric = true;
  kernel_for<OpId::arange>(t.device())(t, args);
  return finish(t, options);
}

Tensor eye(int64_t n, const TensorOptions& options) {
  return eye(n, n, options);
}

Tensor eye(int64_t n, int64_t m, const TensorOptions& options) {
  EMBER_CHECK(n >= 0 && m >= 0, Value, "eye: n ({}) and m ({}) must be non-negative", n, m);
  Tensor t = zeros({n, m}, options.requires_grad(false));
  if (n > 0 && m > 0) t.as_strided({std::min(n, m)}, {m + 1}, 0).fill_(1);
  return finish(t, options);
}

// ---- random ----
Tensor rand(IntArrayRef sizes, const TensorOptions& options) {
  return rand(sizes, nullptr, options);
}

Tensor rand(IntArrayRef sizes, Generator* generator, const TensorOptions& options) {
  Tensor t = allocate(sizes, options.dtype(), options);
  t.uniform_(0.0, 1.0, generator);
  return finish(t, options);
}

Tensor randn(IntArrayRef sizes, const TensorOptions& options) {
  return randn(sizes, nullptr, options);
}

Tensor randn(IntArrayRef sizes, Generator* generator, const TensorOptions& options) {
  Tensor t = allocate(sizes, options.dtype(), options);
  t.normal_(0.0, 1.0, generator);
  return finish(t, options);
}

Tensor normal(double mean, double std, IntArrayRef sizes, Generator* generator,
              const TensorOptions& options) {
  Tensor t = allocate(sizes, options.dtype(), options);
  t.normal_(mean, std, generator);
  return finish(t, options);
}

Tensor randint(int64_t high, IntArrayRef sizes, const TensorOptions& options) {
  return randint(0, high, sizes, nullptr, options);
}
Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, const TensorOptions& options) {
  return randint(low, high, sizes, nullptr, options);
}
Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, Generator* generator,
               const TensorOptions& options) {
  const DType dtype = options.has_dtype() ? options.dtype() : kInt64;
  Tensor t = allocate(sizes, dtype, options);
  t.random_(low, high, generator);
  return finish(t, options);
}

Tensor randperm(int64_t n, const TensorOptions& options) {
  return randperm(n, nullptr, options);
}

Tensor randperm(int64_t n, Generator* generator, const TensorOptions& options) {
  EMBER_CHECK(n >= 0, Value, "randperm: n must be non-negative, got {}", n);
  // Sorting random 63-bit keys gives the same permutation on every device for the same seed.
  const Device device = resolve_device(options.device());
  Tensor keys = detail::empty_tensor({n}, kInt64, device);
  keys.random_(0, std::numeric_limits<int64_t>::max(), generator);
  Tensor perm = argsort(keys);
  if (options.has_dtype() && options.dtype() != kInt64) perm = perm.to(options.dtype());
  return finish(perm, options);
}

Tensor& Tensor::uniform_(double from, double to, Generator* generator) {
  check_floating(dtype(), "uniform_");
  EMBER_CHECK(from <= to, Value, "uniform_: expects from <= to, but got from={} > to={}", from, to);
  EMBER_CHECK(std::isfinite(from) && std::isfinite(to), Value,
              "uniform_: expects finite bounds, but got from={} and to={}", from, to);
  RandomArgs args;
  args.a = from;
  args.b = to;
  random_fill(*this, OpId::uniform, args, uniform_blocks_x4(dtype()), generator);
  return *this;
}

Tensor& Tensor::normal_(double mean, double std, Generator* generator) {
  check_floating(dtype(), "normal_");
  EMBER_CHECK(std >= 0, Value, "normal_: expects std >= 0.0, but found std {}", std);
  RandomArgs args;
  args.a = mean;
  args.b = std;
  random_fill(*this, OpId::normal, args, normal_blocks_x4(dtype()), generator);
  return *this;
}

Tensor& Tensor::bernoulli_(double p, Generator* generator) {
  EMBER_CHECK(p >= 0 && p <= 1, Value, "bernoulli_: expects 0 <= p <= 1, but got p={}", p);
  RandomArgs args;
  args.a = p;
  random_fill(*this, OpId::bernoulli, args, 1, generator);
  return *this;
}

Tensor& Tensor::random_(int64_t from, int64_t to, Generator* generator) {
  EMBER_CHECK(from < to, Value, "random_: expects from < to, but got from={} >= to={}", from, to);
  EMBER_CHECK(dtype() != kBool || (from >= 0 && to <= 2), Value,
              "random_: range [{}, {}) does not fit bool", from, to);
  // Every value of [from, to) must fit the dtype (int64 values always fit int64, float32,
  // float64 and bfloat16).
  int64_t lowest = std::numeric_limits<int64_t>::min();
  int64_t highest = std::numeric_limits<int64_t>::max();
  if (dtype() == kUInt8) lowest = 0, highest = 255;
  if (dtype() == kInt32) lowest = INT32_MIN, highest = INT32_MAX;
  if (dtype() == kFloat16) lowest = -65504, highest = 65504;
  EMBER_CHECK(from >= lowest && to - 1 <= highest, Value,
              "random_: range [{}, {}) is out of bounds for dtype {} (values from {} to {})", from,
              to, dtype_name(dtype()), lowest, highest);
  RandomArgs args;
  args.low = from;
  args.high = to;
  // Ranges wider than 2^32 draw 64 bits per element.
  const uint64_t range = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
  random_fill(*this, OpId::random_int, args, range > (uint64_t{1} << 32) ? 2 : 1, generator);
  return *this;
}

// ---- from memory ----
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options) {
  return from_blob(data, sizes, contiguous_strides(sizes), options);
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options) {
  EMBER_CHECK(sizes.size() == strides.size(), Shape,
              "from_blob: sizes {} and strides {} have different lengths",
              detail::shape_string(sizes), detail::shape_string(strides));
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) extent = 0;
  }
  if (extent) {
    for (size_t i = 0; i < sizes.size(); ++i) extent += (sizes[i] - 1) * strides[i];
  }
  const DType dtype = options.dtype();
  auto storage =
      make_intrusive<StorageImpl>(data, static_cast<size_t>(extent) * element_size(dtype),
                                  resolve_device(options.device()), nullptr);
  return finish(Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, sizes, strides, 0)),
                options);
}

Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 const TensorOptions& options) {
  const int64_t n = checked_numel(sizes);
  auto storage =
      make_intrusive<StorageImpl>(data, static_cast<size_t>(n) * element_size(options.dtype()),
                                  resolve_device(options.device()), std::move(deleter));
  return finish(Tensor(make_intrusive<TensorImpl>(std::move(storage), options.dtype(), sizes)),
                options);
}

// ---- from C++ values ----
TensorInit::TensorInit(std::initializer_list<TensorInit> list) : elements_(list) {}

namespace {

// Walks a nested list: checks it is rectangular, records its shape and flattens its values.
void flatten_init(const TensorInit& v, size_t depth, DimVector& shape, std::vector<Scalar>& values,
                  bool& shape_known) {
  if (v.is_scalar()) {
    EMBER_CHECK(!shape_known || depth == shape.size(), Shape,
                "tensor: nested lists are ragged (a number at depth {} where depth {} was seen)",
                depth, shape.size());
    if (!shape_known) {
      shape_known = true;
      shape.resize(depth);
    }
    values.push_back(v.scalar());
    return;
  }
  const int64_t n = static_cast<int64_t>(v.elements().size());
  if (!shape_known && shape.size() <= depth) shape.push_back(n);
  EMBER_CHECK(depth < shape.size() && shape[depth] == n, Shape,
              "tensor: nested lists are ragged (length {} at depth {} where {} was expected)", n,
              depth, depth < shape.size() ? shape[depth] : -1);
  if (n == 0 && !shape_known) {
    shape_known = true;
    shape.resize(depth + 1);
  }
  for (const TensorInit& e : v.elements()) flatten_init(e, depth + 1, shape, values, shape_known);
}

template <typename T>
void write_values(const std::vector<Scalar>& values, void* dst) {
  T* p = static_cast<T*>(dst);
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i].to<T>();
}

}  // namespace

Tensor tensor(const TensorInit& values, const TensorOptions& options) {
  DimVector shape;
  std::vector<Scalar> flat;
  bool shape_known = false;
  flatten_init(values, 0, shape, flat, shape_known);
  DType dtype;
  if (options.has_dtype()) {
    dtype = options.dtype();
  } else {
    bool any_float = false, all_bool = !flat.empty();
    for (const Scalar& s : flat) {
      any_float |= s.is_floating_point();
      all_bool &= s.is_bool();
    }
    dtype = any_float ? default_float_dtype() : all_bool ? kBool : kInt64;
    if (flat.empty()) dtype = default_float_dtype();
  }
  Tensor host = detail::empty_tensor(shape, dtype, Device(kCPU));
  switch (dtype) {
#define EMBER_WRITE_CASE(cpp, name)           \
  case DType::name:                           \
    write_values<cpp>(flat, host.data_ptr()); \
    break;
    EMBER_FOREACH_DTYPE(EMBER_WRITE_CASE)
#undef EMBER_WRITE_CASE
  }
  Tensor t = options.device().is_cpu() ? host : host.to(options.device());
  return finish(t, options);
}

template <typename T>
Tensor tensor(const std::vector<T>& values, const TensorOptions& options) {
  return tensor(values, {static_cast<int64_t>(values.size())}, options);
}

template <typename T>
Tensor tensor(const std::vector<T>& values, IntArrayRef sizes, const TensorOptions& options) {
  const int64_t n = checked_numel(sizes);
  EMBER_CHECK(n == static_cast<int64_t>(values.size()), Shape,
              "tensor: {} values cannot fill shape {} ({} elements)", values.size(),
              detail::shape_string(sizes), n);
  Tensor host = detail::empty_tensor(sizes, dtype_of<T>, Device(kCPU));
  if constexpr (std::is_same_v<T, bool>) {
    bool* p = static_cast<bool*>(host.data_ptr());
    for (int64_t i = 0; i < n; ++i) p[i] = values[static_cast<size_t>(i)];
  } else {
    if (n > 0) std::memcpy(host.data_ptr(), values.data(), static_cast<size_t>(n) * sizeof(T));
  }
  Tensor t = host;
  if (options.has_dtype() || !options.device().is_cpu())
    t = host.to(options.device(), options.has_dtype() ? options.dtype() : dtype_of<T>);
  return finish(t, options);
}

#define EMBER_INSTANTIATE_TENSOR_FROM_VECTOR(cpp, name)                                 \
  template EMBER_API Tensor tensor<cpp>(const std::vector<cpp>&, const TensorOptions&); \
  template EMBER_API Tensor tensor<cpp>(const std::vector<cpp>&, IntArrayRef, const TensorOptions&);
EMBER_FOREACH_DTYPE(EMBER_INSTANTIATE_TENSOR_FROM_VECTOR)
#undef EMBER_INSTANTIATE_TENSOR_FROM_VECTOR

}  // namespace ember
