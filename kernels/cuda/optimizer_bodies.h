// The multi-tensor layout of Ember's fused CUDA optimizer steps and their per-element updates,
// as __host__ __device__ code: optimizer_kernels.cu launches one kernel over a table of many
// parameters; tests/cuda/nn_body_test.cpp walks the same table block by block on the CPU.
// The update math is kernels/optimizer_math.h, shared with the CPU rows. Free of CUDA headers.
//
// Note [Multi-tensor launch]
// A step's tensors (parameter, gradient, state lists) are described in one MultiTensorTable
// passed by value as the kernel's argument (kernel arguments may take up to 32 KiB on sm_70 and
// later with CUDA 12.1+; a table of kMaxTensorsPerLaunch tensors stays well under it), so the
// launch needs no upload and no host synchronisation. Each tensor is cut into chunks of
// kOptimizerChunk elements; block b finds its tensor by a binary search over the tensors' first
// chunks and updates its chunk. A step with more tensors than a table holds launches once per
// table-full (one launch for every model up to kMaxTensorsPerLaunch parameters). Per-tensor
// scalars (Adam's bias corrections, Adagrad's decayed rate, SGD's first momentum step) come from
// the step counts on the host. Every element's result depends only on its own inputs, so
// results do not depend on the launch shape.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "ember/core/macros.h"
#include "ember/core/tensor.h"
#include "kernels/optimizer_math.h"

namespace ember::cuda {

inline constexpr int kMaxTensorsPerLaunch = 96;
inline constexpr int64_t kOptimizerChunk = 65536;
// Elements each thread keeps in flight per loop iteration.
inline constexpr int kOptimizerIlp = 4;

// Up to kMaxTensorsPerLaunch tensors, kLists pointers each (list 0: parameters, list 1:
// gradients, then the optimizer's state lists; null when the configuration does not use a list).
template <typename T, int kLists, typename Scalars>
struct MultiTensorTable {
  T* data[kLists][kMaxTensorsPerLaunch];
  int64_t numel[kMaxTensorsPerLaunch];
  Scalars scalars[kMaxTensorsPerLaunch];
  int32_t flag[kMaxTensorsPerLaunch];             // per-tensor switch (SGD: first step)
  int64_t first_chunk[kMaxTensorsPerLaunch + 1];  // prefix sums of chunk counts
  int count;
};

inline int64_t chunks_of(int64_t numel) {
  return (numel + kOptimizerChunk - 1) / kOptimizerChunk;
}

// The tensor that chunk `block` belongs to: the last t with first_chunk[t] <= block.
EMBER_HOST_DEVICE inline int tensor_of_chunk(const int64_t* first_chunk, int count, int64_t block) {
  int lo = 0, hi = count - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (first_chunk[mid] <= block) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// ---- per-element updates over one element's values v[list] (kernels/optimizer_math.h) ----
template <bool kMomentum, bool kNesterov, bool kWeightDecay>
struct SgdElement {
  static constexpr int kLists = 3;  // param, grad, momentum buffer
  template <typename T>
  EMBER_HOST_DEVICE void operator()(T (&v)[kLists], const optim_math::SgdScalars<T>& s,
                                    int32_t first) const {
    if (first) {
      optim_math::sgd_update<kMomentum, true, kNesterov, kWeightDecay>(v[0], v[1], &v[2], s);
    } else {
      optim_math::sgd_update<kMomentum, false, kNesterov, kWeightDecay>(v[0], v[1], &v[2], s);
    }
  }
};

template <bool kAmsgrad, optim_math::AdamWeightDecay kDecay>
struct AdamElement {
  static constexpr int kLists = 5;  // param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq
  template <typename T>
  EMBER_HOST_DEVICE void operator()(T (&v)[kLists], const optim_math::AdamScalars<T>& s,
                                    int32_t) const {
    optim_math::adam_update<kAmsgrad, kDecay>(v[0], v[1], v[2], v[3], &v[4], s);
  }
};

template <bool kCentered, bool kMomentum, bool kWeightDecay>
struct RmspropElement {
  static constexpr int kLists = 5;  // param, grad, square_avg, grad_avg, momentum buffer
  template <typename T>
  EMBER_HOST_DEVICE void operator()(T (&v)[kLists], const optim_math::RmspropScalars<T>& s,
                                    int32_t) const {
    optim_math::rmsprop_update<kCentered, kMomentum, kWeightDecay>(v[0], v[1], v[2], &v[3], &v[4],
                                                                   s);
  }
};

struct AdagradElement {
  static constexpr int kLists = 3;  // param, grad, state_sum
  template <typename T>
  EMBER_HOST_DEVICE void operator()(T (&v)[kLists], const optim_math::AdagradScalars<T>& s,
                                    int32_t) const {
    optim_math::adagrad_update(v[0], v[1], v[2], s);
  }
};

struct AdadeltaElement {
  static constexpr int kLists = 4;  // param, grad, square_avg, acc_delta
  template <typename T>
  EMBER_HOST_DEVICE void operator()(T (&v)[kLists], const optim_math::AdadeltaScalars<T>& s,
                                    int32_t) const {
    optim_math::adadelta_update(v[0], v[1], v[2], v[3], s);
  }
};

// Element i of tensor t: loads the lists that exist, updates, stores all but the gradient.
template <typename T, int kLists, typename Scalars, typename Element>
EMBER_HOST_DEVICE inline void update_element(const MultiTensorTable<T, kLists, Scalars>& table,
                                             int t, int64_t i, const Element& element) {
  T v[kLists];
  for (int l = 0; l < kLists; ++l) v[l] = table.data[l][t] != nullptr ? table.data[l][t][i] : T(0);
  element(v, table.scalars[t], table.flag[t]);
  for (int l = 0; l < kLists; ++l)
    if (l != 1 && table.data[l][t] != nullptr) table.data[l][t][i] = v[l];
}

// Host side: fills tables with the tensors of `lists` (list 0 the parameters; an empty list is
// unused: null pointers), skipping empty tensors, and calls launch(table, chunks) for every
// table-full and the rest. scalars_of(i) and flag_of(i) give tensor i's per-tensor values.
template <typename T, int kLists, typename ScalarsOf, typename FlagOf, typename Launch>
void for_each_table(const std::array<TensorList, kLists>& lists, const ScalarsOf& scalars_of,
                    const FlagOf& flag_of, const Launch& launch) {
  using Scalars = std::invoke_result_t<ScalarsOf, size_t>;
  MultiTensorTable<T, kLists, Scalars> table{};
  int64_t chunks = 0;
  auto flush = [&] {
    if (table.count == 0) return;
    table.first_chunk[table.count] = chunks;
    launch(table, chunks);
    table.count = 0;
    chunks = 0;
  };
  const TensorList params = lists[0];
  for (size_t i = 0; i < params.size(); ++i) {
    const int64_t numel = params[i].numel();
    if (numel == 0) continue;
    if (table.count == kMaxTensorsPerLaunch) flush();
    const int c = table.count;
    for (int l = 0; l < kLists; ++l)
      table.data[l][c] = lists[l].empty() ? nullptr : lists[l][i].template data_ptr<T>();
    table.numel[c] = numel;
    table.scalars[c] = scalars_of(i);
    table.flag[c] = flag_of(i);
    table.first_chunk[c] = chunks;
    chunks += chunks_of(numel);
    ++table.count;
  }
  flush();
}

}  // namespace ember::cuda
