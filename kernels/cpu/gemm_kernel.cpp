// CPU row of `gemm` (mm, bmm, matmul, addmm, linear): OpenBLAS sgemm/dgemm per batch matrix, with
// each operand's layout passed as a transpose flag and leading dimension (Note [GEMM operand
// layouts] in core/ops_linalg.cpp) and the bias written into the output first so the GEMM adds
// to it (beta). Batches of small matrices run one matrix per thread with single-threaded BLAS
// calls (OpenBLAS's OpenMP build stays on one thread inside a parallel region); large matrices
// use BLAS's own threads. Each output element is computed by one BLAS call whatever the thread
// count, so results do not depend on it.
#include <cstring>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

// Multiply-adds below which a matrix is not worth BLAS's own threads, and below which a whole
// batch is not worth a parallel region.
constexpr int64_t kSmallGemm = int64_t{1} << 21;
constexpr int64_t kParallelMacs = int64_t{1} << 18;

template <typename T>
void gemm_typed(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                double alpha, double beta) {
  const int64_t batch = out.size(0), M = out.size(1), N = out.size(2), K = a.size(2);
  const BlasMatrixLayout la = blas_matrix_layout(M, K, a.stride(1), a.stride(2));
  const BlasMatrixLayout lb = blas_matrix_layout(K, N, b.stride(1), b.stride(2));
  const T* pa = a.data_ptr<T>();
  const T* pb = b.data_ptr<T>();
  T* pc = out.data_ptr<T>();
  const bool use_bias = bias.defined() && beta != 0.0;
  const T* pbias = use_bias ? bias.data_ptr<T>() : nullptr;
  const int64_t bs0 = use_bias ? bias.stride(0) : 0, bs1 = use_bias ? bias.stride(1) : 0,
                bs2 = use_bias ? bias.stride(2) : 0;

  auto one = [&](int64_t i) {
    T* c = pc + i * M * N;
    if (use_bias) {
      const T* src = pbias + i * bs0;
      for (int64_t m = 0; m < M; ++m) {
        T* row = c + m * N;
        const T* s = src + m * bs1;
        if (bs2 == 1) {
          std::memcpy(row, s, static_cast<size_t>(N) * sizeof(T));
        } else {
          for (int64_t n = 0; n < N; ++n) row[n] = s[n * bs2];
        }
      }
    }
    if (K == 0) {  // an empty sum: beta * bias, or zeros
      for (int64_t j = 0; j < M * N; ++j) c[j] = use_bias ? static_cast<T>(beta) * c[j] : T(0);
      return;
    }
    blas_gemm<T>(la.transposed, lb.transposed, M, N, K, static_cast<T>(alpha), pa + i * a.stride(0),
                 la.ld, pb + i * b.stride(0), lb.ld, use_bias ? static_cast<T>(beta) : T(0), c, N);
  };

  const int threads = max_threads();
  const bool per_thread_batches =
      batch > 1 && batch * M * N * K >= kParallelMacs &&
      (M * N * K < kSmallGemm || batch >= 4 * threads || batch % threads == 0);
  if (per_thread_batches) {
    parallel_for(0, batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i) one(i);
    });
  } else {
    for (int64_t i = 0; i < batch; ++i) one(i);
  }
}

void gemm_kernel(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                 double alpha, double beta) {
  dispatch_dtype<Float32And64>(out.dtype(), "gemm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    gemm_typed<T>(out, a, b, bias, alpha, beta);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(gemm, CPU, gemm_kernel);

}  // namespace ember::cpu
