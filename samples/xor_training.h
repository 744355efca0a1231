// What the two XOR samples share besides their data (xor_data.h): their flags, and the training
// loop with its report.
//
// The data: 200 points drawn uniformly in [-1, 1]^2 (from the default generator, seeded by --seed
// before the data, the initial weights and the loader's shuffle are drawn from it), labelled
// 1 where x1 * x2 < 0 and 0 elsewhere; the first 100 train, the other 100 validate. The training:
// binary cross-entropy on the model's sigmoid output, SGD lr 0.015, batch 2, shuffled, 200
// epochs. Pass mark: validation accuracy >= 0.9.
#pragma once

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "ember/ember.h"
#include "sample_support.h"
#include "xor_data.h"

namespace samples::xor_problem {

inline constexpr double kPassMark = 0.9;

struct Flags {
  int64_t epochs = 200;
  uint64_t seed = samples::kDefaultSeed;
  std::string device = "auto";
};

inline void add_flags(CLI::App& app, Flags& flags) {
  app.add_option("--epochs", flags.epochs, "passes over the 100 training points")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", flags.seed, "seeds the points, the initial weights and the shuffle");
  app.add_option("--device", flags.device, "where to train")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
}

// Trains model (a holder of a module whose forward maps [B, 2] to probabilities [B, 1]) on the
// data and prints loss and accuracy every 20 epochs, then the validation accuracy against the
// pass mark. Returns the exit code.
template <typename Model>
int train_and_report(Model& model, const XorData& data, const Flags& flags, ember::Device device) {
  using namespace ember;
  const Tensor x_train = data.x_train.to(device), y_train = data.y_train.to(device);
  const Tensor x_valid = data.x_valid.to(device), y_valid = data.y_valid.to(device);
  model->to(device);
  data::DataLoader loader(data::TensorDataset(x_train, y_train),
                          data::DataLoaderOptions(2).shuffle(true));
  nn::BCELoss loss_fn;
  optim::SGD optimizer(model->parameters(), optim::SGDOptions(0.015));

  fmt::print("{}\n", model->to_string());
  fmt::print(
      "BCE, SGD lr 0.015, batch 2, {} epochs, seed {}, {}; {} training and {} validation "
      "points\n",
      flags.epochs, flags.seed, describe(device), x_train.size(0), x_valid.size(0));
  double valid_accuracy = 0;
  for (int64_t epoch = 1; epoch <= flags.epochs; ++epoch) {
    model->train();
    double loss_sum = 0;
    for (data::Batch& batch : loader) {
      Tensor loss = loss_fn(model(batch.data).flatten(), batch.target);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
    }
    NoGradGuard no_grad;
    model->eval();
    const Tensor train_probability = model(x_train).flatten();
    const Tensor valid_probability = model(x_valid).flatten();
    valid_accuracy = accuracy(valid_probability, y_valid);
    if (epoch % 20 == 0 || epoch == flags.epochs) {
      fmt::print(
          "epoch {:3d}  train loss {:.4f} accuracy {:.2f}  validation loss {:.4f} "
          "accuracy {:.2f}\n",
          epoch, loss_sum / loader.size(), accuracy(train_probability, y_train),
          loss_fn(valid_probability, y_valid).item<double>(), valid_accuracy);
    }
  }
  fmt::print("validation accuracy {:.2f}\n", valid_accuracy);
  return report_pass_mark(valid_accuracy >= kPassMark,
                          fmt::format("validation accuracy >= {}", kPassMark));
}

}  // namespace samples::xor_problem
