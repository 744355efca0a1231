// Host-side support of Ember's own CUDA kernels for the neural-network ops: scratch buffers from
// the caching allocator, the device word in which kernels record the first bad class target or
// index, and the errors that report it exactly as the CPU kernels do (formatted in
// nn_kernel_support.cpp: fmt does not compile in .cu files). Free of CUDA headers.
//
// Note [Bad indices on the GPU]
// A CPU kernel sees a class target or an embedding index outside its range while it loops and
// throws IndexError after the loop, naming the first bad position. A CUDA kernel records the
// first bad position in a device word (an integer atomicMin: the result does not depend on the
// order threads run in) and the host reads that word back after the launch, which waits for the
// work queued on Ember's stream so far (a synchronisation, the price of reporting the error at
// the op that caused it), then throws the CPU's error with the same message. Integer atomics on
// one word are deterministic; no float atomics are involved.
#pragma once

#include <cstdint>

#include "ember/core/kernel_signatures.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/bad_position.h"

struct CUstream_st;

namespace ember::cuda {

// Contiguous device scratch of `bytes` bytes (uint8) from the caching allocator: released when
// the tensor goes, and reused only by later work on the same stream.
Tensor nn_scratch(int64_t bytes, int device);

// A device word holding the first bad position a kernel found (Note [Bad indices on the GPU]).
class BadPositionFlag {
 public:
  // Allocates the word and sets it to kNoBadPosition on `stream`.
  BadPositionFlag(int device, CUstream_st* stream);
  unsigned long long* slot() const;
  // The recorded position, or -1; waits for the work queued on `stream` so far.
  int64_t wait_and_read() const;

 private:
  Tensor word_;
  CUstream_st* stream_;
};

// Element `position` of a contiguous int64 device tensor, read back (waits for the stream).
int64_t read_int64(const Tensor& t, int64_t position, CUstream_st* stream);

// The CPU kernels' errors, word for word (kernels/cpu/loss_kernels.cpp, embedding_kernels.cpp,
// pool_kernels.cpp).
[[noreturn]] void throw_class_target_error(const char* op, int64_t target, int64_t position,
                                           const ClassLossArgs& args);
[[noreturn]] void throw_embedding_index_error(const char* op, int64_t index, int64_t position,
                                              int64_t num_weights);
[[noreturn]] void throw_pool_index_error(int64_t index, int64_t position, int64_t plane_size);

}  // namespace ember::cuda
