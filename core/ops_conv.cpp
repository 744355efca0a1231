// conv2d and its backward: checks of shapes (input, weight, bias, groups), of the geometry
// (stride, padding, dilation) and of dtypes and devices, the output's allocation, and the call
// of the device's kernel on contiguous operands. An unbatched [C, H, W] input runs as a batch
// of one.
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

struct ConvGeometry {
  Conv2dParams params;
  int64_t out_h = 0, out_w = 0;
};

// Checks input [N, Cin, H, W] (already 4-D), weight and bias against each other and the
// geometry, and computes the output's spatial size.
ConvGeometry check_conv(std::string_view op, const Tensor& input, IntArrayRef input_shape,
                        const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  detail::nn_check_float(op, "input", input);
  detail::nn_check_float(op, "weight", weight);
  detail::nn_check_like(op, "input", input, "weight", weight);
  detail::nn_check_like(op, "input", input, "bias", bias);
  EMBER_CHECK(weight.dim() == 4, Shape,
              "{}: expected a 4-D weight [out_channels, in_channels / groups, kh, kw], got {}", op,
              shape_string(weight.sizes()));
  EMBER_CHECK(groups >= 1, Value, "{}: groups must be positive, got {}", op, groups);
  const int64_t cout = weight.size(0), cin = input.size(1);
  EMBER_CHECK(cout % groups == 0, Shape,
              "{}: out_channels {} (weight {}) is not divisible by groups {}", op, cout,
              shape_string(weight.sizes()), groups);
  EMBER_CHECK(cin == weight.size(1) * groups, Shape,
              "{}: input {} has {} channels, but weight {} with groups {} expects {} channels", op,
              shape_string(input_shape), cin, shape_string(weight.sizes()), groups,
              weight.size(1) * groups);
  detail::nn_check_vector(op, "bias", bias, cout);

  ConvGeometry g;
  const auto s = detail::nn_pair(op, "stride", stride, 1);
  const auto p = detail::nn_pair(op, "padding", padding, 0);
  const auto d = detail::nn_pair(op, "dilation", dilation, 1);
  for (int i = 0; i < 2; ++i) {
    g.params.stride[i] = s[i];
    g.params.padding[i] = p[i];
    g.params.dilation[i] = d[i];
  }
  g.params.groups = groups;
  const int64_t kh = weight.size(2), kw = weight.size(3);
  const int64_t padded_h = input.size(2) + 2 * p[0], padded_w = input.size(3) + 2 * p[1];
  const int64_t eff_h = d[0] * (kh - 1) + 1, eff_w = d[1] * (kw - 1) + 1;
  EMBER_CHECK(kh > 0 && kw > 0 && eff_h <= padded_h && eff_w <= padded_w, Shape,
              "{}: kernel [{}, {}] (dilated to [{}, {}]) does not fit the padded input [{}, {}] "
              "of input {}; use a smaller kernel or dilation, or more padding",
              op, kh, kw, eff_h, eff_w, padded_h, padded_w, shape_string(input_shape));
  g.out_h = (padded_h - eff_h) / s[0] + 1;
  g.out_w = (padded_w - eff_w) / s[1] + 1;
  return g;
}

// input as 4-D: [C, H, W] -> [1, C, H, W].
Tensor batched(std::string_view op, const Tensor& input) {
  detail::nn_check_defined(op, "input", input);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, Shape,
              "{}: expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], got {}", op,
              shape_string(input.sizes()));
  return input.dim() == 3 ? input.unsqueeze(0) : input;
}

Tensor contiguous_or_undefined(const Tensor& t) {
  return t.defined() ? t.contiguous() : t;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  EMBER_AUTOGRAD(conv2d, input, weight, bias, stride, padding, dilation, groups);
  const Tensor x = batched("conv2d", input);
  const ConvGeometry g =
      check_conv("conv2d", x, input.sizes(), weight, bias, stride, padding, dilation, groups);
  Tensor out =
      detail::empty_tensor({x.size(0), weight.size(0), g.out_h, g.out_w}, x.dtype(), x.device());
  if (out.numel() > 0) {
    kernel_for<OpId::conv2d>(x.device())(out, x.contiguous(), weight.contiguous(),
                                         contiguous_or_undefined(bias), g.params);
  }
  return input.dim() == 3 ? out.squeeze(0) : out;
}

std::tuple<Tensor, Tensor, Tensor> conv2d_backward(const Tensor& grad_output, const Tensor& input,
                                                   const Tensor& weight, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation,
                                                   int64_t groups,
                                                   std::array<bool, 3> output_mask) {
  const Tensor x = batched("conv2d_backward", input);
  const ConvGeometry g = check_conv("conv2d_backward", x, input.sizes(), weight, Tensor(), stride,
                                    padding, dilation, groups);
  detail::nn_check_defined("conv2d_backward", "grad_output", grad_output);
  detail::nn_check_like("conv2d_backward", "input", x, "grad_output", grad_output);
  const Tensor gy =
      input.dim() == 3 && grad_output.dim() == 3 ? grad_output.unsqueeze(0) : grad_output;
  const DimVector expected{x.size(0), weight.size(0), g.out_h, g.out_w};
  EMBER_CHECK(gy.sizes() == IntArrayRef(expected), Shape,
              "conv2d_backward: grad_output {} does not match the output shape {} of input {} "
              "and weight {}",
              shape_string(grad_output.sizes()), shape_string(expected),
              shape_string(input.sizes()), shape_string(weight.sizes()));
  Tensor grad_input, grad_weight, grad_bias;
  if (output_mask[0]) grad_input = detail::empty_tensor(x.sizes(), x.dtype(), x.device());
  if (output_mask[1]) grad_weight = detail::empty_tensor(weight.sizes(), x.dtype(), x.device());
  if (output_mask[2]) grad_bias = detail::empty_tensor({weight.size(0)}, x.dtype(), x.device());
  if (output_mask[0] || output_mask[1] || output_mask[2]) {
    kernel_for<OpId::conv2d_backward>(x.device())(grad_input, grad_weight, grad_bias,
                                                  gy.contiguous(), x.contiguous(),
                                                  weight.contiguous(), g.params);
  }
  if (grad_input.defined() && input.dim() == 3) grad_input = grad_input.squeeze(0);
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace ember
