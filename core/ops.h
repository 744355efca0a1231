// The foundation's ops as free functions (ember::add, ember::sum, ...), with PyTorch's semantics:
// broadcasting, type promotion, scalar operands, strided inputs, `_out` forms that write into a
// given tensor. Each checks its inputs once, device-neutrally, then runs the kernel registered for
// the inputs' device (core/dispatch.h). Tensor's methods forward here.
#pragma once

#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// ---- element-wise binary ----
// add: self + alpha * other. sub: self - alpha * other.
EMBER_API Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
EMBER_API Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
EMBER_API Tensor& add_out(Tensor& out, const Tensor& self, const Tensor& other,
                          const Scalar& alpha = 1);
EMBER_API Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
EMBER_API Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
EMBER_API Tensor& sub_out(Tensor& out, const Tensor& self, const Tensor& other,
                          const Scalar& alpha = 1);
// rsub(self, other) = other - alpha * self.
EMBER_API Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
EMBER_API Tensor mul(const Tensor& self, const Tensor& other);
EMBER_API Tensor mul(const Tensor& self, const Scalar& other);
EMBER_API Tensor& mul_out(Tensor& out, const Tensor& self, const Tensor& other);
// True division: integer inputs give a floating result.
EMBER_API Tensor div(const Tensor& self, const Tensor& other);
EMBER_API Tensor div(const Tensor& self, const Scalar& other);
EMBER_API Tensor div(const Scalar& self, const Tensor& other);
EMBER_API Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor pow(const Tensor& self, const Tensor& exponent);
EMBER_API Tensor pow(const Tensor& self, const Scalar& exponent);
EMBER_API Tensor pow(const Scalar& self, const Tensor& exponent);
EMBER_API Tensor& pow_out(Tensor& out, const Tensor& self, const Tensor& exponent);
EMBER_API Tensor maximum(const Tensor& self, const Tensor& other);
EMBER_API Tensor& maximum_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor minimum(const Tensor& self, const Tensor& other);
EMBER_API Tensor& minimum_out(Tensor& out, const Tensor& self, const Tensor& other);

// ---- comparisons and logic (results are bool) ----
EMBER_API Tensor eq(const Tensor& self, const Tensor& other);
EMBER_API Tensor eq(const Tensor& self, const Scalar& other);
EMBER_API Tensor ne(const Tensor& self, const Tensor& other);
EMBER_API Tensor ne(const Tensor& self, const Scalar& other);
EMBER_API Tensor lt(const Tensor& self, const Tensor& other);
EMBER_API Tensor lt(const Tensor& self, const Scalar& other);
EMBER_API Tensor le(const Tensor& self, const Tensor& other);
EMBER_API Tensor le(const Tensor& self, const Scalar& other);
EMBER_API Tensor gt(const Tensor& self, const Tensor& other);
EMBER_API Tensor gt(const Tensor& self, const Scalar& other);
EMBER_API Tensor ge(const Tensor& self, const Tensor& other);
EMBER_API Tensor ge(const Tensor& self, const Scalar& other);
EMBER_API Tensor& eq_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor& ne_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor& lt_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor& le_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor& gt_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor& ge_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_API Tensor logical_and(const Tensor& self, const Tensor& other);
EMBER_API Tensor logical_or(const Tensor& self, const Tensor& other);
EMBER_API Tensor logical_xor(const Tensor& self, const Tensor& other);
EMBER_API Tensor logical_not(const Tensor& self);
// True where both are equal within atol + rtol * |other| (NaN never close).
EMBER_API Tensor isclose(const Tensor& self, const Tensor& other, double rtol = 1e-5,
                         double atol = 1e-8);
EMBER_API bool allclose(const Tensor& self, const Tensor& other, double rtol = 1e-5,
                        double atol = 1e-8);
// Same sizes and the same values (dtypes may differ; compared after promotion).
EMBER_API bool equal(const Tensor& self, const Tensor& other);

// ---- element-wise unary ----
EMBER_API Tensor neg(const Tensor& self);
EMBER_API Tensor abs(const Tensor& self);
EMBER_API Tensor exp(const Tensor& self);
EMBER_API Tensor log(const Tensor& self);
EMBER_API Tensor log1p(const Tensor& self);
EMBER_API Tensor sqrt(const Tensor& self);
EMBER_API Tensor rsqrt(const Tensor& self);
EMBER_API Tensor sin(const Tensor& self);
EMBER_API Tensor cos(const Tensor& self);
EMBER_API Tensor tanh(const Tensor& self);
EMBER_API Tensor sigmoid(const Tensor& self);
EMBER_API Tensor relu(const Tensor& self);
EMBER_API Tensor sign(const Tensor& self);
EMBER_API Tensor square(const Tensor& self);
EMBER_API Tensor reciprocal(const Tensor& self);
EMBER_API Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope = 0.01);
// approximate: "none" (erf) or "tanh".
EMBER_API Tensor gelu(const Tensor& self, std::string_view approximate = "none");
EMBER_API Tensor clamp(const Tensor& self, std::optional<Scalar> min,
                       std::optional<Scalar> max = std::nullopt);
EMBER_API Tensor clamp_min(const Tensor& self, const Scalar& min);
EMBER_API Tensor clamp_max(const Tensor& self, const Scalar& max);
// `_out` forms of the unary ops write into out (resized if it has no elements).
EMBER_API Tensor& neg_out(Tensor& out, const Tensor& self);
EMBER_API Tensor& exp_out(Tensor& out, const Tensor& self);
EMBER_API Tensor& relu_out(Tensor& out, const Tensor& self);

// ---- backward of activations (what autograd runs; usable in custom functions) ----
// grad where self > threshold, else 0 (relu's backward with threshold 0).
EMBER_API Tensor threshold_backward(const Tensor& grad, const Tensor& self,
                                    const Scalar& threshold);
EMBER_API Tensor leaky_relu_backward(const Tensor& grad, const Tensor& self,
                                     const Scalar& negative_slope);
EMBER_API Tensor gelu_backward(const Tensor& grad, const Tensor& self,
                               std::string_view approximate = "none");
// From the forward output: grad * y * (1 - y) and grad * (1 - y^2).
EMBER_API Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);
EMBER_API Tensor tanh_backward(const Tensor& grad, const Tensor& output);

// ---- selection ----
// condition ? self : other, broadcast together.
EMBER_API Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other);
EMBER_API Tensor where(const Tensor& condition, const Scalar& self, const Tensor& other);
EMBER_API Tensor where(const Tensor& condition, const Tensor& self, const Scalar& other);
EMBER_API Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);

// ---- reductions ----
// An empty dims list reduces over every dim. Integer and bool inputs sum to int64.
EMBER_API Tensor sum(const Tensor& self, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor sum(const Tensor& self, IntArrayRef dims, bool keepdim = false,
                     std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor& sum_out(Tensor& out, const Tensor& self, IntArrayRef dims, bool keepdim = false);
EMBER_API Tensor mean(const Tensor& self, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor mean(const Tensor& self, IntArrayRef dims, bool keepdim = false,
                      std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor prod(const Tensor& self, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor prod(const Tensor& self, int64_t dim, bool keepdim = false,
                      std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor max(const Tensor& self);
EMBER_API std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim = false);
EMBER_API Tensor min(const Tensor& self);
EMBER_API std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim = false);
EMBER_API Tensor amax(const Tensor& self, IntArrayRef dims = {}, bool keepdim = false);
EMBER_API Tensor amin(const Tensor& self, IntArrayRef dims = {}, bool keepdim = false);
EMBER_API Tensor argmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt,
                        bool keepdim = false);
EMBER_API Tensor argmin(const Tensor& self, std::optional<int64_t> dim = std::nullopt,
                        bool keepdim = false);
EMBER_API Tensor var(const Tensor& self, IntArrayRef dims = {}, int64_t correction = 1,
                     bool keepdim = false);
EMBER_API Tensor std(const Tensor& self, IntArrayRef dims = {}, int64_t correction = 1,
                     bool keepdim = false);
// p-norm over dims (p = 2 by default; inf and -inf give max and min of |x|; 0 counts non-zeros).
EMBER_API Tensor norm(const Tensor& self, const Scalar& p = 2, IntArrayRef dims = {},
                      bool keepdim = false);
EMBER_API Tensor logsumexp(const Tensor& self, IntArrayRef dims, bool keepdim = false);
EMBER_API Tensor all(const Tensor& self);
EMBER_API Tensor all(const Tensor& self, int64_t dim, bool keepdim = false);
EMBER_API Tensor any(const Tensor& self);
EMBER_API Tensor any(const Tensor& self, int64_t dim, bool keepdim = false);

// ---- joining ----
EMBER_API Tensor cat(TensorList tensors, int64_t dim = 0);
EMBER_API Tensor stack(TensorList tensors, int64_t dim = 0);

// ---- indexing ----
// index: 1-D int64 (or int32) indices into dim.
EMBER_API Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
EMBER_API Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
EMBER_API Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index,
                             const Tensor& src);
// num_classes = -1 takes max(index) + 1. Result is int64 with a trailing dim of num_classes.
EMBER_API Tensor one_hot(const Tensor& index, int64_t num_classes = -1);
// Indices of the non-zero elements, shape [count, dim], int64.
EMBER_API Tensor nonzero(const Tensor& self);

// ---- sorting and scans ----
// Stable; NaN sorts as the largest value, like PyTorch.
EMBER_API std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1,
                                          bool descending = false);
EMBER_API Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false);
EMBER_API std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1,
                                          bool largest = true, bool sorted = true);
EMBER_API Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);

// ---- views and copies (Tensor's methods are the main spelling) ----
EMBER_API Tensor reshape(const Tensor& self, IntArrayRef sizes);
EMBER_API Tensor flatten(const Tensor& self, int64_t start_dim = 0, int64_t end_dim = -1);
EMBER_API Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1);
EMBER_API Tensor permute(const Tensor& self, IntArrayRef dims);
EMBER_API Tensor squeeze(const Tensor& self);
EMBER_API Tensor unsqueeze(const Tensor& self, int64_t dim);
EMBER_API Tensor clone(const Tensor& self);
// Broadcast shape of several shapes, or ShapeError naming op and the shapes.
EMBER_API std::vector<int64_t> broadcast_shapes(ArrayRef<IntArrayRef> shapes);
EMBER_API std::vector<Tensor> broadcast_tensors(TensorList tensors);

}  // namespace ember
