// The CUDA context Ember's kernels run in: which GPUs answer, a device guard, the one stream per
// device that all Ember work on that device uses, events, and streams of one's own for work that
// should overlap Ember's (communication, prefetching). Internal to Ember and free of CUDA
// headers: CUstream_st* and CUevent_st* are the types behind cudaStream_t and cudaEvent_t.
//
// Note [One stream per device]
// Every kernel and copy Ember issues on a device goes to current_stream(device), a non-blocking
// stream created on first use (never the legacy default stream, which would serialise with
// every other library in the process). Work on one device is therefore ordered without any host
// synchronisation; the caching allocator reuses a freed block on that stream at once. Work on
// another stream orders itself against Ember's with events (Event::record / Event::block) and
// tells the allocator with record_stream (kernels/cuda/cuda_allocator.h).
#pragma once

#include <cstdint>
#include <string>

#include "ember/core/macros.h"

struct CUstream_st;
struct CUevent_st;

namespace ember::cuda {

// GPUs that answer; 0 when none does (any error from cudaGetDeviceCount counts as none).
EMBER_API int visible_device_count();
// Why visible_device_count() is 0, with CUDA's own message; empty when a GPU answers.
EMBER_API const std::string& no_device_reason();

// The device a kernel over this device pointer must run on: the current device on a machine with
// one GPU, else the pointer's own device (cudaPointerGetAttributes).
EMBER_API int device_of_pointer(const void* ptr);
EMBER_API int get_device();

// Makes `device` current for a scope and restores the previous device after it.
class EMBER_API DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

// The stream of all Ember work on `device` (-1: the current device), created on first use.
EMBER_API CUstream_st* current_stream(int device = -1);
EMBER_API void synchronize_stream(CUstream_st* stream);

// A stream of one's own on a device, destroyed with the object.
class EMBER_API Stream {
 public:
  explicit Stream(int device = -1);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  CUstream_st* handle() const { return stream_; }
  int device() const { return device_; }
  void synchronize() const;

 private:
  CUstream_st* stream_ = nullptr;
  int device_ = 0;
};

// A CUDA event: recorded on a stream, waited for by another stream (no host synchronisation) or
// by the host, and timed against another event.
class EMBER_API Event {
 public:
  explicit Event(bool enable_timing = false);
  ~Event();
  Event(Event&& other) noexcept;
  Event& operator=(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Records the work queued so far on stream (default: Ember's stream of the current device).
  void record(CUstream_st* stream = nullptr);
  // Makes stream wait, on the device, until this event has completed.
  void block(CUstream_st* stream) const;
  // True once the recorded work has completed (or when nothing was recorded).
  bool query() const;
  // Waits on the host until the recorded work has completed.
  void synchronize() const;
  // Milliseconds from this event to `end` (both recorded and created with timing).
  float elapsed_ms(const Event& end) const;
  bool recorded() const { return event_ != nullptr; }
  CUevent_st* handle() const { return event_; }

 private:
  CUevent_st* event_ = nullptr;
  int device_ = -1;
  bool timing_ = false;
};

namespace detail {
// Keeps stream busy for at least `nanoseconds` (one thread spinning on the device's global timer).
// For tests of stream ordering and of the allocators' event handling.
EMBER_API void sleep_on_stream(CUstream_st* stream, uint64_t nanoseconds);
}  // namespace detail

}  // namespace ember::cuda
