// Type promotion, broadcasting, `out` checks and iterator building for point-wise ops.
#include "ember/core/elementwise.h"

#include <algorithm>

#include "ember/core/check.h"
#include "ember/core/device_hooks.h"
#include "ember/core/shape_utils.h"

namespace ember::detail {

namespace {

// One rank of torch.result_type's state: the promoted dtype of operands of that rank.
struct RankState {
  bool set = false;
  DType dtype = DType::Bool;
  void add(DType t) {
    dtype = set ? promote_types(dtype, t) : t;
    set = true;
  }
};

// combine_categories(higher, lower) of PyTorch's TensorIterator.
RankState combine(RankState higher, RankState lower) {
  if (!higher.set) return lower;
  if (!lower.set) return higher;
  if (is_floating_point(higher.dtype)) return higher;
  if (higher.dtype == DType::Bool || is_floating_point(lower.dtype)) {
    return RankState{true, promote_types(higher.dtype, lower.dtype)};
  }
  return higher;
}

}  // namespace

DType result_type(ArrayRef<Operand> operands) {
  RankState dim, zero, number;
  for (const Operand& o : operands) {
    EMBER_CHECK(o.is_scalar || o.tensor->defined(), Value,
                "result_type: an input is an undefined tensor");
    if (o.is_scalar) {
      // Numbers count by kind: a float number is the default float dtype, an int is int64.
      number.add(o.scalar.dtype());
    } else if (o.tensor->dim() == 0) {
      zero.add(o.tensor->dtype());
    } else {
      dim.add(o.tensor->dtype());
    }
  }
  RankState r = combine(dim, combine(zero, number));
  return r.set ? r.dtype : default_float_dtype();
}

bool can_cast(DType from, DType to) {
  if (is_floating_point(from) && !is_floating_point(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

Tensor empty_tensor(IntArrayRef sizes, DType dtype, Device device) {
  const int64_t n = checked_numel(sizes);
  auto storage = make_intrusive<StorageImpl>(static_cast<size_t>(n) * element_size(dtype), device);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, sizes));
}

namespace {

// Fills iter's shape and strides from operands sharing `shape`, innermost first, dropping
// size-1 dims and merging dims that are contiguous with each other in every operand.
void layout_iter(ElementwiseIter& it, IntArrayRef shape, const int64_t* const* strides,
                 const bool* is_tensor, int nops, std::string_view op_name) {
  int nd = 0;
  int64_t sh[64];
  int64_t st[kMaxOperands][64];
  EMBER_CHECK(shape.size() <= 64, Shape, "{}: tensors with {} dims are not supported (at most 64)",
              op_name, shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1) continue;
    // Merge with the previous (inner) dim when every operand is contiguous across them.
    bool merge = nd > 0;
    for (int k = 0; k < nops && merge; ++k) {
      if (!is_tensor[k]) continue;
      merge = strides[k][i] == st[k][nd - 1] * sh[nd - 1];
    }
    if (merge) {
      sh[nd - 1] *= shape[i];
      continue;
    }
    sh[nd] = shape[i];
    for (int k = 0; k < nops; ++k) st[k][nd] = is_tensor[k] ? strides[k][i] : 0;
    ++nd;
  }
  EMBER_CHECK(nd <= kMaxIterDims, Shape,
              "{}: this layout needs {} non-mergeable dims; point-wise kernels take at most {}. "
              "Call .contiguous() on the inputs first",
              op_name, nd, kMaxIterDims);
  it.ndim = nd;
  for (int d = 0; d < nd; ++d) {
    it.shape[d] = sh[d];
    for (int k = 0; k < nops; ++k) it.strides[k][d] = st[k][d];
  }
  bool contiguous = nd <= 1;
  for (int k = 0; k < nops && contiguous; ++k)
    if (is_tensor[k] && nd == 1) contiguous = st[k][0] == 1;
  it.contiguous = contiguous;
}

// Strides of t viewed with `shape` (broadcast dims get stride 0).
DimVector broadcast_strides(const Tensor& t, IntArrayRef shape) {
  DimVector s(shape.size(), 0);
  const int64_t offset = static_cast<int64_t>(shape.size()) - t.dim();
  for (int64_t i = 0; i < t.dim(); ++i) s[offset + i] = t.size(i) == 1 ? 0 : t.stride(i);
  return s;
}

}  // namespace

ElementwiseIter make_elementwise_iter(std::initializer_list<const Tensor*> operands,
                                      std::string_view op_name) {
  ElementwiseIter it;
  it.noperands = static_cast<int>(operands.size());
  const Tensor& out = **operands.begin();
  it.numel = out.numel();
  DimVector strides[kMaxOperands];
  const int64_t* sp[kMaxOperands];
  bool is_tensor[kMaxOperands];
  int k = 0;
  for (const Tensor* t : operands) {
    strides[k] = broadcast_strides(*t, out.sizes());
    sp[k] = strides[k].data();
    is_tensor[k] = true;
    it.data[k] = t->data_ptr();
    it.dtype[k] = t->dtype();
    ++k;
  }
  layout_iter(it, out.sizes(), sp, is_tensor, it.noperands, op_name);
  return it;
}

Tensor run_elementwise(OpId op, const ElementwiseSpec& spec, const Tensor& out,
                       std::initializer_list<Operand> inputs, const ElementwiseArgs& args) {
  const int nin = static_cast<int>(inputs.size());
  const Operand* in = inputs.begin();

  for (int i = 0; i < nin; ++i) {
    EMBER_CHECK(in[i].is_scalar || in[i].tensor->defined(), Value,
                "{}: input {} is an undefined tensor", spec.name, i);
  }
  // Device: the first tensor input that is not a zero-dim CPU tensor, else the first tensor.
  Device device(DeviceType::CPU);
  bool have_device = false;
  for (int i = 0; i < nin && !have_device; ++i) {
    if (in[i].is_scalar) continue;
    if (!(in[i].tensor->dim() == 0 && in[i].tensor->is_cpu())) {
      device = in[i].tensor->device();
      have_device = true;
    }
  }
  if (!have_device) {
    bool found = false;
    for (int i = 0; i < nin && !found; ++i)
      if (!in[i].is_scalar) {
        device = in[i].tensor->device();
        found = true;
      }
    if (!found && out.defined()) device = out.device();  // fill_: no tensor input
  }
  for (int i = 0; i < nin; ++i) {
    if (in[i].is_scalar) continue;
    const Tensor& t = *in[i].tensor;
    const bool cpu_scalar_ok = t.dim() == 0 && t.is_cpu();
    EMBER_CHECK(t.device() == device || cpu_scalar_ok, Device,
                "{}: expected all tensors on one device, but input {} is on {} and input 0 is on "
                "{}. Move them with .to(device) first",
                spec.name, i, t.device().str(), device.str());
  }

  // Dtypes.
  DType compute = result_type(ArrayRef<Operand>(in + spec.first_promoted, in + nin));
  for (int i = 0; i < spec.first_promoted; ++i) {
    const Operand& o = in[i];
    DType dt = o.is_scalar ? o.scalar.dtype() : o.tensor->dtype();
    EMBER_CHECK(dt == DType::Bool, DType, "{}: the condition must be a bool tensor, got {}",
                spec.name, dtype_name(dt));
  }
  if (!spec.allow_bool) {
    EMBER_CHECK(compute != DType::Bool, DType,
                "{}: bool tensors are not supported; use logical_not / logical_xor or convert "
                "with .to(kInt64)",
                spec.name);
  }
  if (spec.int_to_float && !is_floating_point(compute)) compute = default_float_dtype();
  if (spec.compute_in_out_dtype) compute = out.dtype();
  if (spec.floating_only) {
    EMBER_CHECK(is_floating_point(compute), DType,
                "{}: expected a floating-point input, got {}; convert with .to(kFloat32)",
                spec.name, dtype_name(compute));
  }
  const DType result = spec.bool_result ? DType::Bool : compute;

  // Shapes.
  DimVector shape;
  {
    IntArrayRef shapes[kMaxOperands];
    int n = 0;
    for (int i = 0; i < nin; ++i)
      if (!in[i].is_scalar) shapes[n++] = in[i].tensor->sizes();
    shape = n == 0 && out.defined()
                ? DimVector(out.sizes())  // fill_: the output's own shape
                : broadcast_shapes_or_throw(ArrayRef<IntArrayRef>(shapes, n), spec.name);
  }

  // Output.
  Tensor target = out;
  Tensor write_back;  // set when the op computes into a temporary of the result dtype
  if (out.defined()) {
    EMBER_CHECK(out.device() == device, Device, "{}: out is on {} but the inputs are on {}",
                spec.name, out.device().str(), device.str());
    if (out.sizes() != IntArrayRef(shape)) {
      EMBER_CHECK(out.numel() == 0, Shape,
                  "{}: output with shape {} doesn't match the broadcast shape {}", spec.name,
                  out.sizes().vec(), std::vector<int64_t>(shape.begin(), shape.end()));
      resize_output(out, shape);
    }
    EMBER_CHECK(can_cast(result, out.dtype()), DType,
                "{}: result type {} can't be cast to the desired output type {}", spec.name,
                dtype_name(result), dtype_name(out.dtype()));
    if (out.dtype() != result) {
      write_back = out;
      target = empty_tensor(shape, result, device);
    } else {
      out.impl()->bump_version();
    }
  } else {
    target = empty_tensor(shape, result, device);
  }

  // Inputs converted to the compute dtype; zero-dim CPU tensors on another device become numbers.
  Tensor converted[kMaxOperands];
  ElementwiseIter it;
  it.noperands = nin + 1;
  it.numel = target.numel();
  it.data[0] = target.data_ptr();
  it.dtype[0] = result;
  DimVector strides[kMaxOperands];
  const int64_t* sp[kMaxOperands];
  bool is_tensor[kMaxOperands];
  strides[0] = broadcast_strides(target, shape);
  sp[0] = strides[0].data();
  is_tensor[0] = true;
  for (int i = 0; i < nin; ++i) {
    const int k = i + 1;
    const DType want = i < spec.first_promoted ? DType::Bool : compute;
    Scalar number;
    bool as_number = in[i].is_scalar;
    if (as_number) {
      number = in[i].scalar;
    } else if (in[i].tensor->device() != device) {
      number = in[i].tensor->item();  // a zero-dim CPU tensor used with a CUDA op
      as_number = true;
    }
    it.dtype[k] = want;
    if (as_number) {
      it.scalar_mask |= 1u << k;
      if (is_floating_point(want)) {
        it.scalar_d[k] = number.to_double();
      } else {
        it.scalar_i[k] = want == DType::Bool ? number.to_bool() : number.to_int64();
      }
      is_tensor[k] = false;
      sp[k] = nullptr;
      continue;
    }
    converted[k] = in[i].tensor->dtype() == want ? *in[i].tensor : in[i].tensor->to(want);
    strides[k] = broadcast_strides(converted[k], shape);
    sp[k] = strides[k].data();
    is_tensor[k] = true;
    it.data[k] = converted[k].data_ptr();
  }
  layout_iter(it, shape, sp, is_tensor, it.noperands, spec.name);
  if (it.numel > 0) lookup_kernel<ElementwiseKernel>(op, device)(it, args);

  if (write_back.defined()) {
    write_back.copy_(target);
    return write_back;
  }
  return target;
}

}  // namespace ember::detail
