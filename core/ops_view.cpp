// Views: ops that return a tensor over the same storage with new sizes, strides and offset.
// Nothing here copies data, except reshape when the strides do not allow a view.
#include <algorithm>
#include <numeric>

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

using detail::shape_string;
using detail::wrap_dim;

namespace {

Tensor make_view(const Tensor& self, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  auto impl = make_intrusive<TensorImpl>(self.storage(), self.dtype(), sizes, strides, offset);
  impl->set_is_view(true);
  return Tensor(std::move(impl));
}

// Replaces a single -1 by the size that keeps numel; checks the total.
DimVector infer_size(IntArrayRef sizes, int64_t numel, std::string_view op) {
  DimVector out(sizes);
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      EMBER_CHECK(infer < 0, Shape, "{}: only one dimension can be inferred (-1) in {}", op,
                  shape_string(sizes));
      infer = static_cast<int>(i);
    } else {
      EMBER_CHECK(sizes[i] >= 0, Shape, "{}: invalid size {} in {}", op, sizes[i],
                  shape_string(sizes));
      known *= sizes[i];
    }
  }
  if (infer >= 0) {
    EMBER_CHECK(known != 0 && numel % known == 0, Shape,
                "{}: shape {} is invalid for input of size {}", op, shape_string(sizes), numel);
    out[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, Shape, "{}: shape {} is invalid for input of size {}", op,
                shape_string(sizes), numel);
  }
  return out;
}

// Strides that view (old sizes, old strides) as new sizes, or false when no view exists
// (PyTorch's computeStride: each run of old dims that is contiguous within itself may be split
// or merged freely).
bool view_strides(IntArrayRef old_sizes, IntArrayRef old_strides, IntArrayRef new_sizes,
                  DimVector& new_strides) {
  new_strides.resize(new_sizes.size());
  int64_t numel = 1;
  for (int64_t s : old_sizes) numel *= s;
  if (numel == 0) {
    new_strides = contiguous_strides(new_sizes);
    return true;
  }
  if (old_sizes.empty()) {
    std::fill(new_strides.begin(), new_strides.end(), 1);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(old_sizes.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_sizes[tensor_d];
    if (tensor_d == 0 || (old_sizes[tensor_d - 1] != 1 &&
                          old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Tensor Tensor::view(IntArrayRef sizes) const {
  EMBER_AUTOGRAD(view, *this, sizes);
  DimVector shape = infer_size(sizes, numel(), "view");
  DimVector strides;
  EMBER_CHECK(view_strides(this->sizes(), this->strides(), shape, strides), Shape,
              "view: size {} is not compatible with the input's size {} and stride {} (at least "
              "one dimension spans two contiguous subspaces); use .reshape(...) instead",
              shape_string(shape), shape_string(this->sizes()), shape_string(this->strides()));
  return make_view(*this, shape, strides, storage_offset());
}

Tensor Tensor::reshape(IntArrayRef sizes) const {
  EMBER_AUTOGRAD(reshape, *this, sizes);
  DimVector shape = infer_size(sizes, numel(), "reshape");
  DimVector strides;
  if (view_strides(this->sizes(), this->strides(), shape, strides))
    return make_view(*this, shape, strides, storage_offset());
  return contiguous().view(shape);
}

Tensor Tensor::as_strided(IntArrayRef sizes, IntArrayRef strides,
                          std::optional<int64_t> storage_offset) const {
  EMBER_AUTOGRAD(as_strided, *this, sizes, strides, storage_offset);
  EMBER_CHECK(sizes.size() == strides.size(), Shape,
              "as_strided: sizes {} and strides {} have different lengths", shape_string(sizes),
              shape_string(strides));
  const int64_t offset = storage_offset.value_or(this->storage_offset());
  EMBER_CHECK(offset >= 0, Value, "as_strided: negative storage offset {}", offset);
  int64_t max_index = offset;
  bool empty = false;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, Value,
                "as_strided: sizes {} and strides {} must be non-negative", shape_string(sizes),
                shape_string(strides));
    if (sizes[i] == 0) empty = true;
    max_index += (sizes[i] - 1) * strides[i];
  }
  const int64_t capacity = static_cast<int64_t>(storage()->nbytes() / element_size());
  EMBER_CHECK(empty || max_index < capacity, Shape,
              "as_strided: sizes {}, strides {} and offset {} reach element {} but the storage "
              "holds {} elements",
              shape_string(sizes), shape_string(strides), offset, max_index, capacity);
  return make_view(*this, sizes, strides, offset);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  EMBER_AUTOGRAD(transpose, *this, dim0, dim1);
  const int64_t d0 = wrap_dim(dim0, dim(), "transpose"), d1 = wrap_dim(dim1, dim(), "transpose");
  if (dim() == 0) return *this;
  DimVector sz(sizes()), st(strides());
  std::swap(sz[d0], sz[d1]);
  std::swap(st[d0], st[d1]);
  return make_view(*this, sz, st, storage_offset());
}

Tensor Tensor::t() const {
  EMBER_CHECK(dim() <= 2, Shape, "t: expects a tensor with <= 2 dims, but self is {}-D ({})", dim(),
              shape_string(sizes()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(IntArrayRef dims) const {
  EMBER_AUTOGRAD(permute, *this, dims);
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == dim(), Shape,
              "permute: number of dims in {} doesn't match the tensor's {} dims",
              shape_string(dims), dim());
  DimVector sz(dims.size()), st(dims.size());
  uint64_t seen = 0;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "permute");
    EMBER_CHECK(!(seen >> d & 1u), Value, "permute: dim {} repeats in {}", d, shape_string(dims));
    seen |= uint64_t{1} << d;
    sz[i] = size(d);
    st[i] = stride(d);
  }
  return make_view(*this, sz, st, storage_offset());
}

Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
                     int64_t step) const {
  EMBER_AUTOGRAD(slice, *this, dim, start, end, step);
  EMBER_CHECK(this->dim() > 0, Shape, "slice: cannot slice a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "slice");
  EMBER_CHECK(step > 0, Value, "slice: step must be positive, got {}", step);
  const int64_t n = size(d);
  int64_t s = start.value_or(0), e = end.value_or(n);
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  DimVector sz(sizes()), st(strides());
  sz[d] = (e - s + step - 1) / step;
  st[d] = stride(d) * step;
  return make_view(*this, sz, st, storage_offset() + s * stride(d));
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  EMBER_CHECK(this->dim() > 0, Shape, "narrow: cannot narrow a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "narrow");
  const int64_t n = size(d);
  if (start < 0) start += n;
  EMBER_CHECK(start >= 0 && length >= 0 && start + length <= n, Index,
              "narrow: start {} and length {} are out of range for dim {} of size {}", start,
              length, d, n);
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  EMBER_AUTOGRAD(select, *this, dim, index);
  EMBER_CHECK(this->dim() > 0, Index, "select: cannot index a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "select");
  const int64_t n = size(d);
  EMBER_CHECK(index >= -n && index < n, Index,
              "select: index {} is out of bounds for dimension {} with size {}", index, d, n);
  if (index < 0) index += n;
  DimVector sz(sizes()), st(strides());
  sz.erase(d);
  st.erase(d);
  return make_view(*this, sz, st, storage_offset() + index * stride(d));
}

Tensor Tensor::expand(IntArrayRef sizes) const {
  EMBER_AUTOGRAD(expand, *this, sizes);
  EMBER_CHECK(static_cast<int64_t>(sizes.size()) >= dim(), Shape,
              "expand: the number of sizes provided ({}) must be at least the number of dims in "
              "the tensor ({})",
              sizes.size(), dim());
  const int64_t nd = static_cast<int64_t>(sizes.size());
  const int64_t offset = nd - dim();
  DimVector sz(nd), st(nd);
  for (int64_t i = nd - 1; i >= 0; --i) {
    const int64_t j = i - offset;
    int64_t want = sizes[i];
    if (j < 0) {
      EMBER_CHECK(want >= 0, Shape, "expand: size -1 is not allowed for the new leading dim {}", i);
      sz[i] = want;
      st[i] = 0;
      continue;
    }
    const int64_t have = size(j);
    if (want == -1) want = have;
    EMBER_CHECK(have == want || have == 1, Shape,
                "expand: the expanded size of the tensor ({}) must match the existing size ({}) "
                "at non-singleton dimension {}. Target sizes: {}. Tensor sizes: {}",
                want, have, i, shape_string(sizes), shape_string(this->sizes()));
    sz[i] = want;
    st[i] = have == want ? stride(j) : 0;
  }
  return make_view(*this, sz, st, storage_offset());
}

Tensor Tensor::squeeze() const {
  EMBER_AUTOGRAD(squeeze, *this);
  DimVector sz, st;
  for (int64_t i = 0; i < dim(); ++i) {
    if (size(i) == 1) continue;
    sz.push_back(size(i));
    st.push_back(stride(i));
  }
  return make_view(*this, sz, st, storage_offset());
}

Tensor Tensor::squeeze(int64_t dim) const {
  EMBER_AUTOGRAD(squeeze_dim, *this, dim);
  const int64_t d = wrap_dim(dim, this->dim(), "squeeze");
  if (this->dim() == 0 || size(d) != 1)
    return make_view(*this, sizes(), strides(), storage_offset());
  DimVector sz(sizes()), st(strides());
  sz.erase(d);
  st.erase(d);
  return make_view(*this, sz, st, storage_offset());
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  EMBER_AUTOGRAD(unsqueeze, *this, dim);
  const int64_t d = wrap_dim(dim, this->dim() + 1, "unsqueeze");
  DimVector sz(sizes()), st(strides());
  const int64_t new_stride = d < this->dim() ? size(d) * stride(d) : 1;
  sz.insert(d, 1);
  st.insert(d, new_stride);
  return make_view(*this, sz, st, storage_offset());
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten");
  const int64_t e = wrap_dim(end_dim, dim(), "flatten");
  EMBER_CHECK(s <= e, Value, "flatten: start_dim ({}) cannot come after end_dim ({})", s, e);
  if (s == e) return *this;
  DimVector shape;
  for (int64_t i = 0; i < s; ++i) shape.push_back(size(i));
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= size(i);
  shape.push_back(merged);
  for (int64_t i = e + 1; i < dim(); ++i) shape.push_back(size(i));
  return reshape(shape);
}

Tensor Tensor::unflatten(int64_t dim, IntArrayRef sizes) const {
  const int64_t d = wrap_dim(dim, this->dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), Shape, "unflatten: sizes must be non-empty");
  DimVector inner = infer_size(sizes, size(d), "unflatten");
  DimVector shape;
  for (int64_t i = 0; i < d; ++i) shape.push_back(size(i));
  for (int64_t s : inner) shape.push_back(s);
  for (int64_t i = d + 1; i < this->dim(); ++i) shape.push_back(size(i));
  return view(shape);
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, Shape, "split: cannot split a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split");
  const int64_t n = size(d);
  EMBER_CHECK(split_size > 0 || (split_size == 0 && n == 0), Value,
              "split: split_size must be positive, got {}", split_size);
  std::vector<Tensor> parts;
  if (n == 0) {
    parts.push_back(*this);
    return parts;
  }
  for (int64_t s = 0; s < n; s += split_size)
    parts.push_back(narrow(d, s, std::min(split_size, n - s)));
  return parts;
}

std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef split_sizes, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, Shape, "split_with_sizes: cannot split a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split_with_sizes");
  const int64_t total = std::accumulate(split_sizes.begin(), split_sizes.end(), int64_t{0});
  EMBER_CHECK(total == size(d), Shape,
              "split_with_sizes: sizes {} sum to {} but dim {} has size {}",
              shape_string(split_sizes), total, d, size(d));
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0, Value, "split_with_sizes: negative size in {}", shape_string(split_sizes));
    parts.push_back(narrow(d, start, s));
    start += s;
  }
  return parts;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const {
  EMBER_CHECK(chunks > 0, Value, "chunk: number of chunks must be positive, got {}", chunks);
  EMBER_CHECK(this->dim() > 0, Shape, "chunk: cannot chunk a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "chunk");
  const int64_t n = size(d);
  const int64_t split_size = std::max<int64_t>((n + chunks - 1) / chunks, n == 0 ? 0 : 1);
  return split(split_size, d);
}

std::vector<Tensor> Tensor::unbind(int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, Shape, "unbind: cannot unbind a zero-dim tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "unbind");
  std::vector<Tensor> parts;
  parts.reserve(static_cast<size_t>(size(d)));
  for (int64_t i = 0; i < size(d); ++i) parts.push_back(select(d, i));
  return parts;
}

// Free-function spellings.
Tensor reshape(const Tensor& self, IntArrayRef sizes) {
  return self.reshape(sizes);
}
Tensor flatten(const Tensor& self, int64_t start_dim, int64_t end_dim) {
  return self.flatten(start_dim, end_dim);
}
Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1) {
  return self.transpose(dim0, dim1);
}
Tensor permute(const Tensor& self, IntArrayRef dims) {
  return self.permute(dims);
}
Tensor squeeze(const Tensor& self) {
  return self.squeeze();
}
Tensor unsqueeze(const Tensor& self, int64_t dim) {
  return self.unsqueeze(dim);
}

std::vector<int64_t> broadcast_shapes(ArrayRef<IntArrayRef> shapes) {
  DimVector s = detail::broadcast_shapes_or_throw(shapes, "broadcast_shapes");
  return std::vector<int64_t>(s.begin(), s.end());
}

std::vector<Tensor> broadcast_tensors(TensorList tensors) {
  std::vector<IntArrayRef> shapes;
  for (const Tensor& t : tensors) shapes.push_back(t.sizes());
  DimVector s = detail::broadcast_shapes_or_throw(shapes, "broadcast_tensors");
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(t.expand(s));
  return out;
}

}  // namespace ember
