// Kernel lab: the fused softmax-cross-entropy (forward and backward) and softmax on the GPU,
// against the device's copy bandwidth measured in the same run, with the versions that lead to
// Ember's row (Note [Fused cross-entropy on the GPU] in kernels/cuda/class_loss_kernels.cu).
//
//   ember_cuda_softmax_xent_lab [reps]
//
// Napkin math for logits [N, C] float32 with int64 targets (H100 SXM: HBM3 3.35 TB/s peak; a
// device-to-device copy reaches about 90% of it, and that copy is the ceiling used here):
//   forward   reads 4 N C bytes (+ 8 N targets, + 4 N log-sum-exp written): one pass
//   backward  reads 4 N C, writes 4 N C: the bytes of a copy
//   flops: about 5 per element (max, subtract, exp, add), far under the compute ceiling, so
//   bandwidth is the whole story. Target (issue 4): >= 70% of copy bandwidth on large inputs.
// Versions timed:
//   v0 unfused  Ember's log_softmax, then nll_loss (and their backward): 3 passes forward, 2 back
//   v1 naive    one block per row, scalar loads, max / sum / target in three passes (this file)
//   v2 Ember    cross_entropy_forward / cross_entropy_backward: one vectorised pass each
// Correctness: v2 against the CPU on a small case and against v1 on every case.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "ember/ember.h"

namespace {

using Clock = std::chrono::steady_clock;

#define CUDA_OK(expr)                                                        \
  do {                                                                       \
    if ((expr) != cudaSuccess) {                                             \
      std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #expr); \
      std::exit(1);                                                          \
    }                                                                        \
  } while (0)

double seconds_per_call(int reps, int inner, const std::function<void()>& f) {
  CUDA_OK(cudaDeviceSynchronize());
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

// v1: a block per row, three passes of scalar loads; per-row loss, then the host-side mean.
constexpr int kNaiveThreads = 256;

__global__ void naive_xent_rows(const float* x, const int64_t* target, float* row_loss, int64_t c) {
  __shared__ float shared[kNaiveThreads];
  const float* row = x + blockIdx.x * c;
  float m = -INFINITY;
  for (int64_t i = threadIdx.x; i < c; i += blockDim.x) m = fmaxf(m, row[i]);
  shared[threadIdx.x] = m;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  m = shared[0];
  __syncthreads();
  float sum = 0;
  for (int64_t i = threadIdx.x; i < c; i += blockDim.x) sum += expf(row[i] - m);
  shared[threadIdx.x] = sum;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) row_loss[blockIdx.x] = m + logf(shared[0]) - row[target[blockIdx.x]];
}

__global__ void naive_xent_backward_rows(const float* x, const int64_t* target, const float* lse,
                                         float* gx, int64_t c, float scale) {
  const float* row = x + blockIdx.x * c;
  float* out = gx + blockIdx.x * c;
  const float l = lse[blockIdx.x];
  const int64_t t = target[blockIdx.x];
  for (int64_t i = threadIdx.x; i < c; i += blockDim.x)
    out[i] = scale * (expf(row[i] - l) - (i == t ? 1.f : 0.f));
}

struct Shape {
  int64_t n, c;
};

double fraction(double bytes, double seconds, double copy_gbs) {
  return bytes / seconds / 1e9 / copy_gbs;
}

void check_small_case_against_cpu() {
  using namespace ember;
  const Tensor x = randn({37, 1003}) * 3, t = randint(0, 1003, {37});
  const auto [loss, lse] = cross_entropy_forward(x, t, {}, Reduction::Mean, -100, 0.0);
  const auto [gl, glse] =
      cross_entropy_forward(x.to(kCUDA), t.to(kCUDA), {}, Reduction::Mean, -100, 0.0);
  const Tensor g = cross_entropy_backward(ones({}), x, t, lse, {}, Reduction::Mean, -100, 0.0);
  const Tensor gg = cross_entropy_backward(ones({}, kCUDA), x.to(kCUDA), t.to(kCUDA), glse, {},
                                           Reduction::Mean, -100, 0.0);
  const double dl =
      std::fabs(gl.item<double>() - loss.item<double>()) / std::fabs(loss.item<double>());
  const double dg = (gg.to(kCPU) - g).abs().max().item<double>() / g.abs().max().item<double>();
  std::printf("correctness vs CPU (37 x 1003): loss rel diff %.2e, grad scaled diff %.2e -> %s\n",
              dl, dg, dl < 1e-5 && dg < 1e-5 ? "ok" : "MISMATCH");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ember;
  if (!cuda::is_available()) {
    std::printf("no GPU: %s\n", cuda::unavailable_reason().c_str());
    return 0;
  }
  const int reps = argc > 1 ? std::atoi(argv[1]) : 7;
  std::printf("# cuda_softmax_xent_lab on %s\n\n", cuda::device_name(0).c_str());
  check_small_case_against_cpu();

  // The ceiling: a device-to-device copy of 1 GiB.
  const int64_t copy_n = int64_t{1} << 28;
  Tensor src = rand({copy_n}).to(kCUDA), dst = empty({copy_n}, kCUDA);
  const double copy_gbs =
      2.0 * copy_n * 4 / seconds_per_call(reps, 5, [&] { dst.copy_(src); }) / 1e9;
  src = Tensor();
  dst = Tensor();
  std::printf("copy bandwidth: %.0f GB/s (read + write)\n\n", copy_gbs);

  std::printf("%-14s %-9s %10s %10s %10s %9s   %s\n", "N x C", "pass", "v0 ms", "v1 ms", "v2 ms",
              "v2 GB/s", "v2 / copy");
  const std::vector<Shape> shapes{
      {8192, 32768}, {32768, 1000}, {4096, 50257}, {65536, 10}, {64, 10}};
  for (const Shape& s : shapes) {
    // Inputs drawn on the CPU (the lab needs no CUDA random rows).
    const Tensor x = (randn({s.n, s.c}) * 2).to(kCUDA);
    const Tensor target = randint(0, s.c, {s.n}, kInt64).to(kCUDA);
    const double bytes = 4.0 * s.n * s.c;
    const bool large = bytes >= 1e8;
    const int inner = large ? 5 : 200;
    Tensor loss, lse, gx, row_loss = empty({s.n}, kCUDA), naive_gx = empty({s.n, s.c}, kCUDA);

    // Forward.
    const double v0 =
        seconds_per_call(reps, inner, [&] { loss = nll_loss(log_softmax(x, 1), target); });
    const double v1 = seconds_per_call(reps, inner, [&] {
      naive_xent_rows<<<static_cast<unsigned>(s.n), kNaiveThreads>>>(
          x.data_ptr<float>(), target.data_ptr<int64_t>(), row_loss.data_ptr<float>(), s.c);
    });
    const double v2 = seconds_per_call(reps, inner, [&] {
      std::tie(loss, lse) = cross_entropy_forward(x, target, {}, Reduction::Mean, -100, 0.0);
    });
    const double naive_loss = row_loss.to(kCPU).to(kFloat64).mean().item<double>();
    const double loss_diff = std::fabs(loss.item<double>() - naive_loss) / std::fabs(naive_loss);
    const double fwd_fraction = fraction(bytes, v2, copy_gbs);
    std::printf("%6lldx%-7lld %-9s %10.4f %10.4f %10.4f %9.0f   %.2f (loss vs v1 %.1e)\n",
                static_cast<long long>(s.n), static_cast<long long>(s.c), "forward", v0 * 1e3,
                v1 * 1e3, v2 * 1e3, bytes / v2 / 1e9, fwd_fraction, loss_diff);

    // Backward.
    const Tensor one = ones({}, kCUDA);
    const Tensor logp = log_softmax(x, 1);
    const double w0 = seconds_per_call(reps, inner, [&] {
      gx = log_softmax_backward(nll_loss_backward(one, logp, target, {}, Reduction::Mean, -100,
                                                  full({}, double(s.n), kCUDA)),
                                logp, 1);
    });
    const double w1 = seconds_per_call(reps, inner, [&] {
      naive_xent_backward_rows<<<static_cast<unsigned>(s.n), kNaiveThreads>>>(
          x.data_ptr<float>(), target.data_ptr<int64_t>(), lse.data_ptr<float>(),
          naive_gx.data_ptr<float>(), s.c, 1.f / static_cast<float>(s.n));
    });
    const double w2 = seconds_per_call(reps, inner, [&] {
      gx = cross_entropy_backward(one, x, target, lse, {}, Reduction::Mean, -100, 0.0);
    });
    const Tensor gx_host = gx.to(kCPU), naive_host = naive_gx.to(kCPU);
    const double grad_diff =
        (gx_host - naive_host).abs().max().item<double>() / naive_host.abs().max().item<double>();
    const double bwd_fraction = fraction(2 * bytes, w2, copy_gbs);
    std::printf("%6lldx%-7lld %-9s %10.4f %10.4f %10.4f %9.0f   %.2f (grad vs v1 %.1e)\n",
                static_cast<long long>(s.n), static_cast<long long>(s.c), "backward", w0 * 1e3,
                w1 * 1e3, w2 * 1e3, 2 * bytes / w2 / 1e9, bwd_fraction, grad_diff);
    if (large) {
      const double both = fraction(3 * bytes, v2 + w2, copy_gbs);
      std::printf(
          "%s fused softmax-cross-entropy %lldx%lld forward+backward: %.2f of copy "
          "bandwidth (forward %.2f, backward %.2f; target >= 0.70)\n",
          both >= 0.7 ? "PASS" : "FAIL", static_cast<long long>(s.n), static_cast<long long>(s.c),
          both, fwd_fraction, bwd_fraction);
    }
  }

  // softmax alone: one read and one write.
  std::printf("\n%-14s %10s %9s %s\n", "softmax N x C", "ms", "GB/s", "of copy");
  for (const Shape& s : std::vector<Shape>{{8192, 32768}, {65536, 1024}, {1 << 20, 64}}) {
    const Tensor x = randn({s.n, s.c}).to(kCUDA);
    Tensor y;
    const double t = seconds_per_call(reps, 5, [&] { y = softmax(x, 1); });
    const double bytes = 8.0 * s.n * s.c;
    std::printf("%6lldx%-7lld %10.4f %9.0f %.2f\n", static_cast<long long>(s.n),
                static_cast<long long>(s.c), t * 1e3, bytes / t / 1e9, bytes / t / 1e9 / copy_gbs);
  }
  return 0;
}
