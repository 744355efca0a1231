// CUDA rows of the joining and indexing ops: cat, index_select, gather and scatter_add, with the
// bodies of index_body.h and the bounds checks of Note [CUDA index bounds] (each op but cat waits
// for its kernels once, to read the bounds word). scatter_add is deterministic without float
// atomics: a stable radix sort groups each target's sources in index order (index_body.h).
#include <cuda_runtime.h>

#include <vector>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/cuda/index_body.h"
#include "kernels/cuda/index_checks.h"
#include "kernels/cuda/radix_sort.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

template <typename Body>
void run_items(const Body& body, int device, const char* op) {
  launch_items(body, body.work_items(), current_stream(device));
  check_launch(op);
}

int64_t product(IntArrayRef sizes, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t k = begin; k < end; ++k) p *= sizes[k];
  return p;
}

// ---- cat ----
struct alignas(16) Word16 {
  uint64_t lo, hi;
};

struct CatPiece {
  const char* src;
  int64_t row_bytes;     // bytes per outer index
  int64_t offset_bytes;  // where its row starts in an out row
};

template <typename Word>
void copy_cat_batch(char* out, int64_t out_row_bytes, int64_t outer, const CatPiece* pieces,
                    int count, int device) {
  constexpr int64_t w = sizeof(Word);
  CatBody<Word> body;
  body.out = reinterpret_cast<Word*>(out);
  body.out_row = out_row_bytes / w;
  body.count = count;
  int64_t items = 0;
  for (int i = 0; i < count; ++i) {
    body.src[i] = reinterpret_cast<const Word*>(pieces[i].src);
    body.row_words[i] = pieces[i].row_bytes / w;
    body.out_offset[i] = pieces[i].offset_bytes / w;
    body.first[i] = items;
    items += outer * body.row_words[i];
  }
  body.first[count] = items;
  run_items(body, device, "cat");
}

// The widest word (16, 8, 4, 2 or 1 bytes) dividing every byte count and address of a batch.
int64_t word_size(const char* out, int64_t out_row_bytes, const CatPiece* pieces, int count) {
  uint64_t bits = reinterpret_cast<uintptr_t>(out) | static_cast<uint64_t>(out_row_bytes);
  for (int i = 0; i < count; ++i) {
    bits |= reinterpret_cast<uintptr_t>(pieces[i].src) |
            static_cast<uint64_t>(pieces[i].row_bytes) |
            static_cast<uint64_t>(pieces[i].offset_bytes);
  }
  for (int64_t w = 16; w > 1; w /= 2)
    if (bits % static_cast<uint64_t>(w) == 0) return w;
  return 1;
}

// out is the fresh contiguous result: contiguous inputs are copied kCatBatch at a time as words,
// the others through the copy kernel into their slice of out.
void cat_kernel(const Tensor& out, TensorList inputs, int64_t dim) {
  const int device = out.device().index();
  DeviceGuard guard(device);
  const IntArrayRef sizes = out.sizes();
  const int64_t outer = product(sizes, 0, static_cast<size_t>(dim));
  const int64_t inner = product(sizes, static_cast<size_t>(dim) + 1, sizes.size());
  const int64_t elem = static_cast<int64_t>(out.element_size());
  char* dst = static_cast<char*>(out.data_ptr());
  const int64_t out_row_bytes = sizes[dim] * inner * elem;
  std::vector<CatPiece> pieces;
  int64_t dim_offset = 0;
  for (const Tensor& t : inputs) {
    if (t.is_contiguous() && out.is_contiguous()) {
      pieces.push_back({static_cast<const char*>(t.data_ptr()), t.size(dim) * inner * elem,
                        dim_offset * inner * elem});
    } else {
      kernel_for<OpId::copy>(out.device())(out.narrow(dim, dim_offset, t.size(dim)), t, false);
    }
    dim_offset += t.size(dim);
  }
  for (size_t b = 0; b < pieces.size(); b += kCatBatch) {
    const int count = static_cast<int>(std::min<size_t>(kCatBatch, pieces.size() - b));
    const CatPiece* batch = pieces.data() + b;
    switch (word_size(dst, out_row_bytes, batch, count)) {
      case 16:
        copy_cat_batch<Word16>(dst, out_row_bytes, outer, batch, count, device);
        break;
      case 8:
        copy_cat_batch<uint64_t>(dst, out_row_bytes, outer, batch, count, device);
        break;
      case 4:
        copy_cat_batch<uint32_t>(dst, out_row_bytes, outer, batch, count, device);
        break;
      case 2:
        copy_cat_batch<uint16_t>(dst, out_row_bytes, outer, batch, count, device);
        break;
      default:
        copy_cat_batch<uint8_t>(dst, out_row_bytes, outer, batch, count, device);
    }
  }
}

// ---- index_select ----
// Bounds: the copy kernel records bad indices as it reads them; with an empty output a check
// kernel reads the index alone. Then one synchronisation to read the bounds word.
void index_select_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  const int device = self.device().index();
  DeviceGuard guard(device);
  const IndexBoundsCheck check(device);
  const int64_t dim_size = self.size(dim);
  if (out.numel() > 0) {
    dispatch_dtype<AllTypes>(self.dtype(), "index_select", [&](auto tag) {
      using T = typename decltype(tag)::type;
      IndexSelectBody<T> body{};
      body.out = static_cast<T*>(out.data_ptr());
      body.self = static_cast<const T*>(self.data_ptr());
      body.index = index.data_ptr<int64_t>();
      body.index_stride = index.stride(0);
      body.num_indices = index.numel();
      body.inner = product(self.sizes(), static_cast<size_t>(dim) + 1, self.sizes().size());
      body.dim_size = dim_size;
      body.bad = check.slot();
      body.ndim = static_cast<int>(self.dim());
      body.dim = static_cast<int>(dim);
      body.self_contiguous = self.is_contiguous();
      body.sizes = to_dim_array(self.sizes(), "index_select");
      body.strides = to_dim_array(self.strides(), "index_select");
      body.numel = out.numel();
      run_items(body, device, "index_select");
    });
  } else {
    IndexCheckBody body{};
    body.index = index.data_ptr<int64_t>();
    body.ndim = 1;
    body.sizes.v[0] = index.numel();
    body.strides.v[0] = index.stride(0);
    body.size = dim_size;
    body.bad = check.slot();
    body.numel = index.numel();
    run_items(body, device, "index_select");
  }
  check.throw_if_recorded(index, dim, dim_size, "index_select");
}

// ---- gather ----
void gather_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  const int device = self.device().index();
  DeviceGuard guard(device);
  const IndexBoundsCheck check(device);
  dispatch_dtype<AllTypes>(self.dtype(), "gather", [&](auto tag) {
    using T = typename decltype(tag)::type;
    GatherBody<T> body{};
    body.out = static_cast<T*>(out.data_ptr());
    body.self = static_cast<const T*>(self.data_ptr());
    body.index = index.data_ptr<int64_t>();
    body.dim_size = self.size(dim);
    body.bad = check.slot();
    body.ndim = static_cast<int>(index.dim());
    body.dim = static_cast<int>(dim);
    body.sizes = to_dim_array(index.sizes(), "gather");
    body.index_strides = to_dim_array(index.strides(), "gather");
    body.self_strides = to_dim_array(self.strides(), "gather");
    body.out_strides = to_dim_array(out.strides(), "gather");
    body.numel = index.numel();
    run_items(body, device, "gather");
  });
  check.throw_if_recorded(index, dim, self.size(dim), "gather");
}

// ---- scatter_add ----
// The largest element offset in t plus one (its storage extent from data_ptr).
int64_t extent_of(const Tensor& t) {
  int64_t extent = 1;
  for (int64_t d = 0; d < t.dim(); ++d) extent += (t.size(d) - 1) * t.stride(d);
  return extent;
}

template <typename Key>
void scatter_add_with(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
                      int device) {
  const int64_t n = index.numel();
  const IndexBoundsCheck check(device);
  Tensor scratch =
      device_scratch(n * static_cast<int64_t>(2 * sizeof(Key) + 2 * sizeof(int32_t)), device);
  Key* keys_in = static_cast<Key*>(scratch.data_ptr());
  Key* keys_out = keys_in + n;
  int32_t* pos_in = reinterpret_cast<int32_t*>(keys_out + n);
  int32_t* pos_out = pos_in + n;

  ScatterKeysBody<Key> keys_body{};
  keys_body.index = index.data_ptr<int64_t>();
  keys_body.dim_size = out.size(dim);
  keys_body.bad = check.slot();
  keys_body.keys = keys_in;
  keys_body.positions = pos_in;
  keys_body.ndim = static_cast<int>(index.dim());
  keys_body.dim = static_cast<int>(dim);
  keys_body.sizes = to_dim_array(index.sizes(), "scatter_add");
  keys_body.index_strides = to_dim_array(index.strides(), "scatter_add");
  keys_body.out_strides = to_dim_array(out.strides(), "scatter_add");
  keys_body.numel = n;
  run_items(keys_body, device, "scatter_add");
  // Before out is touched: a bad index leaves it as it was.
  check.throw_if_recorded(index, dim, out.size(dim), "scatter_add");

  radix_sort_pairs(keys_in, keys_out, pos_in, pos_out, n,
                   bits_for(static_cast<uint64_t>(extent_of(out) - 1)), device);
  dispatch_dtype<AllTypes>(out.dtype(), "scatter_add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    ScatterAddBody<T, Key> body{};
    body.out = static_cast<T*>(out.data_ptr());
    body.src = static_cast<const T*>(src.data_ptr());
    body.keys = keys_out;
    body.positions = pos_out;
    body.ndim = static_cast<int>(index.dim());
    body.sizes = keys_body.sizes;
    body.src_strides = to_dim_array(src.strides(), "scatter_add");
    body.numel = n;
    run_items(body, device, "scatter_add");
  });
}

void scatter_add_kernel(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const int device = out.device().index();
  DeviceGuard guard(device);
  check_sortable_size(index.numel(), "scatter_add");
  if (extent_of(out) <= (int64_t{1} << 32)) {
    scatter_add_with<uint32_t>(out, dim, index, src, device);
  } else {
    scatter_add_with<uint64_t>(out, dim, index, src, device);
  }
}

}  // namespace

EMBER_REGISTER_KERNEL(cat, CUDA, cat_kernel);
EMBER_REGISTER_KERNEL(index_select, CUDA, index_select_kernel);
EMBER_REGISTER_KERNEL(gather, CUDA, gather_kernel);
EMBER_REGISTER_KERNEL(scatter_add, CUDA, scatter_add_kernel);

}  // namespace ember::cuda
