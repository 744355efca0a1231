// TensorImpl: what a tensor is. Sizes, strides and an offset (in elements) over a shared
// Storage, plus dtype, device and, only for tensors autograd tracks, its autograd metadata.
// Views are new TensorImpls over the same Storage; nothing is ever half-initialised.
#pragma once

#include <cstdint>
#include <memory>

#include "ember/core/array_ref.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/intrusive_ptr.h"
#include "ember/core/macros.h"
#include "ember/core/small_vector.h"
#include "ember/core/storage.h"

namespace ember {

class TensorImpl;

// The autograd layer's per-tensor state (defined in autograd/). Core only asks it whether the
// tensor requires grad, so that ops can skip autograd entirely for plain tensors.
class EMBER_API AutogradMetaInterface {
 public:
  virtual ~AutogradMetaInterface() = default;
  virtual bool requires_grad() const = 0;
};

class EMBER_API TensorImpl : public RefCounted {
 public:
  // A tensor over storage with the given geometry (strides in elements).
  TensorImpl(Storage storage, DType dtype, IntArrayRef sizes, IntArrayRef strides,
             int64_t storage_offset);
  // A contiguous tensor over storage starting at offset 0.
  TensorImpl(Storage storage, DType dtype, IntArrayRef sizes);
  ~TensorImpl() override;

  IntArrayRef sizes() const { return sizes_; }
  IntArrayRef strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  int64_t storage_offset() const { return storage_offset_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  bool is_contiguous() const { return is_contiguous_; }
  const Storage& storage() const { return storage_; }

  // Address of element [0, ..., 0].
  void* data() const {
    return static_cast<char*>(storage_->data()) +
           storage_offset_ * static_cast<int64_t>(element_size(dtype_));
  }

  // Replaces the storage (resize of an empty `out`); callers then set the geometry.
  void set_storage(Storage storage) { storage_ = std::move(storage); }
  // Changes the geometry in place (used by in-place views such as squeeze_ and by resize).
  void set_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset);
  // Points this tensor at other's storage, dtype and geometry, keeping its identity and autograd
  // state (like PyTorch's set_data): Module::to moves parameters this way, so optimizers and
  // other holders of the parameter see the moved data.
  void set_data_from(const TensorImpl& other);

  // True for tensors made by a view op (they share storage with a base tensor).
  bool is_view() const { return is_view_; }
  void set_is_view(bool v) { is_view_ = v; }

  bool requires_grad() const { return autograd_meta_ && autograd_meta_->requires_grad(); }
  AutogradMetaInterface* autograd_meta() const { return autograd_meta_.get(); }
  void set_autograd_meta(std::unique_ptr<AutogradMetaInterface> meta) {
    autograd_meta_ = std::move(meta);
  }

  uint32_t version() const { return storage_->version(); }
  void bump_version() const { storage_->bump_version(); }

 private:
  void refresh_numel_and_contiguity();

  Storage storage_;
  DimVector sizes_;
  DimVector strides_;
  int64_t storage_offset_ = 0;
  int64_t numel_ = 1;
  DType dtype_;
  bool is_contiguous_ = true;
  bool is_view_ = false;
  std::unique_ptr<AutogradMetaInterface> autograd_meta_;
};

// Strides of a contiguous (row-major) tensor of the given sizes.
EMBER_API DimVector contiguous_strides(IntArrayRef sizes);
// Product of sizes; throws ember::ValueError on a negative size or overflow.
EMBER_API int64_t checked_numel(IntArrayRef sizes);

}  // namespace ember
