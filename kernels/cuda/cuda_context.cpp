// Device discovery, the device guard, Ember's per-device streams and events
// (see Note [One stream per device] in cuda_context.h).
#include "kernels/cuda/cuda_context.h"

#include <cuda_runtime_api.h>

#include <atomic>
#include <mutex>
#include <utility>

#include "ember/core/check.h"
#include "kernels/cuda/cuda_check.h"

namespace ember::cuda {

namespace {

struct Discovery {
  int count = 0;
  std::string reason;
};

const Discovery& discovery() {
  static const Discovery d = [] {
    Discovery r;
    int n = 0;
    const cudaError_t status = cudaGetDeviceCount(&n);
    if (status != cudaSuccess) {
      cudaGetLastError();  // not a failure of Ember's: there is simply no usable GPU
      r.reason = fmt::format("cudaGetDeviceCount failed: {} ({})", cudaGetErrorString(status),
                             cudaGetErrorName(status));
    } else if (n == 0) {
      r.reason = "cudaGetDeviceCount found no CUDA device";
    } else {
      r.count = n;
    }
    return r;
  }();
  return d;
}

constexpr int kMaxDevices = 64;
std::atomic<cudaStream_t> g_streams[kMaxDevices] = {};
std::mutex g_stream_mutex;

void check_device_index(int device, const char* what) {
  EMBER_CHECK(device >= 0 && device < visible_device_count(), Device,
              "{}: there is no CUDA device {} ({} device(s) visible{}{})", what, device,
              visible_device_count(), no_device_reason().empty() ? "" : ": ", no_device_reason());
}

}  // namespace

int visible_device_count() {
  return discovery().count;
}
const std::string& no_device_reason() {
  return discovery().reason;
}

int get_device() {
  int d = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

int device_of_pointer(const void* ptr) {
  if (visible_device_count() <= 1) return visible_device_count() == 1 ? 0 : get_device();
  cudaPointerAttributes attr{};
  EMBER_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr));
  return attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged ? attr.device
                                                                                 : get_device();
}

DeviceGuard::DeviceGuard(int device) {
  EMBER_CUDA_CHECK(cudaGetDevice(&previous_));
  if (device != previous_) {
    check_device_index(device, "DeviceGuard");
    EMBER_CUDA_CHECK(cudaSetDevice(device));
  }
}

DeviceGuard::~DeviceGuard() {
  int now = previous_;
  if (cudaGetDevice(&now) == cudaSuccess && now != previous_) cudaSetDevice(previous_);
}

CUstream_st* current_stream(int device) {
  if (device < 0) device = get_device();
  if (EMBER_LIKELY(device < kMaxDevices)) {
    cudaStream_t s = g_streams[device].load(std::memory_order_acquire);
    if (EMBER_LIKELY(s != nullptr)) return s;
  }
  check_device_index(device, "current_stream");
  EMBER_CHECK(device < kMaxDevices, Device, "current_stream: at most {} CUDA devices are supported",
              kMaxDevices);
  std::lock_guard<std::mutex> lock(g_stream_mutex);
  cudaStream_t s = g_streams[device].load(std::memory_order_acquire);
  if (s == nullptr) {
    DeviceGuard guard(device);
    // Never destroyed: kernels may still run on it while static destructors release tensors.
    EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    g_streams[device].store(s, std::memory_order_release);
  }
  return s;
}

void synchronize_stream(CUstream_st* stream) {
  EMBER_CUDA_CHECK(cudaStreamSynchronize(stream));
}

// ---- Stream ----
Stream::Stream(int device) {
  device_ = device < 0 ? get_device() : device;
  DeviceGuard guard(device_);
  EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

Stream::~Stream() {
  if (stream_ != nullptr) cudaStreamDestroy(stream_);  // waits for queued work on its own
}

void Stream::synchronize() const {
  synchronize_stream(stream_);
}

// ---- Event ----
Event::Event(bool enable_timing) : timing_(enable_timing) {}

Event::~Event() {
  if (event_ != nullptr) cudaEventDestroy(event_);
}

Event::Event(Event&& other) noexcept
    : event_(std::exchange(other.event_, nullptr)),
      device_(other.device_),
      timing_(other.timing_) {}

Event& Event::operator=(Event&& other) noexcept {
  if (this != &other) {
    if (event_ != nullptr) cudaEventDestroy(event_);
    event_ = std::exchange(other.event_, nullptr);
    device_ = other.device_;
    timing_ = other.timing_;
  }
  return *this;
}

void Event::record(CUstream_st* stream) {
  if (stream == nullptr) stream = current_stream();
  if (event_ == nullptr) {
    // Created on first record, on the device of the stream it is recorded on.
    device_ = get_device();
    EMBER_CUDA_CHECK(
        cudaEventCreateWithFlags(&event_, timing_ ? cudaEventDefault : cudaEventDisableTiming));
  }
  EMBER_CUDA_CHECK(cudaEventRecord(event_, stream));
}

void Event::block(CUstream_st* stream) const {
  if (event_ != nullptr) EMBER_CUDA_CHECK(cudaStreamWaitEvent(stream, event_, 0));
}

bool Event::query() const {
  if (event_ == nullptr) return true;
  const cudaError_t status = cudaEventQuery(event_);
  if (status == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  EMBER_CUDA_CHECK(status);
  return true;
}

void Event::synchronize() const {
  if (event_ != nullptr) EMBER_CUDA_CHECK(cudaEventSynchronize(event_));
}

float Event::elapsed_ms(const Event& end) const {
  EMBER_CHECK(timing_ && end.timing_ && event_ != nullptr && end.event_ != nullptr, Value,
              "Event::elapsed_ms: both events must be created with enable_timing=true and "
              "recorded (this one: timing {}, recorded {}; end: timing {}, recorded {})",
              timing_, event_ != nullptr, end.timing_, end.event_ != nullptr);
  float ms = 0;
  EMBER_CUDA_CHECK(cudaEventElapsedTime(&ms, event_, end.event_));
  return ms;
}

}  // namespace ember::cuda
