// The XOR data of the book's XOR samples: points drawn uniformly in [-1, 1]^2, labelled 1 where
// x1 * x2 < 0 and 0 elsewhere (the two quadrants of one sign against the other two), and the
// accuracy of predicted probabilities on them.
#pragma once

#include <cstdint>

#include "ember/ember.h"

namespace samples::xor_problem {

struct XorData {
  ember::Tensor x_train;  // float32 [n_train, 2]
  ember::Tensor y_train;  // float32 [n_train], 1 where x1 * x2 < 0
  ember::Tensor x_valid;
  ember::Tensor y_valid;
};

// n points uniform in [-1, 1]^2 with their labels, drawn from generator; the first n_train for
// training.
inline XorData make_xor_data(ember::Generator& generator, int64_t n = 200, int64_t n_train = 100) {
  const ember::Tensor x = ember::rand({n, 2}, &generator) * 2.0 - 1.0;
  const ember::Tensor y = (x.select(1, 0) * x.select(1, 1)).lt(0.0).to(ember::kFloat32);
  return {x.slice(0, 0, n_train), y.slice(0, 0, n_train), x.slice(0, n_train), y.slice(0, n_train)};
}

// The share of points whose predicted probability is on the side of 0.5 of their label.
inline double accuracy(const ember::Tensor& probability, const ember::Tensor& label) {
  return probability.ge(0.5)
      .to(ember::kFloat32)
      .eq(label)
      .to(ember::kFloat64)
      .mean()
      .item<double>();
}

}  // namespace samples::xor_problem
