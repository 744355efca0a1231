// CPU kernels of sort and topk: each row along `dim` (Note [Rows along a dim] in
// kernels/index_math.h) is copied into a buffer of (key, position) pairs, ordered with the
// comparisons of kernels/sort_order.h (NaN largest), and written out. Rows run in parallel.
// sort is stable; topk breaks ties by position, so both are deterministic.
#include <algorithm>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

#include "ember/core/dispatch.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/index_math.h"
#include "kernels/sort_order.h"

namespace ember::cpu {
namespace {

using index_math::row_offset;
using sort_order::SortKey;
using sort_order::sorts_before;
using sort_order::topk_before;

// Elements per thread below which sorting rows stays on one thread.
constexpr int64_t kSortGrain = 8192;

// parallel_for over rows whose body may throw (a failed buffer allocation): the first exception
// is kept and rethrown after the parallel region, never from inside it.
template <typename F>
void parallel_rows(int64_t rows, int64_t row_length, const F& f) {
  std::exception_ptr error;
  std::mutex mutex;
  parallel_for(0, rows, std::max<int64_t>(1, kSortGrain / row_length), [&](int64_t b, int64_t e) {
    try {
      f(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

// The geometry of one op: self's rows and the strides of self and both outputs.
struct RowLayout {
  int ndim;
  int dim;
  const int64_t* sizes;  // self's sizes (outputs differ at most along dim)
  const int64_t* self_strides;
  const int64_t* values_strides;
  const int64_t* indices_strides;
  int64_t n;     // self's row length
  int64_t rows;  // number of rows
};

RowLayout layout_of(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim) {
  const int64_t n = self.size(dim);
  return {static_cast<int>(self.dim()),
          static_cast<int>(dim),
          self.sizes().data(),
          self.strides().data(),
          values.strides().data(),
          indices.strides().data(),
          n,
          self.numel() / n};
}

template <typename T>
void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim,
               bool descending) {
  using K = SortKey<T>;
  using Entry = std::pair<K, int64_t>;
  const RowLayout l = layout_of(values, indices, self, dim);
  const T* in = static_cast<const T*>(self.data_ptr());
  T* out_values = static_cast<T*>(values.data_ptr());
  int64_t* out_indices = indices.data_ptr<int64_t>();
  const auto ascending_order = [](const Entry& a, const Entry& b) {
    return sorts_before(a.first, b.first, false);
  };
  const auto descending_order = [](const Entry& a, const Entry& b) {
    return sorts_before(a.first, b.first, true);
  };
  parallel_rows(l.rows, l.n, [&](int64_t b, int64_t e) {
    std::vector<Entry> buffer(static_cast<size_t>(l.n));
    for (int64_t r = b; r < e; ++r) {
      const T* row = in + row_offset(r, l.ndim, l.sizes, l.self_strides, l.dim);
      const int64_t step = l.self_strides[l.dim];
      for (int64_t j = 0; j < l.n; ++j) buffer[j] = {static_cast<K>(row[j * step]), j};
      if (descending) {
        std::stable_sort(buffer.begin(), buffer.end(), descending_order);
      } else {
        std::stable_sort(buffer.begin(), buffer.end(), ascending_order);
      }
      T* v = out_values + row_offset(r, l.ndim, l.sizes, l.values_strides, l.dim);
      int64_t* i = out_indices + row_offset(r, l.ndim, l.sizes, l.indices_strides, l.dim);
      const int64_t v_step = l.values_strides[l.dim], i_step = l.indices_strides[l.dim];
      for (int64_t j = 0; j < l.n; ++j) {
        v[j * v_step] = static_cast<T>(buffer[j].first);
        i[j * i_step] = buffer[j].second;
      }
    }
  });
}

void sort_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim,
                 bool descending) {
  dispatch_dtype<AllTypes>(self.dtype(), "sort", [&](auto tag) {
    sort_rows<typename decltype(tag)::type>(values, indices, self, dim, descending);
  });
}

// topk: the first k entries of each row in the strict order topk_before. sorted: in that order;
// otherwise in their input order (a cheap, well-defined choice; PyTorch leaves it unspecified).
template <typename T>
void topk_rows(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k,
               int64_t dim, bool largest, bool sorted) {
  using K = SortKey<T>;
  using Entry = std::pair<K, int64_t>;
  const RowLayout l = layout_of(values, indices, self, dim);
  const T* in = static_cast<const T*>(self.data_ptr());
  T* out_values = static_cast<T*>(values.data_ptr());
  int64_t* out_indices = indices.data_ptr<int64_t>();
  const auto before = [largest](const Entry& a, const Entry& b) {
    return topk_before(a.first, a.second, b.first, b.second, largest);
  };
  const auto by_position = [](const Entry& a, const Entry& b) { return a.second < b.second; };
  parallel_rows(l.rows, l.n, [&](int64_t b, int64_t e) {
    std::vector<Entry> buffer(static_cast<size_t>(l.n));
    const auto first = buffer.begin(), kth = buffer.begin() + k, last = buffer.end();
    for (int64_t r = b; r < e; ++r) {
      const T* row = in + row_offset(r, l.ndim, l.sizes, l.self_strides, l.dim);
      const int64_t step = l.self_strides[l.dim];
      for (int64_t j = 0; j < l.n; ++j) buffer[j] = {static_cast<K>(row[j * step]), j};
      if (sorted) {
        if (k * 4 >= l.n) {
          std::sort(first, last, before);
        } else {
          std::partial_sort(first, kth, last, before);
        }
      } else {
        if (k < l.n) std::nth_element(first, kth, last, before);
        std::sort(first, kth, by_position);
      }
      T* v = out_values + row_offset(r, l.ndim, l.sizes, l.values_strides, l.dim);
      int64_t* i = out_indices + row_offset(r, l.ndim, l.sizes, l.indices_strides, l.dim);
      const int64_t v_step = l.values_strides[l.dim], i_step = l.indices_strides[l.dim];
      for (int64_t j = 0; j < k; ++j) {
        v[j * v_step] = static_cast<T>(buffer[j].first);
        i[j * i_step] = buffer[j].second;
      }
    }
  });
}

void topk_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k,
                 int64_t dim, bool largest, bool sorted) {
  dispatch_dtype<AllTypes>(self.dtype(), "topk", [&](auto tag) {
    topk_rows<typename decltype(tag)::type>(values, indices, self, k, dim, largest, sorted);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(sort, CPU, sort_kernel);
EMBER_REGISTER_KERNEL(topk, CPU, topk_kernel);

}  // namespace ember::cpu
