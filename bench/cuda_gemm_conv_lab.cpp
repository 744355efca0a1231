// Kernel lab: Ember's CUDA gemm (cuBLAS / cuBLASLt) and conv2d (cuDNN) rows against the same
// libraries called directly on the same buffers, with the napkin math beside each figure.
//
//   ember_cuda_gemm_conv_lab [reps]
//
// GEMM: C = A @ B, 2 M N K flops; H100 SXM ceilings: float32 FMA 67 TFLOP/s, TF32 tensor cores
// 495 TFLOP/s dense, float64 (tensor cores) 67 TFLOP/s; bytes 4 (M K + K N + M N) are far below
// the 3.35 TB/s memory ceiling for the square sizes (compute-bound). Ember's mm is timed through
// the public API (host overhead included); "cuBLAS" is cublasGemmEx on its own handle, same
// compute type. Target (issue 4): Ember >= 90% of cuBLAS.
//
// conv2d: 2 N Cout Ho Wo (Cin / groups) kh kw flops per pass. "cuDNN" runs the fastest algorithm
// cudnnFind reports for each pass; Ember's backward uses the fastest *deterministic* one, so the
// lab also prints cuDNN's whole table for the backward passes (time, determinism, workspace),
// which says what determinism costs. Target (issue 4): Ember within 10% of cuDNN (ratio >= 0.9).
// Also a correctness check of each Ember result against the direct call.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace {

using Clock = std::chrono::steady_clock;

#define LAB_CHECK(expr)                                                      \
  do {                                                                       \
    if (!(expr)) {                                                           \
      std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #expr); \
      std::exit(1);                                                          \
    }                                                                        \
  } while (0)
#define CUDA_OK(expr) LAB_CHECK((expr) == cudaSuccess)
#define CUBLAS_OK(expr) LAB_CHECK((expr) == CUBLAS_STATUS_SUCCESS)
#define CUDNN_OK(expr) LAB_CHECK((expr) == CUDNN_STATUS_SUCCESS)

// Median seconds per call of f over `reps` rounds of `inner` calls, the device drained around each
// round (so asynchronous work is counted, and the host overhead of short calls too).
double seconds_per_call(int reps, int inner, const std::function<void()>& f) {
  CUDA_OK(cudaDeviceSynchronize());  // inputs made on Ember's stream, libraries on the default one
  f();
  CUDA_OK(cudaDeviceSynchronize());
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    for (int i = 0; i < inner; ++i) f();
    CUDA_OK(cudaDeviceSynchronize());
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / inner);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// max |a - b| / max |b| of two device tensors of one shape.
double scaled_difference(const ember::Tensor& a, const ember::Tensor& b) {
  const std::vector<double> x =
      a.to(ember::kCPU).to(ember::kFloat64).contiguous().to_vector<double>();
  const std::vector<double> y =
      b.to(ember::kCPU).to(ember::kFloat64).contiguous().to_vector<double>();
  double d = 0, s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    d = std::max(d, std::fabs(x[i] - y[i]));
    s = std::max(s, std::fabs(y[i]));
  }
  return s > 0 ? d / s : d;
}

void verdict(const char* what, double ratio, double target) {
  std::printf("%s %s: Ember / library = %.3f (target >= %.2f)\n", ratio >= target ? "PASS" : "FAIL",
              what, ratio, target);
}

// ---------------------------------------------------------------- GEMM
struct GemmCase {
  int64_t m, n, k;
  ember::DType dtype;
  bool tf32;
};

void gemm_lab(cublasHandle_t handle, int reps) {
  using namespace ember;
  std::printf("\n## GEMM (row-major C[M,N] = A[M,K] @ B[K,N])\n\n");
  std::printf("%-28s %12s %12s %9s %9s %8s %10s\n", "case", "Ember ms", "cuBLAS ms", "Ember TF",
              "ceiling", "ratio", "max diff");
  const std::vector<GemmCase> cases{
      {1024, 1024, 1024, kFloat32, false}, {4096, 4096, 4096, kFloat32, false},
      {4096, 4096, 4096, kFloat32, true},  {8192, 8192, 8192, kFloat32, true},
      {2048, 2048, 2048, kFloat64, false}, {64, 128, 784, kFloat32, false},
      {8192, 1024, 4096, kFloat32, false}};
  for (const GemmCase& c : cases) {
    set_allow_tf32(c.tf32);
    // Inputs drawn on the CPU (the lab needs no CUDA random rows).
    const Tensor a = rand({c.m, c.k}, c.dtype).to(kCUDA);
    const Tensor b = rand({c.k, c.n}, c.dtype).to(kCUDA);
    const Tensor direct = empty({c.m, c.n}, TensorOptions().dtype(c.dtype).device(kCUDA));
    const bool f64 = c.dtype == kFloat64;
    const float one_f = 1.f, zero_f = 0.f;
    const double one_d = 1.0, zero_d = 0.0;
    const cudaDataType_t type = f64 ? CUDA_R_64F : CUDA_R_32F;
    const cublasComputeType_t compute =
        f64 ? CUBLAS_COMPUTE_64F : (c.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
    // Row-major C = A B as column-major C^T = B^T A^T.
    auto cublas = [&] {
      CUBLAS_OK(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(c.n),
                             static_cast<int>(c.m), static_cast<int>(c.k),
                             f64 ? static_cast<const void*>(&one_d) : &one_f, b.data_ptr(), type,
                             static_cast<int>(c.n), a.data_ptr(), type, static_cast<int>(c.k),
                             f64 ? static_cast<const void*>(&zero_d) : &zero_f, direct.data_ptr(),
                             type, static_cast<int>(c.n), compute, CUBLAS_GEMM_DEFAULT));
    };
    Tensor ours;
    const double flops = 2.0 * c.m * c.n * c.k;
    const int inner = flops > 1e11 ? 3 : (flops > 1e9 ? 20 : 200);
    const double t_lib = seconds_per_call(reps, inner, cublas);
    const double t_ember = seconds_per_call(reps, inner, [&] { ours = mm(a, b); });
    const double ceiling = f64 ? 67 : (c.tf32 ? 495 : 67);
    char name[64];
    std::snprintf(name, sizeof(name), "%lldx%lldx%lld %s%s", static_cast<long long>(c.m),
                  static_cast<long long>(c.n), static_cast<long long>(c.k), f64 ? "f64" : "f32",
                  c.tf32 ? " tf32" : "");
    std::printf("%-28s %12.4f %12.4f %9.1f %9.0f %8.3f %10.2e\n", name, t_ember * 1e3, t_lib * 1e3,
                flops / t_ember / 1e12, ceiling, t_lib / t_ember, scaled_difference(ours, direct));
    if (c.m >= 1024) verdict(name, t_lib / t_ember, 0.9);
  }
  set_allow_tf32(false);

  // A linear layer's bias: Ember adds it in cuBLASLt's epilogue; the lower bound is the GEMM
  // without any bias.
  const Tensor x = rand({8192, 4096}).to(kCUDA), w = rand({4096, 4096}).to(kCUDA);
  const Tensor bias = rand({4096}).to(kCUDA);
  Tensor y;
  const double t_bias = seconds_per_call(reps, 3, [&] { y = linear(x, w, bias); });
  const double t_plain = seconds_per_call(reps, 3, [&] { y = linear(x, w); });
  std::printf(
      "\nlinear 8192x4096 -> 4096 f32: with bias %.4f ms, without %.4f ms (bias costs %.1f%%)\n",
      t_bias * 1e3, t_plain * 1e3, 100.0 * (t_bias / t_plain - 1));
}

// ---------------------------------------------------------------- conv2d
struct ConvCase {
  const char* name;
  int n, c, h, w, k, r, s, stride, pad;
};

struct ConvDescs {
  cudnnTensorDescriptor_t x, y;
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t conv;
};

const char* determinism_name(cudnnDeterminism_t d) {
  return d == CUDNN_DETERMINISTIC ? "deterministic" : "non-deterministic";
}

// A workspace for the largest algorithm of a search, capped at 1 GiB.
struct DeviceBuffer {
  void* p = nullptr;
  size_t bytes = 0;
  explicit DeviceBuffer(size_t n) : bytes(n) {
    if (n > 0) CUDA_OK(cudaMalloc(&p, n));
  }
  ~DeviceBuffer() { cudaFree(p); }
};

void conv_lab(cudnnHandle_t handle, int reps) {
  using namespace ember;
  set_allow_tf32(false);
  std::printf("\n## conv2d float32, TF32 off (cuDNN's fastest algorithm vs Ember's row)\n");
  const std::vector<ConvCase> cases{
      {"MNIST conv1 64x1x28x28 32 3x3", 64, 1, 28, 28, 32, 3, 3, 1, 0},
      {"MNIST conv2 64x32x26x26 64 3x3", 64, 32, 26, 26, 64, 3, 3, 1, 0},
      {"ResNet 32x64x56x56 64 3x3", 32, 64, 56, 56, 64, 3, 3, 1, 1},
      {"ResNet 32x256x14x14 256 3x3", 32, 256, 14, 14, 256, 3, 3, 1, 1},
      {"stride 2 32x128x28x28 256 3x3", 32, 128, 28, 28, 256, 3, 3, 2, 1},
  };
  for (const ConvCase& c : cases) {
    const int ho = (c.h + 2 * c.pad - c.r) / c.stride + 1,
              wo = (c.w + 2 * c.pad - c.s) / c.stride + 1;
    const double flops = 2.0 * c.n * c.k * ho * wo * c.c * c.r * c.s;
    const Tensor x = rand({c.n, c.c, c.h, c.w}).to(kCUDA);
    const Tensor w = rand({c.k, c.c, c.r, c.s}).to(kCUDA);
    const Tensor dy = rand({c.n, c.k, ho, wo}).to(kCUDA);
    Tensor y_direct = empty({c.n, c.k, ho, wo}, kCUDA), dx_direct = empty_like(x),
           dw_direct = empty_like(w);
    ConvDescs d{};
    CUDNN_OK(cudnnCreateTensorDescriptor(&d.x));
    CUDNN_OK(cudnnCreateTensorDescriptor(&d.y));
    CUDNN_OK(cudnnCreateFilterDescriptor(&d.w));
    CUDNN_OK(cudnnCreateConvolutionDescriptor(&d.conv));
    CUDNN_OK(
        cudnnSetTensor4dDescriptor(d.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, c.n, c.c, c.h, c.w));
    CUDNN_OK(
        cudnnSetTensor4dDescriptor(d.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, c.n, c.k, ho, wo));
    CUDNN_OK(
        cudnnSetFilter4dDescriptor(d.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, c.k, c.c, c.r, c.s));
    CUDNN_OK(cudnnSetConvolution2dDescriptor(d.conv, c.pad, c.pad, c.stride, c.stride, 1, 1,
                                             CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_OK(cudnnSetConvolutionMathType(d.conv, CUDNN_FMA_MATH));
    DeviceBuffer ws(size_t{1} << 30);
    CUDA_OK(cudaDeviceSynchronize());
    const float one = 1.f, zero = 0.f;

    cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    cudnnConvolutionBwdDataAlgoPerf_t bwd_data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    cudnnConvolutionBwdFilterAlgoPerf_t bwd_filter[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int nf = 0, nd = 0, nw = 0;
    CUDNN_OK(cudnnFindConvolutionForwardAlgorithmEx(
        handle, d.x, x.data_ptr(), d.w, w.data_ptr(), d.conv, d.y, y_direct.data_ptr(),
        CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &nf, fwd, ws.p, ws.bytes));
    CUDNN_OK(cudnnFindConvolutionBackwardDataAlgorithmEx(
        handle, d.w, w.data_ptr(), d.y, dy.data_ptr(), d.conv, d.x, dx_direct.data_ptr(),
        CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &nd, bwd_data, ws.p, ws.bytes));
    CUDNN_OK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
        handle, d.x, x.data_ptr(), d.y, dy.data_ptr(), d.conv, d.w, dw_direct.data_ptr(),
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &nw, bwd_filter, ws.p, ws.bytes));

    auto first_ok = [](const auto* perf, int count, bool deterministic) -> int {
      for (int i = 0; i < count; ++i) {
        if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
        if (deterministic && perf[i].determinism != CUDNN_DETERMINISTIC) continue;
        return i;
      }
      return -1;
    };
    const int f = first_ok(fwd, nf, false), bd = first_ok(bwd_data, nd, false),
              bw = first_ok(bwd_filter, nw, false);
    LAB_CHECK(f >= 0 && bd >= 0 && bw >= 0);
    const double t_fwd_lib = seconds_per_call(reps, 10, [&] {
      CUDNN_OK(cudnnConvolutionForward(handle, &one, d.x, x.data_ptr(), d.w, w.data_ptr(), d.conv,
                                       fwd[f].algo, ws.p, fwd[f].memory, &zero, d.y,
                                       y_direct.data_ptr()));
    });
    const double t_data_lib = seconds_per_call(reps, 10, [&] {
      CUDNN_OK(cudnnConvolutionBackwardData(handle, &one, d.w, w.data_ptr(), d.y, dy.data_ptr(),
                                            d.conv, bwd_data[bd].algo, ws.p, bwd_data[bd].memory,
                                            &zero, d.x, dx_direct.data_ptr()));
    });
    const double t_filter_lib = seconds_per_call(reps, 10, [&] {
      CUDNN_OK(cudnnConvolutionBackwardFilter(
          handle, &one, d.x, x.data_ptr(), d.y, dy.data_ptr(), d.conv, bwd_filter[bw].algo, ws.p,
          bwd_filter[bw].memory, &zero, d.w, dw_direct.data_ptr()));
    });
    Tensor y, dx, dw;
    const double t_fwd = seconds_per_call(reps, 10, [&] { y = conv2d(x, w, {}, c.stride, c.pad); });
    const double t_data = seconds_per_call(reps, 10, [&] {
      dx = std::get<0>(conv2d_backward(dy, x, w, c.stride, c.pad, 1, 1, {true, false, false}));
    });
    const double t_filter = seconds_per_call(reps, 10, [&] {
      dw = std::get<1>(conv2d_backward(dy, x, w, c.stride, c.pad, 1, 1, {false, true, false}));
    });

    std::printf("\n%s: %.2f GFLOP per pass (float32 FMA ceiling 67 TFLOP/s)\n", c.name,
                flops / 1e9);
    std::printf("  %-16s %10s %10s %9s %8s %10s\n", "pass", "Ember ms", "cuDNN ms", "Ember TF",
                "ratio", "max diff");
    const struct {
      const char* pass;
      double ember, lib;
      const Tensor* ours;
      const Tensor* theirs;
    } rows[] = {{"forward", t_fwd, t_fwd_lib, &y, &y_direct},
                {"grad input", t_data, t_data_lib, &dx, &dx_direct},
                {"grad weight", t_filter, t_filter_lib, &dw, &dw_direct}};
    for (const auto& r : rows) {
      std::printf("  %-16s %10.4f %10.4f %9.2f %8.3f %10.2e\n", r.pass, r.ember * 1e3, r.lib * 1e3,
                  flops / r.ember / 1e12, r.lib / r.ember, scaled_difference(*r.ours, *r.theirs));
      verdict((std::string(c.name) + " " + r.pass).c_str(), r.lib / r.ember, 0.9);
    }
    std::printf(
        "  cuDNN backward algorithms (time ms, determinism, workspace MiB); Ember takes the "
        "first deterministic one:\n");
    for (int i = 0; i < nd; ++i) {
      if (bwd_data[i].status != CUDNN_STATUS_SUCCESS) continue;
      std::printf("    data   algo %d: %8.4f  %-17s %8.1f\n", static_cast<int>(bwd_data[i].algo),
                  bwd_data[i].time, determinism_name(bwd_data[i].determinism),
                  bwd_data[i].memory / 1048576.0);
    }
    for (int i = 0; i < nw; ++i) {
      if (bwd_filter[i].status != CUDNN_STATUS_SUCCESS) continue;
      std::printf("    filter algo %d: %8.4f  %-17s %8.1f\n", static_cast<int>(bwd_filter[i].algo),
                  bwd_filter[i].time, determinism_name(bwd_filter[i].determinism),
                  bwd_filter[i].memory / 1048576.0);
    }
    const int bdd = first_ok(bwd_data, nd, true), bwd = first_ok(bwd_filter, nw, true);
    if (bdd >= 0 && bwd >= 0) {
      std::printf("  determinism costs: data %.1f%%, filter %.1f%% (deterministic vs fastest)\n",
                  100.0 * (bwd_data[bdd].time / bwd_data[bd].time - 1),
                  100.0 * (bwd_filter[bwd].time / bwd_filter[bw].time - 1));
    }
    cudnnDestroyConvolutionDescriptor(d.conv);
    cudnnDestroyFilterDescriptor(d.w);
    cudnnDestroyTensorDescriptor(d.y);
    cudnnDestroyTensorDescriptor(d.x);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!ember::cuda::is_available()) {
    std::printf("no GPU: %s\n", ember::cuda::unavailable_reason().c_str());
    return 0;
  }
  const int reps = argc > 1 ? std::atoi(argv[1]) : 7;
  std::printf("# cuda_gemm_conv_lab on %s\n", ember::cuda::device_name(0).c_str());
  cublasHandle_t blas = nullptr;
  CUBLAS_OK(cublasCreate(&blas));
  cudnnHandle_t dnn = nullptr;
  CUDNN_OK(cudnnCreate(&dnn));
  gemm_lab(blas, reps);
  conv_lab(dnn, reps);
  cudnnDestroy(dnn);
  cublasDestroy(blas);
  return 0;
}
