// The autograd layer of the dispatcher (internal). Each differentiable public op starts with
// EMBER_AUTOGRAD(slot, args...): when grad mode is on and an input requires grad, the call goes to
// the op's autograd wrapper in slot `slot` (registered by autograd/, which core cannot include),
// which runs the op again below autograd and records its backward Node. Otherwise the op runs
// natively at the cost of one thread-local read and a pointer test per input.
//
// Note [In-place ops and autograd]
// In-place ops share one slot, `inplace`: the op is replayed out of place under autograd on a
// copy of self's old value (which its formula may save), the result is copied into self, and
// self's history is rebased onto the result's node. The leaf and view checks live there, once.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ember/core/grad_mode.h"
#include "ember/core/nn_ops.h"
#include "ember/core/tensor.h"

namespace ember {

// Two results (values and indices); a name without a comma, for the macro list below.
using TensorPair = std::tuple<Tensor, Tensor>;
using TensorTriple = std::tuple<Tensor, Tensor, Tensor>;

// clang-format off
#define EMBER_FOREACH_AUTOGRAD_SLOT(X)                                                     \
  X(add, Tensor(const Tensor&, const Tensor&, const Scalar&))                              \
  X(add_scalar, Tensor(const Tensor&, const Scalar&, const Scalar&))                       \
  X(sub, Tensor(const Tensor&, const Tensor&, const Scalar&))                              \
  X(rsub_scalar, Tensor(const Tensor&, const Scalar&, const Scalar&))                      \
  X(mul, Tensor(const Tensor&, const Tensor&))                                             \
  X(mul_scalar, Tensor(const Tensor&, const Scalar&))                                      \
  X(div, Tensor(const Tensor&, const Tensor&))                                             \
  X(div_scalar, Tensor(const Tensor&, const Scalar&))                                      \
  X(scalar_div, Tensor(const Scalar&, const Tensor&))                                      \
  X(pow, Tensor(const Tensor&, const Tensor&))                                             \
  X(pow_scalar, Tensor(const Tensor&, const Scalar&))                                      \
  X(scalar_pow, Tensor(const Scalar&, const Tensor&))                                      \
  X(maximum, Tensor(const Tensor&, const Tensor&))                                         \
  X(minimum, Tensor(const Tensor&, const Tensor&))                                         \
  X(neg, Tensor(const Tensor&)) X(abs, Tensor(const Tensor&)) X(exp, Tensor(const Tensor&)) \
  X(log, Tensor(const Tensor&)) X(log1p, Tensor(const Tensor&)) X(sqrt, Tensor(const Tensor&)) \
  X(rsqrt, Tensor(const Tensor&)) X(sin, Tensor(const Tensor&)) X(cos, Tensor(const Tensor&)) \
  X(tanh, Tensor(const Tensor&)) X(sigmoid, Tensor(const Tensor&))                          \
  X(relu, Tensor(const Tensor&)) X(sign, Tensor(const Tensor&))                             \
  X(square, Tensor(const Tensor&)) X(reciprocal, Tensor(const Tensor&))                     \
  X(leaky_relu, Tensor(const Tensor&, const Scalar&))                                      \
  X(gelu, Tensor(const Tensor&, std::string_view))                                         \
  X(clamp, Tensor(const Tensor&, std::optional<Scalar>, std::optional<Scalar>))            \
  X(where, Tensor(const Tensor&, const Tensor&, const Tensor&))                            \
  X(masked_fill, Tensor(const Tensor&, const Tensor&, const Scalar&))                      \
  /* views and copies */                                                                   \
  X(view, Tensor(const Tensor&, IntArrayRef))                                              \
  X(reshape, Tensor(const Tensor&, IntArrayRef))                                           \
  X(as_strided, Tensor(const Tensor&, IntArrayRef, IntArrayRef, std::optional<int64_t>))   \
  X(transpose, Tensor(const Tensor&, int64_t, int64_t))                                    \
  X(permute, Tensor(const Tensor&, IntArrayRef))                                           \
  X(slice, Tensor(const Tensor&, int64_t, std::optional<int64_t>, std::optional<int64_t>, int64_t)) \
  X(select, Tensor(const Tensor&, int64_t, int64_t))                                       \
  X(expand, Tensor(const Tensor&, IntArrayRef))                                            \
  X(squeeze, Tensor(const Tensor&))                                                        \
  X(squeeze_dim, Tensor(const Tensor&, int64_t))                                           \
  X(unsqueeze, Tensor(const Tensor&, int64_t))                                             \
  X(clone, Tensor(const Tensor&))                                                          \
  X(to, Tensor(const Tensor&, Device, DType, bool, bool))                                  \
  /* reductions */                                                                         \
  X(sum, Tensor(const Tensor&, IntArrayRef, bool, std::optional<DType>))                   \
  X(mean, Tensor(const Tensor&, IntArrayRef, bool, std::optional<DType>))                  \
  X(prod, Tensor(const Tensor&, std::optional<int64_t>, bool, std::optional<DType>))       \
  X(amax, Tensor(const Tensor&, IntArrayRef, bool))                                        \
  X(amin, Tensor(const Tensor&, IntArrayRef, bool))                                        \
  X(max_dim, TensorPair(const Tensor&, int64_t, bool))                     \
  X(min_dim, TensorPair(const Tensor&, int64_t, bool))                     \
  X(var, Tensor(const Tensor&, IntArrayRef, int64_t, bool))                                \
  X(std, Tensor(const Tensor&, IntArrayRef, int64_t, bool))                                \
  X(norm, Tensor(const Tensor&, const Scalar&, IntArrayRef, bool))                         \
  X(logsumexp, Tensor(const Tensor&, IntArrayRef, bool))                                   \
  X(cumsum, Tensor(const Tensor&, int64_t, std::optional<DType>))                          \
  /* joining, indexing, sorting */                                                         \
  X(cat, Tensor(TensorList, int64_t))                                                      \
  X(index_select, Tensor(const Tensor&, int64_t, const Tensor&))                           \
  X(gather, Tensor(const Tensor&, int64_t, const Tensor&))                                 \
  X(scatter_add, Tensor(const Tensor&, int64_t, const Tensor&, const Tensor&))             \
  X(sort, TensorPair(const Tensor&, int64_t, bool))                        \
  X(topk, TensorPair(const Tensor&, int64_t, int64_t, bool, bool))         \
  /* neural-network ops */                                                                  \
  X(mm, Tensor(const Tensor&, const Tensor&))                                              \
  X(bmm, Tensor(const Tensor&, const Tensor&))                                             \
  X(matmul, Tensor(const Tensor&, const Tensor&))                                          \
  X(addmm, Tensor(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&)) \
  X(linear, Tensor(const Tensor&, const Tensor&, const Tensor&))                           \
  X(conv2d, Tensor(const Tensor&, const Tensor&, const Tensor&, IntArrayRef, IntArrayRef,  \
                   IntArrayRef, int64_t))                                                  \
  X(max_pool2d_with_indices, TensorPair(const Tensor&, IntArrayRef, IntArrayRef,            \
                                        IntArrayRef, IntArrayRef, bool))                    \
  X(avg_pool2d, Tensor(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, bool, bool,    \
                       std::optional<int64_t>))                                            \
  X(adaptive_avg_pool2d, Tensor(const Tensor&, IntArrayRef))                               \
  X(native_batch_norm, TensorTriple(const Tensor&, const Tensor&, const Tensor&,            \
                                    const Tensor&, const Tensor&, bool, double, double))    \
  X(native_layer_norm, TensorTriple(const Tensor&, IntArrayRef, const Tensor&,              \
                                    const Tensor&, double))                                 \
  X(softmax, Tensor(const Tensor&, int64_t, std::optional<DType>))                         \
  X(log_softmax, Tensor(const Tensor&, int64_t, std::optional<DType>))                     \
  X(cross_entropy, Tensor(const Tensor&, const Tensor&, const Tensor&, Reduction, int64_t,  \
                          double))                                                         \
  X(nll_loss, Tensor(const Tensor&, const Tensor&, const Tensor&, Reduction, int64_t))      \
  X(mse_loss, Tensor(const Tensor&, const Tensor&, Reduction))                             \
  X(l1_loss, Tensor(const Tensor&, const Tensor&, Reduction))                              \
  X(smooth_l1_loss, Tensor(const Tensor&, const Tensor&, Reduction, double))               \
  X(binary_cross_entropy, Tensor(const Tensor&, const Tensor&, const Tensor&, Reduction))  \
  X(binary_cross_entropy_with_logits, Tensor(const Tensor&, const Tensor&, const Tensor&,   \
                                             const Tensor&, Reduction))                    \
  X(embedding, Tensor(const Tensor&, const Tensor&, std::optional<int64_t>))              \
  /* in-place ops (Note [In-place ops and autograd]) */                                    \
  X(inplace, Tensor&(Tensor&, const std::function<Tensor(const Tensor&)>&, std::string_view))
// clang-format on

namespace autograd_slots {
#define EMBER_DECLARE_SLOT(name, sig) EMBER_API extern std::add_pointer_t<sig> name;
EMBER_FOREACH_AUTOGRAD_SLOT(EMBER_DECLARE_SLOT)
#undef EMBER_DECLARE_SLOT
}  // namespace autograd_slots

namespace detail {

inline bool requires_grad_arg(const Tensor& t) {
  return t.defined() && t.requires_grad();
}
inline bool requires_grad_arg(TensorList ts) {
  for (const Tensor& t : ts)
    if (requires_grad_arg(t)) return true;
  return false;
}
inline bool requires_grad_arg(const std::vector<Tensor>& ts) {
  return requires_grad_arg(TensorList(ts));
}
template <typename T>
inline bool requires_grad_arg(const T&) {
  return false;
}

// True when an op with these arguments must be recorded for autograd.
template <typename... Args>
inline bool needs_autograd(const Args&... args) {
  return (requires_grad_arg(args) || ...) && GradMode::is_enabled();
}

[[noreturn]] EMBER_API void throw_missing_formula(std::string_view slot);

template <typename Fn, typename... Args>
inline decltype(auto) call_slot(Fn* fn, std::string_view name, Args&&... args) {
  if (fn == nullptr) throw_missing_formula(name);
  return fn(std::forward<Args>(args)...);
}

}  // namespace detail
}  // namespace ember

// First line of a differentiable op: hand the call to its autograd wrapper when needed.
#define EMBER_AUTOGRAD(slot, ...)                                                           \
  do {                                                                                      \
    if (EMBER_UNLIKELY(::ember::detail::needs_autograd(__VA_ARGS__)))                       \
      return ::ember::detail::call_slot(::ember::autograd_slots::slot, #slot, __VA_ARGS__); \
  } while (0)

// First line of an in-place op on self: `out_of_place` is a lambda (const Tensor& old_self)
// -> Tensor computing self's new value; the other tensor arguments follow.
#define EMBER_AUTOGRAD_INPLACE(self, op_name, out_of_place, ...)                            \
  do {                                                                                      \
    if (EMBER_UNLIKELY(::ember::detail::needs_autograd(self __VA_OPT__(, ) __VA_ARGS__))) { \
      return ::ember::detail::call_slot(::ember::autograd_slots::inplace, "inplace", self,  \
                                        std::function<Tensor(const Tensor&)>(out_of_place), \
                                        op_name);                                           \
    }                                                                                       \
  } while (0)
