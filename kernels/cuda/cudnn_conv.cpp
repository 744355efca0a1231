// CUDA rows of conv2d and conv2d_backward through cuDNN's convolution calls (NCHW, float32 and
// float64, groups, stride, padding, dilation).
//
// Note [cuDNN legacy convolution API]
// cuDNN 9 marks the descriptor-based convolution calls (cudnnConvolutionForward,
// ...BackwardData, ...BackwardFilter and their algorithm finders) deprecated in favour of the
// backend graph API, but they remain supported and are what PyTorch and most frameworks call
// today. NVIDIA's header-only cudnn-frontend, which makes the graph API usable, is not available
// to this build, and the raw backend API would need several hundred lines of descriptor
// plumbing for the same three calls. So the legacy calls stay, in this one file, with the
// deprecation warning silenced here only (it is enabled only when CUDNN_WARN_DEPRECATED is
// defined, but a build that defines it should still compile this file cleanly). Moving to the
// graph API touches nothing outside this file.
//
// Note [cuDNN algorithm cache]
// The first convolution of a given geometry (device, dtype, input and weight shapes, stride,
// padding, dilation, groups, TF32 switch) and pass (forward, data gradient, weight gradient) runs
// cudnnFind...AlgorithmEx once, which times every algorithm on the real buffers with a workspace
// from Ember's caching allocator; the choice is cached and every later call of that geometry
// runs it directly, with its workspace again from the caching allocator (released at once: it is
// only reused by later work on the same stream). The descriptors of a geometry are also made once
// (per thread) and kept, so a repeated convolution costs two map lookups and cuDNN's own call.
// Forward takes the fastest algorithm. Backward takes the fastest deterministic one (cuDNN reports
// determinism per algorithm; data gradient ALGO_1 and weight gradient ALGO_1 are deterministic and
// always available for NCHW), so that gradients are bit-identical from run to run: the
// non-deterministic ones (data ALGO_0, weight ALGO_0 and ALGO_3) add with atomics.
// bench/cuda_gemm_conv_lab.cpp prints cuDNN's full timing table so the cost of that preference can
// be read off.
//
// TF32: float32 convolutions run with CUDNN_FMA_MATH (no tensor-core TF32) unless allow_tf32(),
// then with CUDNN_DEFAULT_MATH, as PyTorch maps its cudnn.allow_tf32.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Note [cuDNN legacy convolution API]
#endif

#include <algorithm>
#include <climits>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/error.h"
#include "ember/core/nn_ops.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

enum class ConvPass : int { forward, backward_data, backward_filter };

// The most workspace a one-time algorithm search may take; algorithms needing more are skipped.
constexpr size_t kMaxFindWorkspace = size_t{1} << 30;

int to_int(int64_t v, const char* what) {
  EMBER_CHECK(v >= 0 && v <= INT_MAX, Value,
              "conv2d: {} {} is larger than cuDNN's 32-bit sizes can take (at most {})", what, v,
              INT_MAX);
  return static_cast<int>(v);
}

cudnnDataType_t cudnn_type(DType dtype) {
  if (dtype == kFloat64) return CUDNN_DATA_DOUBLE;
  if (dtype != kFloat32) ::ember::detail::throw_unsupported_dtype("conv2d", dtype);
  return CUDNN_DATA_FLOAT;
}

// The math type asked of cuDNN: FMA only (no TF32) for float32 unless allowed.
cudnnMathType_t requested_math(DType dtype) {
  if (dtype == kFloat32 && !allow_tf32()) return CUDNN_FMA_MATH;
  return CUDNN_DEFAULT_MATH;
}

// alpha = 1 and beta = 0 or 1 as the scaling type of the data (double for double data).
struct Scaling {
  float f_one = 1.f, f_zero = 0.f;
  double d_one = 1.0, d_zero = 0.0;
  bool is_double;
  explicit Scaling(DType dtype) : is_double(dtype == kFloat64) {}
  const void* one() const { return is_double ? static_cast<const void*>(&d_one) : &f_one; }
  const void* zero() const { return is_double ? static_cast<const void*>(&d_zero) : &f_zero; }
};

// The descriptors of one convolution, destroyed with the object.
class ConvDescriptors {
 public:
  ConvDescriptors(const Tensor& input, const Tensor& weight, const Tensor& output,
                  const Conv2dParams& p) {
    const DType dtype = input.dtype();
    const cudnnDataType_t type = cudnn_type(dtype);
    EMBER_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x_));
    EMBER_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y_));
    EMBER_CUDNN_CHECK(cudnnCreateTensorDescriptor(&bias_));
    EMBER_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w_));
    EMBER_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv_));
    EMBER_CUDNN_CHECK(cudnnSetTensor4dDescriptor(
        x_, CUDNN_TENSOR_NCHW, type, to_int(input.size(0), "batch size"),
        to_int(input.size(1), "channel count"), to_int(input.size(2), "height"),
        to_int(input.size(3), "width")));
    EMBER_CUDNN_CHECK(cudnnSetTensor4dDescriptor(
        y_, CUDNN_TENSOR_NCHW, type, to_int(output.size(0), "batch size"),
        to_int(output.size(1), "channel count"), to_int(output.size(2), "height"),
        to_int(output.size(3), "width")));
    EMBER_CUDNN_CHECK(cudnnSetTensor4dDescriptor(bias_, CUDNN_TENSOR_NCHW, type, 1,
                                                 to_int(output.size(1), "channel count"), 1, 1));
    EMBER_CUDNN_CHECK(cudnnSetFilter4dDescriptor(
        w_, type, CUDNN_TENSOR_NCHW, to_int(weight.size(0), "channel count"),
        to_int(weight.size(1), "channel count"), to_int(weight.size(2), "kernel height"),
        to_int(weight.size(3), "kernel width")));
    EMBER_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        conv_, to_int(p.padding[0], "padding"), to_int(p.padding[1], "padding"),
        to_int(p.stride[0], "stride"), to_int(p.stride[1], "stride"),
        to_int(p.dilation[0], "dilation"), to_int(p.dilation[1], "dilation"),
        CUDNN_CROSS_CORRELATION, type));
    EMBER_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv_, to_int(p.groups, "groups")));
    EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_, requested_math(dtype)));
  }
  ~ConvDescriptors() {
    cudnnDestroyConvolutionDescriptor(conv_);
    cudnnDestroyFilterDescriptor(w_);
    cudnnDestroyTensorDescriptor(bias_);
    cudnnDestroyTensorDescriptor(y_);
    cudnnDestroyTensorDescriptor(x_);
  }
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;

  cudnnTensorDescriptor_t x() const { return x_; }
  cudnnTensorDescriptor_t y() const { return y_; }
  cudnnTensorDescriptor_t bias() const { return bias_; }
  cudnnFilterDescriptor_t w() const { return w_; }
  cudnnConvolutionDescriptor_t conv() const { return conv_; }

 private:
  cudnnTensorDescriptor_t x_ = nullptr, y_ = nullptr, bias_ = nullptr;
  cudnnFilterDescriptor_t w_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;
};

// ---- the algorithm cache (Note [cuDNN algorithm cache]) ----
struct ConvKey {
  int device;
  DType dtype;
  bool tf32;
  ConvPass pass;
  int64_t n, c, h, w, cout, kh, kw;
  int64_t stride[2], padding[2], dilation[2], groups;
  auto tie() const {
    return std::tie(device, dtype, tf32, pass, n, c, h, w, cout, kh, kw, stride[0], stride[1],
                    padding[0], padding[1], dilation[0], dilation[1], groups);
  }
  bool operator<(const ConvKey& o) const { return tie() < o.tie(); }
};

ConvKey make_key(int device, ConvPass pass, const Tensor& input, const Tensor& weight,
                 const Conv2dParams& p) {
  ConvKey k{};
  k.device = device;
  k.dtype = input.dtype();
  k.tf32 = input.dtype() == kFloat32 && allow_tf32();
  k.pass = pass;
  k.n = input.size(0);
  k.c = input.size(1);
  k.h = input.size(2);
  k.w = input.size(3);
  k.cout = weight.size(0);
  k.kh = weight.size(2);
  k.kw = weight.size(3);
  for (int i = 0; i < 2; ++i) {
    k.stride[i] = p.stride[i];
    k.padding[i] = p.padding[i];
    k.dilation[i] = p.dilation[i];
  }
  k.groups = p.groups;
  return k;
}

struct AlgoChoice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  size_t workspace = 0;
};

std::mutex g_algo_mutex;
std::map<ConvKey, AlgoChoice>& algo_cache() {
  static auto* cache = new std::map<ConvKey, AlgoChoice>();
  return *cache;
}

// The descriptors of a geometry, made once per thread and kept (a descriptor's math type is set
// by each pass, so threads do not share them); never destroyed, like the handles.
const ConvDescriptors& descriptors_for(int device, const Tensor& input, const Tensor& weight,
                                       const Tensor& output, const Conv2dParams& p) {
  thread_local auto* cache = new std::map<ConvKey, std::unique_ptr<ConvDescriptors>>();
  auto [it, inserted] = cache->try_emplace(make_key(device, ConvPass::forward, input, weight, p));
  if (inserted) it->second = std::make_unique<ConvDescriptors>(input, weight, output, p);
  return *it->second;
}

// Device bytes from the caching allocator; empty for 0 bytes.
Tensor device_bytes(size_t bytes, int device) {
  return ::ember::detail::empty_tensor({static_cast<int64_t>(bytes)}, kUInt8,
                                       Device(kCUDA, device));
}

// A workspace of up to `wanted` bytes for an algorithm search: as much as the device gives.
Tensor find_workspace(size_t wanted, int device) {
  size_t bytes = std::min(wanted, kMaxFindWorkspace);
  while (true) {
    try {
      return device_bytes(bytes, device);
    } catch (const OutOfMemoryError&) {
      if (bytes == 0) throw;
      bytes /= 2;
    }
  }
}

// The choice among cuDNN's timed results: the fastest that ran, deterministic first when asked.
template <typename Perf>
AlgoChoice choose(const Perf* results, int count, bool deterministic, DType dtype,
                  const char* what) {
  const Perf* best = nullptr;
  for (int pass = 0; pass < 2 && best == nullptr; ++pass) {
    const bool need_deterministic = deterministic && pass == 0;
    for (int i = 0; i < count; ++i) {  // cuDNN sorts by time
      if (results[i].status != CUDNN_STATUS_SUCCESS) continue;
      if (need_deterministic && results[i].determinism != CUDNN_DETERMINISTIC) continue;
      best = &results[i];
      break;
    }
  }
  EMBER_CHECK(best != nullptr, Cuda,
              "conv2d: cuDNN found no {} algorithm that runs this convolution ({})", what,
              dtype_name(dtype));
  AlgoChoice c;
  c.algo = static_cast<int>(best->algo);
  // Without TF32, always the FMA math type: a result tagged DEFAULT_MATH would allow TF32.
  c.math = requested_math(dtype) == CUDNN_FMA_MATH ? CUDNN_FMA_MATH : best->mathType;
  c.workspace = best->memory;
  return c;
}

// Looks up (or finds, once) the algorithm of a pass. find(workspace, bytes) runs cuDNN's search
// and returns the choice; max_workspace() is the largest workspace any algorithm asks.
template <typename Find, typename MaxWorkspace>
AlgoChoice algorithm_for(const ConvKey& key, int device, const Find& find,
                         const MaxWorkspace& max_workspace) {
  std::lock_guard<std::mutex> lock(g_algo_mutex);
  auto it = algo_cache().find(key);
  if (it != algo_cache().end()) return it->second;
  Tensor ws = find_workspace(max_workspace(), device);
  const AlgoChoice choice =
      find(ws.numel() > 0 ? ws.data_ptr() : nullptr, static_cast<size_t>(ws.numel()));
  algo_cache().emplace(key, choice);
  return choice;
}

// ---- the passes ----
void forward(cudnnHandle_t handle, const ConvDescriptors& d, const Tensor& out, const Tensor& input,
             const Tensor& weight, const Conv2dParams& p, int device) {
  const DType dtype = input.dtype();
  // The search runs with the math type asked for (an earlier pass may have set the one of its
  // own choice on this descriptor).
  EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv(), requested_math(dtype)));
  const AlgoChoice choice = algorithm_for(
      make_key(device, ConvPass::forward, input, weight, p), device,
      [&](void* ws, size_t bytes) {
        cudnnConvolutionFwdAlgoPerf_t results[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        int count = 0;
        EMBER_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
            handle, d.x(), input.data_ptr(), d.w(), weight.data_ptr(), d.conv(), d.y(),
            out.data_ptr(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, results, ws, bytes));
        return choose(results, count, false, dtype, "forward");
      },
      [&] {
        size_t most = 0;
        for (int a = 0; a < CUDNN_CONVOLUTION_FWD_ALGO_COUNT; ++a) {
          size_t bytes = 0;
          if (cudnnGetConvolutionForwardWorkspaceSize(handle, d.x(), d.w(), d.conv(), d.y(),
                                                      static_cast<cudnnConvolutionFwdAlgo_t>(a),
                                                      &bytes) == CUDNN_STATUS_SUCCESS)
            most = std::max(most, bytes);
        }
        return most;
      });
  EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv(), choice.math));
  Tensor ws = device_bytes(choice.workspace, device);
  const Scaling s(dtype);
  EMBER_CUDNN_CHECK(cudnnConvolutionForward(
      handle, s.one(), d.x(), input.data_ptr(), d.w(), weight.data_ptr(), d.conv(),
      static_cast<cudnnConvolutionFwdAlgo_t>(choice.algo), ws.numel() > 0 ? ws.data_ptr() : nullptr,
      choice.workspace, s.zero(), d.y(), out.data_ptr()));
}

void backward_data(cudnnHandle_t handle, const ConvDescriptors& d, const Tensor& grad_input,
                   const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                   const Conv2dParams& p, int device) {
  const DType dtype = input.dtype();
  // The search runs with the math type asked for (an earlier pass may have set the one of its
  // own choice on this descriptor).
  EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv(), requested_math(dtype)));
  const AlgoChoice choice = algorithm_for(
      make_key(device, ConvPass::backward_data, input, weight, p), device,
      [&](void* ws, size_t bytes) {
        cudnnConvolutionBwdDataAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        int count = 0;
        EMBER_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
            handle, d.w(), weight.data_ptr(), d.y(), grad_output.data_ptr(), d.conv(), d.x(),
            grad_input.data_ptr(), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, results, ws,
            bytes));
        return choose(results, count, true, dtype, "input-gradient");
      },
      [&] {
        size_t most = 0;
        for (int a = 0; a < CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT; ++a) {
          size_t bytes = 0;
          if (cudnnGetConvolutionBackwardDataWorkspaceSize(
                  handle, d.w(), d.y(), d.conv(), d.x(),
                  static_cast<cudnnConvolutionBwdDataAlgo_t>(a), &bytes) == CUDNN_STATUS_SUCCESS)
            most = std::max(most, bytes);
        }
        return most;
      });
  EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv(), choice.math));
  Tensor ws = device_bytes(choice.workspace, device);
  const Scaling s(dtype);
  EMBER_CUDNN_CHECK(cudnnConvolutionBackwardData(
      handle, s.one(), d.w(), weight.data_ptr(), d.y(), grad_output.data_ptr(), d.conv(),
      static_cast<cudnnConvolutionBwdDataAlgo_t>(choice.algo),
      ws.numel() > 0 ? ws.data_ptr() : nullptr, choice.workspace, s.zero(), d.x(),
      grad_input.data_ptr()));
}

void backward_filter(cudnnHandle_t handle, const ConvDescriptors& d, const Tensor& grad_weight,
                     const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                     const Conv2dParams& p, int device) {
  const DType dtype = input.dtype();
  // The search runs with the math type asked for (an earlier pass may have set the one of its
  // own choice on this descriptor).
  EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv(), requested_math(dtype)));
  const AlgoChoice choice = algorithm_for(
      make_key(device, ConvPass::backward_filter, input, weight, p), device,
      [&](void* ws, size_t bytes) {
        cudnnConvolutionBwdFilterAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        int count = 0;
        EMBER_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
            handle, d.x(), input.data_ptr(), d.y(), grad_output.data_ptr(), d.conv(), d.w(),
            grad_weight.data_ptr(), CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, results, ws,
            bytes));
        return choose(results, count, true, dtype, "weight-gradient");
      },
      [&] {
        size_t most = 0;
        for (int a = 0; a < CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT; ++a) {
          size_t bytes = 0;
          if (cudnnGetConvolutionBackwardFilterWorkspaceSize(
                  handle, d.x(), d.y(), d.conv(), d.w(),
                  static_cast<cudnnConvolutionBwdFilterAlgo_t>(a), &bytes) == CUDNN_STATUS_SUCCESS)
            most = std::max(most, bytes);
        }
        return most;
      });
  EMBER_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv(), choice.math));
  Tensor ws = device_bytes(choice.workspace, device);
  const Scaling s(dtype);
  EMBER_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
      handle, s.one(), d.x(), input.data_ptr(), d.y(), grad_output.data_ptr(), d.conv(),
      static_cast<cudnnConvolutionBwdFilterAlgo_t>(choice.algo),
      ws.numel() > 0 ? ws.data_ptr() : nullptr, choice.workspace, s.zero(), d.w(),
      grad_weight.data_ptr()));
}

void zero(const Tensor& t, cudaStream_t stream) {
  if (t.defined() && t.numel() > 0)
    EMBER_CUDA_CHECK(cudaMemsetAsync(t.data_ptr(), 0, t.nbytes(), stream));
}

void conv2d_kernel(const Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   const Conv2dParams& params) {
  const int device = out.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  if (input.numel() == 0 || weight.numel() == 0) {  // an empty sum: the bias, or zeros
    if (bias.defined()) {
      kernel_for<OpId::copy>(out.device())(
          out, bias.view({1, bias.size(0), 1, 1}).expand(out.sizes()), false);
    } else {
      zero(out, stream);
    }
    return;
  }
  cudnnHandle_t handle = cudnn_handle(device, stream);
  const ConvDescriptors& d = descriptors_for(device, input, weight, out, params);
  forward(handle, d, out, input, weight, params, device);
  if (bias.defined()) {
    const Scaling s(out.dtype());
    EMBER_CUDNN_CHECK(
        cudnnAddTensor(handle, s.one(), d.bias(), bias.data_ptr(), s.one(), d.y(), out.data_ptr()));
  }
}

void conv2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                            const Tensor& grad_bias, const Tensor& grad_output, const Tensor& input,
                            const Tensor& weight, const Conv2dParams& params) {
  const int device = grad_output.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  if (input.numel() == 0 || weight.numel() == 0 || grad_output.numel() == 0) {
    zero(grad_input, stream);
    zero(grad_weight, stream);
    zero(grad_bias, stream);
    return;
  }
  cudnnHandle_t handle = cudnn_handle(device, stream);
  const ConvDescriptors& d = descriptors_for(device, input, weight, grad_output, params);
  if (grad_input.defined())
    backward_data(handle, d, grad_input, grad_output, input, weight, params, device);
  if (grad_weight.defined())
    backward_filter(handle, d, grad_weight, grad_output, input, weight, params, device);
  if (grad_bias.defined()) {
    const Scaling s(input.dtype());
    EMBER_CUDNN_CHECK(cudnnConvolutionBackwardBias(handle, s.one(), d.y(), grad_output.data_ptr(),
                                                   s.zero(), d.bias(), grad_bias.data_ptr()));
  }
}

}  // namespace

EMBER_REGISTER_KERNEL(conv2d, CUDA, conv2d_kernel);
EMBER_REGISTER_KERNEL(conv2d_backward, CUDA, conv2d_backward_kernel);

}  // namespace ember::cuda
