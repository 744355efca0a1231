// The book's XOR model with a layer of the user's own: NoisyLinear (noisy_linear.h), a module
// with its own parameters that adds Gaussian noise (std 0.07) to its output in training only,
// followed by the same ReLU layers as xor_mlp (2-4-4-1, sigmoid output), trained the same way
// (binary cross-entropy, SGD lr 0.015, batch 2, 200 epochs; xor_training.h). Validation runs in
// eval() mode, without noise. Pass mark: validation accuracy >= 0.9.
#include <CLI/CLI.hpp>

#include "ember/ember.h"
#include "noisy_linear.h"
#include "sample_support.h"
#include "xor_training.h"

namespace {

using namespace ember;

// The model of the book's MyNoisyModule, with NoisyLinear as its first layer.
class NoisyXorNetImpl : public nn::Module {
 public:
  NoisyXorNetImpl() {
    noisy = register_module("noisy", samples::NoisyLinear(2, 4, 0.07));
    hidden = register_module("hidden", nn::Linear(4, 4));
    output = register_module("output", nn::Linear(4, 1));
  }

  Tensor forward(const Tensor& x) { return sigmoid(output(relu(hidden(relu(noisy(x)))))); }

  samples::NoisyLinear noisy{nullptr};
  nn::Linear hidden{nullptr};
  nn::Linear output{nullptr};
};
EMBER_MODULE(NoisyXorNet);

}  // namespace

int main(int argc, char** argv) {
  namespace xor_problem = samples::xor_problem;
  CLI::App app{"Learns XOR with a user-defined NoisyLinear layer (the book's NoisyLinear sample)."};
  xor_problem::Flags flags;
  app.option_defaults()->always_capture_default();
  xor_problem::add_flags(app, flags);
  if (const int code = samples::parse_flags(app, argc, argv); code >= 0) return code;
  return samples::run_guarded([&] {
    const Device device = samples::resolve_device(flags.device);
    manual_seed(flags.seed);
    const xor_problem::XorData data = xor_problem::make_xor_data(default_generator());
    NoisyXorNet model;
    return xor_problem::train_and_report(model, data, flags, device);
  });
}
