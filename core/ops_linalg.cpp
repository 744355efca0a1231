// Matrix products (mm, bmm, matmul, addmm, linear): shape and dtype checks, torch.matmul's
// broadcasting rules, and the reduction of every product to one batched GEMM [B, M, K] x
// [B, K, N] that the device's gemm kernel runs. Operands keep their strides: a transposed or
// sliced matrix reaches the kernel as a BLAS transpose flag and leading dimension, and only a
// matrix with no unit stride is copied (Note [GEMM operand layouts]).
//
// Note [GEMM operand layouts]
// A BLAS reads a matrix row-major (unit column stride) or column-major (unit row stride) with a
// leading dimension at least its other size; blas_matrix_layout (core/kernel_signatures.h) says
// which. Both cuBLAS and OpenBLAS take the same two layouts, so this file decides once which
// operands need a copy, and the kernels only translate the layout into flags.
#include <atomic>
#include <climits>

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

std::atomic<bool> g_allow_tf32{false};

using detail::shape_string;

void check_operands(std::string_view op, const Tensor& a, const Tensor& b) {
  detail::nn_check_float(op, "self", a);
  detail::nn_check_float(op, "other", b);
  detail::nn_check_like(op, "self", a, "other", b);
}

int64_t product(IntArrayRef sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

// A [B, r, c] operand the kernel can hand to a BLAS as it is, else its contiguous copy.
Tensor blas_ready(const Tensor& m) {
  if (blas_matrix_layout(m.size(1), m.size(2), m.stride(1), m.stride(2)).ok) return m;
  return m.contiguous();
}

void check_blas_extent(std::string_view op, int64_t value) {
  EMBER_CHECK(value <= INT_MAX, Value,
              "{}: a matrix dimension of {} is larger than a BLAS can take (at most {})", op, value,
              INT_MAX);
}

// out [B, M, N] = alpha * a @ b (+ beta * bias). a [B, M, K], b [B, K, N] share dtype and device
// (checked by the caller); bias is undefined or already expanded to [B, M, N].
Tensor run_gemm(std::string_view op, const Tensor& a, const Tensor& b, const Tensor& bias,
                double alpha, double beta) {
  const int64_t B = a.size(0), M = a.size(1), K = a.size(2), N = b.size(2);
  for (int64_t v : {M, N, K}) check_blas_extent(op, v);
  Tensor out = detail::empty_tensor({B, M, N}, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  const Tensor a_ready = blas_ready(a), b_ready = blas_ready(b);
  for (const Tensor* t : {&a_ready, &b_ready})
    for (int64_t d : {1, 2}) check_blas_extent(op, t->stride(d));
  kernel_for<OpId::gemm>(a.device())(out, a_ready, b_ready, bias, alpha, beta);
  return out;
}

[[noreturn]] void throw_inner_mismatch(std::string_view op, const Tensor& a, const Tensor& b,
                                       int64_t ka, int64_t kb) {
  EMBER_FAIL(Shape, "{}: shapes {} and {} cannot be multiplied ({} != {})", op,
             shape_string(a.sizes()), shape_string(b.sizes()), ka, kb);
}

// [..., r, c] with its leading dims collapsed into one batch dim: [B, r, c] (a view when the
// strides allow it, else a copy).
Tensor collapse_batch(const Tensor& t) {
  const int64_t nd = t.dim();
  return t.reshape({product(t.sizes().slice(0, nd - 2)), t.size(nd - 2), t.size(nd - 1)});
}

// Whether the dims [0, nd - 1) of t merge into one dim without a copy.
bool leading_dims_merge(const Tensor& t) {
  int64_t expected = -1;  // the stride the next kept dim must have, once known
  for (int64_t d = t.dim() - 2; d >= 0; --d) {
    if (t.size(d) == 1) continue;
    if (expected >= 0 && t.stride(d) != expected) return false;
    expected = t.stride(d) * t.size(d);
  }
  return true;
}

}  // namespace

void set_allow_tf32(bool allow) {
  g_allow_tf32.store(allow, std::memory_order_relaxed);
}
bool allow_tf32() {
  return g_allow_tf32.load(std::memory_order_relaxed);
}

Tensor mm(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(mm, self, other);
  check_operands("mm", self, other);
  EMBER_CHECK(self.dim() == 2 && other.dim() == 2, Shape,
              "mm: expected 2-D tensors, got self {} and other {}; use matmul for other ranks",
              shape_string(self.sizes()), shape_string(other.sizes()));
  if (self.size(1) != other.size(0))
    throw_inner_mismatch("mm", self, other, self.size(1), other.size(0));
  return run_gemm("mm", self.unsqueeze(0), other.unsqueeze(0), Tensor(), 1.0, 0.0).squeeze(0);
}

Tensor bmm(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(bmm, self, other);
  check_operands("bmm", self, other);
  EMBER_CHECK(self.dim() == 3 && other.dim() == 3, Shape,
              "bmm: expected 3-D tensors, got self {} and other {}", shape_string(self.sizes()),
              shape_string(other.sizes()));
  EMBER_CHECK(self.size(0) == other.size(0), Shape,
              "bmm: batch sizes differ: self {} and other {} ({} != {})",
              shape_string(self.sizes()), shape_string(other.sizes()), self.size(0), other.size(0));
  if (self.size(2) != other.size(1))
    throw_inner_mismatch("bmm", self, other, self.size(2), other.size(1));
  return run_gemm("bmm", self, other, Tensor(), 1.0, 0.0);
}

Tensor matmul(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(matmul, self, other);
  check_operands("matmul", self, other);
  const int64_t da = self.dim(), db = other.dim();
  EMBER_CHECK(da >= 1 && db >= 1, Shape,
              "matmul: both arguments need at least 1 dimension, got {}-D and {}-D tensors", da,
              db);
  const int64_t ka = self.size(-1), kb = db == 1 ? other.size(0) : other.size(-2);
  if (ka != kb) throw_inner_mismatch("matmul", self, other, ka, kb);

  if (da <= 2 && db <= 2) {
    const Tensor a2 = da == 1 ? self.unsqueeze(0) : self;
    const Tensor b2 = db == 1 ? other.unsqueeze(1) : other;
    Tensor out = run_gemm("matmul", a2.unsqueeze(0), b2.unsqueeze(0), Tensor(), 1.0, 0.0);
    if (da == 1 && db == 1) return out.view(IntArrayRef{});
    if (da == 1) return out.view({b2.size(1)});
    if (db == 1) return out.view({a2.size(0)});
    return out.squeeze(0);
  }

  // [..., n, k] @ [k, m] (or [k]): one GEMM over all rows when self's batch dims fold into its
  // rows without a copy (PyTorch folds too).
  if (da >= 3 && db <= 2 && leading_dims_merge(self)) {
    const Tensor b2 = db == 1 ? other.unsqueeze(1) : other;
    const int64_t rows = product(self.sizes().slice(0, da - 1));
    const Tensor a2 = self.reshape({rows, ka});
    const Tensor out = run_gemm("matmul", a2.unsqueeze(0), b2.unsqueeze(0), Tensor(), 1.0, 0.0);
    DimVector shape(self.sizes().begin(), self.sizes().end() - 1);
    if (db == 2) shape.push_back(other.size(1));
    return out.view(shape);
  }

  // Batched: broadcast the batch dims, collapse them into one, one batched GEMM.
  const Tensor a = da == 1 ? self.unsqueeze(0) : self;
  const Tensor b = db == 1 ? other.unsqueeze(1) : other;
  const IntArrayRef batch_a = a.sizes().slice(0, a.dim() - 2);
  const IntArrayRef batch_b = b.sizes().slice(0, b.dim() - 2);
  const DimVector batch = detail::broadcast_shapes_or_throw({batch_a, batch_b}, "matmul");
  const int64_t n = a.size(-2), m = b.size(-1);
  DimVector a_shape = batch, b_shape = batch;
  a_shape.push_back(n);
  a_shape.push_back(ka);
  b_shape.push_back(ka);
  b_shape.push_back(m);
  const Tensor out = run_gemm("matmul", collapse_batch(a.expand(a_shape)),
                              collapse_batch(b.expand(b_shape)), Tensor(), 1.0, 0.0);
  DimVector shape = batch;
  if (da > 1) shape.push_back(n);
  if (db > 1) shape.push_back(m);
  return out.view(shape);
}

Tensor addmm(const Tensor& bias, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  EMBER_AUTOGRAD(addmm, bias, mat1, mat2, beta, alpha);
  check_operands("addmm", mat1, mat2);
  detail::nn_check_defined("addmm", "bias", bias);
  detail::nn_check_like("addmm", "mat1", mat1, "bias", bias);
  EMBER_CHECK(mat1.dim() == 2 && mat2.dim() == 2, Shape,
              "addmm: expected 2-D matrices, got mat1 {} and mat2 {}", shape_string(mat1.sizes()),
              shape_string(mat2.sizes()));
  if (mat1.size(1) != mat2.size(0))
    throw_inner_mismatch("addmm", mat1, mat2, mat1.size(1), mat2.size(0));
  const int64_t M = mat1.size(0), N = mat2.size(1);
  const DimVector shape =
      detail::broadcast_shapes_or_throw({bias.sizes(), IntArrayRef{M, N}}, "addmm");
  EMBER_CHECK(shape.size() == 2 && shape[0] == M && shape[1] == N, Shape,
              "addmm: bias {} does not broadcast to the product's shape [{}, {}]",
              shape_string(bias.sizes()), M, N);
  const double b = beta.to_double();
  const Tensor bias3 = b == 0.0 ? Tensor() : bias.expand({M, N}).unsqueeze(0);
  return run_gemm("addmm", mat1.unsqueeze(0), mat2.unsqueeze(0), bias3, alpha.to_double(), b)
      .squeeze(0);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  EMBER_AUTOGRAD(linear, input, weight, bias);
  detail::nn_check_float("linear", "input", input);
  detail::nn_check_float("linear", "weight", weight);
  detail::nn_check_like("linear", "input", input, "weight", weight);
  detail::nn_check_like("linear", "input", input, "bias", bias);
  EMBER_CHECK(weight.dim() == 2, Shape, "linear: expected a 2-D weight [out, in], got {}",
              shape_string(weight.sizes()));
  EMBER_CHECK(input.dim() >= 1, Shape, "linear: expected an input of at least 1 dim, got {}",
              shape_string(input.sizes()));
  const int64_t in = weight.size(1), out_features = weight.size(0);
  EMBER_CHECK(input.size(-1) == in, Shape,
              "linear: input {} and weight {} do not match (input's last dim {} != weight's "
              "in_features {})",
              shape_string(input.sizes()), shape_string(weight.sizes()), input.size(-1), in);
  EMBER_CHECK(
      !bias.defined() || bias.dim() == 0 || (bias.dim() == 1 && bias.size(0) == out_features),
      Shape, "linear: expected bias of shape [{}], got {}", out_features,
      bias.defined() ? shape_string(bias.sizes()) : "undefined");
  const int64_t rows = product(input.sizes().slice(0, input.dim() - 1));
  const Tensor x2 = input.reshape({1, rows, in});
  const Tensor w_t = weight.t().unsqueeze(0);
  const Tensor bias3 = bias.defined() ? bias.expand({1, rows, out_features}) : Tensor();
  const Tensor out = run_gemm("linear", x2, w_t, bias3, 1.0, 1.0);
  DimVector shape(input.sizes().begin(), input.sizes().end() - 1);
  shape.push_back(out_features);
  return out.view(shape);
}

}  // namespace ember
