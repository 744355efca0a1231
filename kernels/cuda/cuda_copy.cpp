// The CUDA row of `copy`: host->device, device->host and device->device copies between any dtypes
// and layouts. Same dtype and contiguous on both sides: one cudaMemcpyAsync. Otherwise the dtype
// conversion and any strided layout are handled on the device by the element-wise launcher
// (copy_convert.cu), staging through a contiguous device buffer when the host side is strided or
// of another dtype. Pinned host memory with non_blocking leaves the copy running (the pinned block
// is kept from reuse until it completes); a copy into pageable memory, or any copy without
// non_blocking, returns only when the host side may be used again.
#include <cuda_runtime_api.h>

#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/copy_convert.h"
#include "kernels/cuda/cuda_allocator.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"

namespace ember::cuda {
namespace {

bool dense(const Tensor& t) {
  return t.is_contiguous();
}

// dst = src on the device both live on (any dtypes and layouts).
void convert_on_device(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype() && dense(dst) && dense(src)) {
    const int device = dst.device().index();
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst.data_ptr(), src.data_ptr(), dst.nbytes(),
                                     cudaMemcpyDeviceToDevice, current_stream(device)));
    return;
  }
  launch_copy_convert(::ember::detail::make_elementwise_iter({&dst, &src}, "copy_"));
}

Tensor empty_on(const Tensor& like, DType dtype, Device device) {
  return ::ember::detail::empty_tensor(like.sizes(), dtype, device);
}

void copy_device_to_device(const Tensor& dst, const Tensor& src) {
  const int dst_device = dst.device().index();
  const int src_device = src.device().index();
  if (dst_device == src_device) {
    DeviceGuard guard(dst_device);
    convert_on_device(dst, src);
    return;
  }
  // Across devices: bring src, contiguous and in its own dtype, to dst's device, then convert
  // there. Each stream waits for the other's work on these bytes through events, so neither the
  // source nor the staging buffers are reused before the transfer has read them.
  Tensor src_dense = src;
  {
    DeviceGuard guard(src_device);
    if (!dense(src)) src_dense = src.contiguous();
  }
  Event src_ready;
  {
    DeviceGuard guard(src_device);
    src_ready.record(current_stream(src_device));
  }
  DeviceGuard guard(dst_device);
  cudaStream_t dst_stream = current_stream(dst_device);
  src_ready.block(dst_stream);
  const bool direct = dst.dtype() == src.dtype() && dense(dst);
  Tensor landing = direct ? dst : empty_on(dst, src.dtype(), dst.device());
  EMBER_CUDA_CHECK(cudaMemcpyPeerAsync(landing.data_ptr(), dst_device, src_dense.data_ptr(),
                                       src_device, landing.nbytes(), dst_stream));
  if (!direct) convert_on_device(dst, landing);
  Event dst_done;
  dst_done.record(dst_stream);
  DeviceGuard back(src_device);
  dst_done.block(current_stream(src_device));
}

// After an asynchronous copy from the host bytes at host_ptr: CUDA has already read pageable
// memory into its own staging buffer when cudaMemcpyAsync returns, so only pinned memory must be
// kept from reuse until the copy completes. Without non_blocking, wait for the copy as PyTorch
// does, so that the caller may change the source at once even if it is pinned.
void finish_upload(const void* host_ptr, cudaStream_t stream, bool non_blocking) {
  if (!non_blocking) {
    synchronize_stream(stream);
  } else if (is_pinned(host_ptr)) {
    record_pinned_use(host_ptr, stream);  // false for memory pinned elsewhere: the owner's duty
  }
}

// After an asynchronous copy into the host bytes at host_ptr: pinned memory with non_blocking is
// left to fill in the background (kept from reuse until then); any other copy into the host
// waits, since the caller reads the bytes next.
void finish_download(const void* host_ptr, cudaStream_t stream, bool non_blocking) {
  if (non_blocking && is_pinned(host_ptr)) {
    record_pinned_use(host_ptr, stream);
    return;
  }
  synchronize_stream(stream);
}

void copy_host_to_device(const Tensor& dst, const Tensor& src, bool non_blocking) {
  const int device = dst.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  // The host bytes to transfer: src itself when dense, else a dense host copy in src's dtype.
  const Tensor host = dense(src) ? src : src.contiguous();
  const bool direct = dst.dtype() == src.dtype() && dense(dst);
  const Tensor landing = direct ? dst : empty_on(dst, src.dtype(), dst.device());
  EMBER_CUDA_CHECK(cudaMemcpyAsync(landing.data_ptr(), host.data_ptr(), landing.nbytes(),
                                   cudaMemcpyHostToDevice, stream));
  if (!direct) convert_on_device(dst, landing);
  finish_upload(host.data_ptr(), stream, non_blocking);
}

void copy_device_to_host(const Tensor& dst, const Tensor& src, bool non_blocking) {
  const int device = src.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  // The device bytes to transfer: src itself when it already has dst's dtype and is dense, else
  // a dense device copy converted to dst's dtype.
  Tensor staged = src;
  if (src.dtype() != dst.dtype() || !dense(src)) {
    staged = empty_on(src, dst.dtype(), src.device());
    convert_on_device(staged, src);
  }
  const Tensor host = dense(dst) ? dst : empty_on(dst, dst.dtype(), Device(kCPU));
  EMBER_CUDA_CHECK(cudaMemcpyAsync(host.data_ptr(), staged.data_ptr(), host.nbytes(),
                                   cudaMemcpyDeviceToHost, stream));
  // A dense host buffer made here must be complete before it is scattered into dst.
  finish_download(host.data_ptr(), stream, non_blocking && host.is_same(dst));
  if (!host.is_same(dst)) kernel_for<OpId::copy>(Device(kCPU))(dst, host, false);
}

void copy_kernel(const Tensor& dst, const Tensor& src, bool non_blocking) {
  if (dst.is_cuda() && src.is_cuda()) {
    copy_device_to_device(dst, src);
  } else if (dst.is_cuda()) {
    copy_host_to_device(dst, src, non_blocking);
  } else {
    copy_device_to_host(dst, src, non_blocking);
  }
}

}  // namespace

EMBER_REGISTER_KERNEL(copy, CUDA, copy_kernel);

}  // namespace ember::cuda
