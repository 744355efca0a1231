// CUDA row of `gemm` (mm, bmm, matmul, addmm, linear) through cuBLAS, float32 and float64.
//
// Note [cuBLAS row-major GEMM]
// cuBLAS is column-major: Ember's row-major out [M, N] is the column-major matrix out^T [N, M],
// so out = a @ b is computed as out^T = b^T @ a^T with cuBLAS's (m, n, k) = (N, M, K), b as the
// first operand and a as the second. An operand that is row-major in Ember (BlasMatrixLayout not
// transposed, Note [GEMM operand layouts]) is exactly the transposed matrix cuBLAS wants, with no
// flag; a column-major one takes CUBLAS_OP_T. Leading dimensions pass through unchanged, so
// transposed and sliced operands are never copied.
//
// Paths:
// - a linear layer's bias (one value per output column, the same for every row, beta = 1, one
//   matrix): cuBLASLt with the BIAS epilogue adds it while writing out, with no extra pass over
//   the output. The descriptors and the heuristic's algorithm of each problem are made once per
//   thread and kept, so a repeated call costs one attribute update and the launch.
// - otherwise: the bias (any broadcast) is copied into out first and the GEMM adds beta times
//   it; cublasGemmEx for one matrix, cublasGemmStridedBatchedEx for a batch (batch strides of
//   0 for broadcast operands).
// TF32 tensor cores only when allow_tf32() (compute type CUBLAS_COMPUTE_32F_FAST_TF32);
// otherwise CUBLAS_COMPUTE_32F, full float32 FMA. float64 uses CUBLAS_COMPUTE_64F.
#include <cstring>
#include <map>
#include <tuple>

#include "ember/core/dispatch.h"
#include "ember/core/nn_ops.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// The column-major problem cuBLAS solves (Note [cuBLAS row-major GEMM]).
struct ColumnMajorGemm {
  cublasOperation_t op_first, op_second;  // of b and of a
  int m, n, k;
  int ld_first, ld_second, ldc;
  long long stride_first, stride_second, stride_c;  // batch strides, elements
};

ColumnMajorGemm column_major_problem(const Tensor& out, const Tensor& a, const Tensor& b) {
  const int64_t M = out.size(1), N = out.size(2), K = a.size(2);
  const BlasMatrixLayout la = blas_matrix_layout(M, K, a.stride(1), a.stride(2));
  const BlasMatrixLayout lb = blas_matrix_layout(K, N, b.stride(1), b.stride(2));
  ColumnMajorGemm g{};
  g.op_first = lb.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  g.op_second = la.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  g.m = static_cast<int>(N);
  g.n = static_cast<int>(M);
  g.k = static_cast<int>(K);
  g.ld_first = static_cast<int>(lb.ld);
  g.ld_second = static_cast<int>(la.ld);
  g.ldc = static_cast<int>(N);
  g.stride_first = b.stride(0);
  g.stride_second = a.stride(0);
  g.stride_c = M * N;
  return g;
}

cublasComputeType_t compute_type(DType dtype) {
  if (dtype == kFloat64) return CUBLAS_COMPUTE_64F;
  return allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
}

cudaDataType_t data_type(DType dtype) {
  return dtype == kFloat64 ? CUDA_R_64F : CUDA_R_32F;
}

// alpha and beta as the scale type of the dtype (float for float32, double for float64).
struct Scale {
  union {
    float f;
    double d;
  } alpha, beta;
  const void* alpha_ptr() const { return &alpha; }
  const void* beta_ptr() const { return &beta; }
};
Scale make_scale(DType dtype, double alpha, double beta) {
  Scale s{};
  if (dtype == kFloat64) {
    s.alpha.d = alpha;
    s.beta.d = beta;
  } else {
    s.alpha.f = static_cast<float>(alpha);
    s.beta.f = static_cast<float>(beta);
  }
  return s;
}

// ---- cuBLASLt with the bias epilogue ----

// Largest power of two (up to 256) that divides the address: what the heuristic must assume.
uint32_t alignment_of(const void* p) {
  const auto v = reinterpret_cast<uintptr_t>(p);
  uint32_t a = 256;
  while (a > 1 && v % a != 0) a /= 2;
  return a;
}

struct LtKey {
  int device;
  DType dtype;
  bool tf32;
  int op_first, op_second, m, n, k, ld_first, ld_second, ldc;
  uint32_t align_first, align_second, align_c, align_bias;
  auto tie() const {
    return std::tie(device, dtype, tf32, op_first, op_second, m, n, k, ld_first, ld_second, ldc,
                    align_first, align_second, align_c, align_bias);
  }
  bool operator<(const LtKey& o) const { return tie() < o.tie(); }
};

// Descriptors of one cuBLASLt problem and the algorithm its heuristic chose, kept for the
// thread's later calls of the same problem (only the bias pointer changes between calls).
struct LtPlan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, c = nullptr;
  bool ok = false;  // false: cuBLASLt has no algorithm for it; use the general path
  cublasLtMatmulAlgo_t algo{};
  size_t workspace = 0;
};

// Per thread (a descriptor must not be changed by two threads at once), never destroyed (see
// library_handles.cpp): one entry per problem shape, layout and alignment a thread runs.
std::map<LtKey, LtPlan>& thread_lt_plans() {
  thread_local auto* plans = new std::map<LtKey, LtPlan>();
  return *plans;
}

void make_lt_descriptors(LtPlan& d, const ColumnMajorGemm& g, DType dtype) {
  const cudaDataType_t type = data_type(dtype);
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescCreate(&d.op, compute_type(dtype), type));
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &g.op_first,
                                                    sizeof(g.op_first)));
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &g.op_second,
                                                    sizeof(g.op_second)));
  const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                                    sizeof(epilogue)));
  // Stored shapes: an operand taken with OP_T is stored as its transpose.
  const bool t1 = g.op_first == CUBLAS_OP_T, t2 = g.op_second == CUBLAS_OP_T;
  EMBER_CUBLAS_CHECK(
      cublasLtMatrixLayoutCreate(&d.first, type, t1 ? g.k : g.m, t1 ? g.m : g.k, g.ld_first));
  EMBER_CUBLAS_CHECK(
      cublasLtMatrixLayoutCreate(&d.second, type, t2 ? g.n : g.k, t2 ? g.k : g.n, g.ld_second));
  EMBER_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d.c, type, g.m, g.n, g.ldc));
}

void set_bias_pointer(const LtPlan& d, const void* bias) {
  EMBER_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
}

// The heuristic's algorithm for a new plan (the bias pointer set: its alignment matters).
void choose_lt_algorithm(LtPlan& plan, const LtKey& key, size_t max_workspace) {
  cublasLtMatmulPreference_t pref = nullptr;
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  const uint64_t max_ws = max_workspace;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_ws,
                                       sizeof(max_ws));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                                       &key.align_first, sizeof(uint32_t));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                                       &key.align_second, sizeof(uint32_t));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                                       &key.align_c, sizeof(uint32_t));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
                                       &key.align_c, sizeof(uint32_t));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status =
      cublasLtMatmulAlgoGetHeuristic(cublaslt_handle(key.device), plan.op, plan.first, plan.second,
                                     plan.c, plan.c, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (status == CUBLAS_STATUS_SUCCESS && found > 0 && result.state == CUBLAS_STATUS_SUCCESS) {
    plan.ok = true;
    plan.algo = result.algo;
    plan.workspace = result.workspaceSize;
  }
}

// out = alpha * a @ b + bias (one row vector) through cuBLASLt; false when it has no algorithm.
bool lt_gemm_with_bias(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                       double alpha, int device, cudaStream_t stream) {
  const ColumnMajorGemm g = column_major_problem(out, a, b);
  const DType dtype = out.dtype();
  const void* bias_ptr = bias.data_ptr();
  const LtKey key{device,
                  dtype,
                  dtype == kFloat32 && allow_tf32(),
                  g.op_first,
                  g.op_second,
                  g.m,
                  g.n,
                  g.k,
                  g.ld_first,
                  g.ld_second,
                  g.ldc,
                  alignment_of(b.data_ptr()),
                  alignment_of(a.data_ptr()),
                  alignment_of(out.data_ptr()),
                  alignment_of(bias_ptr)};
  const BlasWorkspace ws = blas_workspace(device, stream);
  auto [it, inserted] = thread_lt_plans().try_emplace(key);
  LtPlan& plan = it->second;
  if (inserted) {
    make_lt_descriptors(plan, g, dtype);
    set_bias_pointer(plan, bias_ptr);
    choose_lt_algorithm(plan, key, ws.bytes);
  }
  if (!plan.ok) return false;
  set_bias_pointer(plan, bias_ptr);
  const Scale s = make_scale(dtype, alpha, 0.0);
  EMBER_CUBLAS_CHECK(cublasLtMatmul(cublaslt_handle(device), plan.op, s.alpha_ptr(), b.data_ptr(),
                                    plan.first, a.data_ptr(), plan.second, s.beta_ptr(),
                                    out.data_ptr(), plan.c, out.data_ptr(), plan.c, &plan.algo,
                                    ws.data, plan.workspace, stream));
  return true;
}

// A bias the epilogue can add: one value per output column ([*, 0, 1] strides), contiguous.
bool is_row_bias(const Tensor& out, const Tensor& bias) {
  return out.size(0) == 1 && bias.stride(1) == 0 && (bias.stride(2) == 1 || out.size(2) == 1);
}

// ---- the general path ----
void blas_gemm(const Tensor& out, const Tensor& a, const Tensor& b, double alpha, double beta,
               int device, cudaStream_t stream) {
  const ColumnMajorGemm g = column_major_problem(out, a, b);
  const DType dtype = out.dtype();
  const cudaDataType_t type = data_type(dtype);
  const Scale s = make_scale(dtype, alpha, beta);
  cublasHandle_t handle = cublas_handle(device, stream);
  const int64_t batch = out.size(0);
  if (batch == 1) {
    EMBER_CUBLAS_CHECK(cublasGemmEx(handle, g.op_first, g.op_second, g.m, g.n, g.k, s.alpha_ptr(),
                                    b.data_ptr(), type, g.ld_first, a.data_ptr(), type, g.ld_second,
                                    s.beta_ptr(), out.data_ptr(), type, g.ldc, compute_type(dtype),
                                    CUBLAS_GEMM_DEFAULT));
    return;
  }
  EMBER_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      handle, g.op_first, g.op_second, g.m, g.n, g.k, s.alpha_ptr(), b.data_ptr(), type, g.ld_first,
      g.stride_first, a.data_ptr(), type, g.ld_second, g.stride_second, s.beta_ptr(),
      out.data_ptr(), type, g.ldc, g.stride_c, static_cast<int>(batch), compute_type(dtype),
      CUBLAS_GEMM_DEFAULT));
}

void scale_in_place(const Tensor& t, double factor, int device, cudaStream_t stream) {
  cublasHandle_t handle = cublas_handle(device, stream);
  if (t.dtype() == kFloat64) {
    EMBER_CUBLAS_CHECK(cublasDscal_v2_64(handle, t.numel(), &factor, t.data_ptr<double>(), 1));
  } else {
    const float f = static_cast<float>(factor);
    EMBER_CUBLAS_CHECK(cublasSscal_v2_64(handle, t.numel(), &f, t.data_ptr<float>(), 1));
  }
}

void gemm_kernel(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                 double alpha, double beta) {
  if (out.dtype() != kFloat32 && out.dtype() != kFloat64)
    ::ember::detail::throw_unsupported_dtype("gemm", out.dtype());
  const int device = out.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const bool use_bias = bias.defined() && beta != 0.0;
  const int64_t K = a.size(2);
  if (K == 0) {  // an empty sum: beta * bias, or zeros
    if (use_bias) {
      kernel_for<OpId::copy>(out.device())(out, bias, false);
      if (beta != 1.0) scale_in_place(out, beta, device, stream);
    } else {
      EMBER_CUDA_CHECK(cudaMemsetAsync(out.data_ptr(), 0, out.nbytes(), stream));
    }
    return;
  }
  if (use_bias && beta == 1.0 && is_row_bias(out, bias) &&
      lt_gemm_with_bias(out, a, b, bias, alpha, device, stream)) {
    return;
  }
  if (use_bias) kernel_for<OpId::copy>(out.device())(out, bias, false);
  blas_gemm(out, a, b, alpha, use_bias ? beta : 0.0, device, stream);
}

}  // namespace

EMBER_REGISTER_KERNEL(gemm, CUDA, gemm_kernel);

}  // namespace ember::cuda
