// Finite-difference checks of autograd's gradients.
#include "ember/autograd/gradcheck.h"

#include <cmath>

#include "ember/autograd/engine.h"
#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/grad_mode.h"
#include "ember/core/ops.h"

namespace ember::autograd {

namespace {

// A zero-dim view of element `linear` (row-major) of t, whatever t's strides.
Tensor element_view(const Tensor& t, int64_t linear) {
  Tensor e = t;
  int64_t rem = linear;
  std::vector<int64_t> idx(static_cast<size_t>(t.dim()));
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    idx[static_cast<size_t>(d)] = rem % t.size(d);
    rem /= t.size(d);
  }
  for (int64_t i : idx) e = e.select(0, i);
  return e;
}

// The output of fn as a flat float64 vector (computed without recording).
std::vector<double> evaluate(const TensorFunction& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  return fn(inputs).to_vector<double>();
}

}  // namespace

GradcheckResult gradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, double eps,
                          double atol, double rtol) {
  std::vector<size_t> diff_inputs;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) diff_inputs.push_back(i);
  EMBER_CHECK(!diff_inputs.empty(), Value, "gradcheck: no input requires grad");

  Tensor out = fn(inputs);
  const int64_t n_out = out.numel();
  // Analytical Jacobian, one row (output element) at a time.
  std::vector<std::vector<std::vector<double>>> analytical(diff_inputs.size());
  std::vector<Tensor> diff_tensors;
  for (size_t k : diff_inputs) diff_tensors.push_back(inputs[k]);
  for (int64_t o = 0; o < n_out; ++o) {
    if (!out.requires_grad()) {  // the output does not depend on the inputs: a zero Jacobian
      for (size_t k = 0; k < diff_tensors.size(); ++k)
        analytical[k].push_back(std::vector<double>(diff_tensors[k].numel(), 0.0));
      continue;
    }
    Tensor seed = zeros(out.sizes(), out.options());
    seed.view({-1}).select(0, o).fill_(1);
    std::vector<Tensor> g = grad({out}, diff_tensors, {seed}, /*retain_graph=*/true,
                                 /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t k = 0; k < g.size(); ++k) {
      analytical[k].push_back(g[k].defined() ? g[k].to_vector<double>()
                                             : std::vector<double>(diff_tensors[k].numel(), 0.0));
    }
  }
  // Numerical Jacobian, one column (input element) at a time, by central differences.
  for (size_t k = 0; k < diff_inputs.size(); ++k) {
    Tensor x = inputs[diff_inputs[k]];
    const Tensor data = x.detach();
    for (int64_t e = 0; e < x.numel(); ++e) {
      Tensor element = element_view(data, e);
      const double orig = element.item<double>();
      element.fill_(orig + eps);
      const std::vector<double> plus = evaluate(fn, inputs);
      element.fill_(orig - eps);
      const std::vector<double> minus = evaluate(fn, inputs);
      element.fill_(orig);
      for (int64_t o = 0; o < n_out; ++o) {
        const double num = (plus[o] - minus[o]) / (2 * eps);
        const double ana = analytical[k][o][static_cast<size_t>(e)];
        if (!(std::fabs(ana - num) <= atol + rtol * std::fabs(num))) {
          GradcheckResult r;
          r.ok = false;
          r.message = fmt::format(
              "gradcheck: Jacobian mismatch for input {} (shape {}), element {}, output element "
              "{}: analytical {} vs numerical {}",
              diff_inputs[k], x.shape_str(), e, o, ana, num);
          return r;
        }
      }
    }
  }
  return {};
}

GradcheckResult gradgradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs,
                              double eps, double atol, double rtol) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = fn(inputs);
  }
  // A fixed random weighting of the outputs turns the gradient into a function of the inputs.
  Tensor v = randn(out.sizes(), out.options());
  std::vector<Tensor> diff;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) diff.push_back(t);
  TensorFunction grad_fn = [&](const std::vector<Tensor>& xs) {
    EnableGradGuard enable;
    std::vector<Tensor> d;
    for (const Tensor& t : xs)
      if (t.defined() && t.requires_grad()) d.push_back(t);
    std::vector<Tensor> g = grad({fn(xs)}, d, {v}, true, /*create_graph=*/true, true);
    std::vector<Tensor> flat;
    for (size_t i = 0; i < g.size(); ++i)
      flat.push_back(g[i].defined() ? g[i].reshape({-1}) : zeros({d[i].numel()}, d[i].options()));
    return cat(flat);
  };
  return gradcheck(grad_fn, inputs, eps, atol, rtol);
}

}  // namespace ember::autograd
