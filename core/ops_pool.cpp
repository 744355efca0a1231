// Pooling ops (max_pool2d, avg_pool2d, adaptive_avg_pool2d and their backward): checks of the
// input ([N, C, H, W] or [C, H, W]) and of the window geometry, PyTorch's output-size rule
// (ceil_mode included), and the kernels' call on contiguous [planes, H, W] views.
#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

using detail::shape_string;

void check_pool_input(std::string_view op, const Tensor& input) {
  detail::nn_check_float(op, "input", input);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, Shape,
              "{}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got {}", op,
              shape_string(input.sizes()));
  for (int64_t d = input.dim() - 3; d < input.dim(); ++d)
    EMBER_CHECK(input.size(d) > 0, Shape,
                "{}: expected an input with non-zero channel and spatial sizes, got {}", op,
                shape_string(input.sizes()));
}

// PyTorch's pooling_output_shape: windows that start inside the input or its left padding.
int64_t pooled_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation,
                    bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

struct PoolGeometry {
  Pool2dParams params;
  int64_t out_h = 0, out_w = 0;
};

PoolGeometry pool_geometry(std::string_view op, const Tensor& input, IntArrayRef kernel_size,
                           IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                           bool ceil_mode) {
  const auto k = detail::nn_pair(op, "kernel_size", kernel_size, 1);
  const auto s = stride.empty() ? k : detail::nn_pair(op, "stride", stride, 1);
  const auto p = detail::nn_pair(op, "padding", padding, 0);
  const auto d = detail::nn_pair(op, "dilation", dilation, 1);
  EMBER_CHECK(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, Value,
              "{}: padding [{}, {}] must be at most half of kernel_size [{}, {}]", op, p[0], p[1],
              k[0], k[1]);
  PoolGeometry g;
  for (int i = 0; i < 2; ++i) {
    g.params.kernel[i] = k[i];
    g.params.stride[i] = s[i];
    g.params.padding[i] = p[i];
    g.params.dilation[i] = d[i];
  }
  const int64_t h = input.size(-2), w = input.size(-1);
  g.out_h = pooled_size(h, k[0], p[0], s[0], d[0], ceil_mode);
  g.out_w = pooled_size(w, k[1], p[1], s[1], d[1], ceil_mode);
  EMBER_CHECK(g.out_h >= 1 && g.out_w >= 1, Shape,
              "{}: input {} is too small for kernel_size [{}, {}] with dilation [{}, {}] and "
              "padding [{}, {}] (the output would be [{}, {}])",
              op, shape_string(input.sizes()), k[0], k[1], d[0], d[1], p[0], p[1], g.out_h,
              g.out_w);
  return g;
}

int64_t plane_count(const Tensor& t) {
  return t.dim() == 4 ? t.size(0) * t.size(1) : t.size(0);
}

// input as contiguous planes [P, H, W].
Tensor planes_of(const Tensor& t) {
  return t.contiguous().view({plane_count(t), t.size(-2), t.size(-1)});
}

// The shape of input with its spatial dims replaced by [h, w].
DimVector with_spatial(const Tensor& input, int64_t h, int64_t w) {
  DimVector shape(input.sizes().begin(), input.sizes().end());
  shape[shape.size() - 2] = h;
  shape[shape.size() - 1] = w;
  return shape;
}

// grad_output must have the forward output's shape.
void check_grad_output(std::string_view op, const Tensor& grad_output, const Tensor& input,
                       IntArrayRef expected) {
  detail::nn_check_defined(op, "grad_output", grad_output);
  detail::nn_check_like(op, "input", input, "grad_output", grad_output);
  EMBER_CHECK(grad_output.sizes() == expected, Shape,
              "{}: grad_output {} does not match the output shape {} of input {}", op,
              shape_string(grad_output.sizes()), shape_string(expected),
              shape_string(input.sizes()));
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  EMBER_AUTOGRAD(max_pool2d_with_indices, input, kernel_size, stride, padding, dilation, ceil_mode);
  check_pool_input("max_pool2d", input);
  const PoolGeometry g =
      pool_geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode);
  const DimVector shape = with_spatial(input, g.out_h, g.out_w);
  Tensor out = detail::empty_tensor(shape, input.dtype(), input.device());
  Tensor indices = detail::empty_tensor(shape, kInt64, input.device());
  const int64_t planes = plane_count(input);
  kernel_for<OpId::max_pool2d>(input.device())(out.view({planes, g.out_h, g.out_w}),
                                               indices.view({planes, g.out_h, g.out_w}),
                                               planes_of(input), g.params);
  return {out, indices};
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& indices) {
  check_pool_input("max_pool2d_backward", input);
  detail::nn_check_defined("max_pool2d_backward", "indices", indices);
  EMBER_CHECK(indices.dtype() == kInt64, DType,
              "max_pool2d_backward: indices must be int64, got {}", dtype_name(indices.dtype()));
  EMBER_CHECK(indices.device() == input.device(), Device,
              "max_pool2d_backward: indices are on {} but the input is on {}; pass the indices "
              "max_pool2d_with_indices returned for this input",
              indices.device().str(), input.device().str());
  EMBER_CHECK(indices.dim() == input.dim() && indices.sizes().slice(0, input.dim() - 2) ==
                                                  input.sizes().slice(0, input.dim() - 2),
              Shape, "max_pool2d_backward: indices {} do not belong to input {}",
              shape_string(indices.sizes()), shape_string(input.sizes()));
  check_grad_output("max_pool2d_backward", grad_output, input, indices.sizes());
  Tensor grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  const int64_t planes = plane_count(input);
  kernel_for<OpId::max_pool2d_backward>(input.device())(
      grad_input.view({planes, input.size(-2), input.size(-1)}), planes_of(grad_output),
      planes_of(indices));
  return grad_input;
}

namespace {
PoolGeometry avg_geometry(std::string_view op, const Tensor& input, IntArrayRef kernel_size,
                          IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                          bool count_include_pad, std::optional<int64_t> divisor_override) {
  check_pool_input(op, input);
  PoolGeometry g = pool_geometry(op, input, kernel_size, stride, padding, 1, ceil_mode);
  EMBER_CHECK(!divisor_override || *divisor_override != 0, Value,
              "{}: divisor_override must be non-zero", op);
  g.params.count_include_pad = count_include_pad;
  g.params.divisor_override = divisor_override.value_or(0);
  return g;
}
}  // namespace

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  EMBER_AUTOGRAD(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override);
  const PoolGeometry g = avg_geometry("avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                                      count_include_pad, divisor_override);
  Tensor out =
      detail::empty_tensor(with_spatial(input, g.out_h, g.out_w), input.dtype(), input.device());
  kernel_for<OpId::avg_pool2d>(input.device())(out.view({plane_count(input), g.out_h, g.out_w}),
                                               planes_of(input), g.params);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_output, const Tensor& input, IntArrayRef kernel_size,
                           IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                           bool count_include_pad, std::optional<int64_t> divisor_override) {
  const PoolGeometry g = avg_geometry("avg_pool2d_backward", input, kernel_size, stride, padding,
                                      ceil_mode, count_include_pad, divisor_override);
  check_grad_output("avg_pool2d_backward", grad_output, input,
                    with_spatial(input, g.out_h, g.out_w));
  Tensor grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  kernel_for<OpId::avg_pool2d_backward>(input.device())(
      grad_input.view({plane_count(input), input.size(-2), input.size(-1)}), planes_of(grad_output),
      g.params);
  return grad_input;
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  EMBER_AUTOGRAD(adaptive_avg_pool2d, input, output_size);
  check_pool_input("adaptive_avg_pool2d", input);
  const auto o = detail::nn_pair("adaptive_avg_pool2d", "output_size", output_size, 1);
  Tensor out = detail::empty_tensor(with_spatial(input, o[0], o[1]), input.dtype(), input.device());
  kernel_for<OpId::adaptive_avg_pool2d>(input.device())(out.view({plane_count(input), o[0], o[1]}),
                                                        planes_of(input));
  return out;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& input) {
  check_pool_input("adaptive_avg_pool2d_backward", input);
  detail::nn_check_defined("adaptive_avg_pool2d_backward", "grad_output", grad_output);
  EMBER_CHECK(grad_output.dim() == input.dim() &&
                  grad_output.sizes().slice(0, input.dim() - 2) ==
                      input.sizes().slice(0, input.dim() - 2) &&
                  grad_output.size(-1) >= 1 && grad_output.size(-2) >= 1,
              Shape, "adaptive_avg_pool2d_backward: grad_output {} does not belong to input {}",
              shape_string(grad_output.sizes()), shape_string(input.sizes()));
  detail::nn_check_like("adaptive_avg_pool2d_backward", "input", input, "grad_output", grad_output);
  Tensor grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  kernel_for<OpId::adaptive_avg_pool2d_backward>(input.device())(
      grad_input.view({plane_count(input), input.size(-2), input.size(-1)}),
      planes_of(grad_output));
  return grad_input;
}

}  // namespace ember
