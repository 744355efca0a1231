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

// sort: NaNs are set aside while the row is read (they all sort last, or first when descending,
// in input order), so the stable sort of the rest compares with a plain < (the order of
// sort_order::sorts_before, without its NaN tests in the hot loop).
template <typename T>
void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim,
               bool descending) {
  using K = SortKey<T>;
  using Entry = std::pair<K, int64_t>;
  const RowLayout l = layout_of(values, indices, self, dim);
  const T* in = static_cast<const T*>(self.data_ptr());
  T* out_values = static_cast<T*>(values.data_ptr());
  int64_t* out_indices = indices.data_ptr<int64_t>();
  parallel_rows(l.rows, l.n, [&](int64_t b, int64_t e) {
    std::vector<Entry> buffer(static_cast<size_t>(l.n));
    std::vector<int64_t> nans;
    for (int64_t r = b; r < e; ++r) {
      const T* row = in + row_offset(r, l.ndim, l.sizes, l.self_strides, l.dim);
      const int64_t step = l.self_strides[l.dim];
      nans.clear();
      int64_t count = 0;  // non-NaN entries, at the front of buffer
      for (int64_t j = 0; j < l.n; ++j) {
        const K key = static_cast<K>(row[j * step]);
        if (sort_order::is_nan_key(key)) {
          nans.push_back(j);
        } else {
          buffer[count++] = {key, j};
        }
      }
      if (descending) {
        std::stable_sort(buffer.begin(), buffer.begin() + count,
                         [](const Entry& a, const Entry& c) { return c.first < a.first; });
      } else {
        std::stable_sort(buffer.begin(), buffer.begin() + count,
                         [](const Entry& a, const Entry& c) { return a.first < c.first; });
      }
      T* v = out_values + row_offset(r, l.ndim, l.sizes, l.values_strides, l.dim);
      int64_t* i = out_indices + row_offset(r, l.ndim, l.sizes, l.indices_strides, l.dim);
      const int64_t v_step = l.values_strides[l.dim], i_step = l.indices_strides[l.dim];
      const int64_t num_nans = static_cast<int64_t>(nans.size());
      const int64_t first_sorted = descending ? num_nans : 0;  // where the non-NaN run starts
      const int64_t first_nan = descending ? 0 : count;
      for (int64_t j = 0; j < count; ++j) {
        v[(first_sorted + j) * v_step] = static_cast<T>(buffer[j].first);
        i[(first_sorted + j) * i_step] = buffer[j].second;
      }
      for (int64_t j = 0; j < num_nans; ++j) {
        v[(first_nan + j) * v_step] = row[nans[j] * step];
        i[(first_nan + j) * i_step] = nans[j];
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
