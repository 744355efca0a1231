// The book's XOR classifier: a 2-4-4-1 perceptron with ReLU hidden layers and a sigmoid output,
// trained with binary cross-entropy and SGD (lr 0.015, batch 2, 200 epochs) on 100 points of
// [-1, 1]^2 labelled by the sign of x1 * x2, validated on 100 more (xor_training.h).
// Pass mark: validation accuracy >= 0.9.
#include <CLI/CLI.hpp>

#include "ember/ember.h"
#include "sample_support.h"
#include "xor_training.h"

int main(int argc, char** argv) {
  using namespace ember;
  namespace xor_problem = samples::xor_problem;
  CLI::App app{"Learns XOR with a 2-4-4-1 ReLU perceptron (the book's XOR sample)."};
  xor_problem::Flags flags;
  app.option_defaults()->always_capture_default();
  xor_problem::add_flags(app, flags);
  if (const int code = samples::parse_flags(app, argc, argv); code >= 0) return code;
  return samples::run_guarded([&] {
    const Device device = samples::resolve_device(flags.device);
    manual_seed(flags.seed);
    const xor_problem::XorData data = xor_problem::make_xor_data(default_generator());
    nn::Sequential model(nn::Linear(2, 4), nn::ReLU(), nn::Linear(4, 4), nn::ReLU(),
                         nn::Linear(4, 1), nn::Sigmoid());
    return xor_problem::train_and_report(model, data, flags, device);
  });
}
