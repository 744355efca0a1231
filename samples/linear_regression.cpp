// The book's first nn example: fit a line to ten points with Linear(1, 1), mean squared error
// and SGD (lr 1e-3, batch 1, shuffled, 200 epochs) on standardised x, then print the fitted line.
//
// The points are the book's: x = 0, 1, ..., 9 and y = 1.0, 1.3, 3.1, 2.0, 5.0, 6.3, 6.6, 7.4,
// 8.0, 9.0, with x standardised by its mean and (population) standard deviation. The book ends
// near w = 2.65, b = 4.88 on standardised x: 2,000 small steps stop a little short of the least
// squares line (w = 2.707, b = 4.97), which is printed beside it. Pass mark: w and b each within
// 0.1 of the book's values.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "sample_support.h"

namespace {

using namespace ember;

struct Flags {
  int64_t epochs = 200;
  uint64_t seed = samples::kDefaultSeed;
  std::string device = "auto";
};

constexpr double kBookWeight = 2.65;
constexpr double kBookBias = 4.88;
constexpr double kTolerance = 0.1;

int run(const Flags& flags) {
  const Device device = samples::resolve_device(flags.device);
  manual_seed(flags.seed);

  const std::vector<float> xs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> ys = {1.0f, 1.3f, 3.1f, 2.0f, 5.0f, 6.3f, 6.6f, 7.4f, 8.0f, 9.0f};
  const Tensor x = tensor(xs, {10, 1});
  const Tensor y = tensor(ys);
  const double x_mean = x.mean().item<double>();
  const double x_std = x.std({}, /*correction=*/0).item<double>();
  const Tensor x_norm = (x - x_mean) / x_std;

  data::DataLoader loader(data::TensorDataset(x_norm.to(device), y.to(device)),
                          data::DataLoaderOptions(1).shuffle(true));
  nn::Linear model(1, 1);
  model->to(device);
  nn::MSELoss loss_fn;
  optim::SGD optimizer(model->parameters(), optim::SGDOptions(1e-3));

  fmt::print("linear regression: Linear(1, 1), MSE, SGD lr 1e-3, batch 1, {} epochs, seed {}, {}\n",
             flags.epochs, flags.seed, samples::describe(device));
  for (int64_t epoch = 1; epoch <= flags.epochs; ++epoch) {
    double loss_sum = 0;
    for (data::Batch& batch : loader) {
      Tensor loss = loss_fn(model(batch.data).flatten(), batch.target);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
    }
    if (epoch % 20 == 0 || epoch == flags.epochs) {
      fmt::print("epoch {:4d}  mean loss {:.4f}\n", epoch, loss_sum / loader.size());
    }
  }

  const double w = model->weight.item<double>();
  const double b = model->bias.item<double>();
  double train_mse = 0;
  {
    NoGradGuard no_grad;
    train_mse = loss_fn(model(x_norm.to(device)).flatten(), y.to(device)).item<double>();
  }
  // The least squares line on standardised x (mean 0, variance 1): w = mean(x_norm * y),
  // b = mean(y).
  const double ls_w = (x_norm.flatten() * y).mean().item<double>();
  const double ls_b = y.mean().item<double>();

  fmt::print("fitted on standardised x: w = {:.4f}, b = {:.4f} (book: w = {}, b = {})\n", w, b,
             kBookWeight, kBookBias);
  fmt::print("fitted line: y = {:.4f} * x + {:.4f}  (x_norm = (x - {:.2f}) / {:.4f})\n", w / x_std,
             b - w * x_mean / x_std, x_mean, x_std);
  fmt::print("least squares on standardised x: w = {:.4f}, b = {:.4f}\n", ls_w, ls_b);
  fmt::print("training MSE {:.4f}\n", train_mse);
  const bool passed =
      std::fabs(w - kBookWeight) <= kTolerance && std::fabs(b - kBookBias) <= kTolerance;
  return samples::report_pass_mark(
      passed, fmt::format("w and b within {} of the book's w = {}, b = {}", kTolerance, kBookWeight,
                          kBookBias));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fits a line to the book's ten points with Linear(1, 1), MSE and SGD."};
  Flags flags;
  app.option_defaults()->always_capture_default();
  app.add_option("--epochs", flags.epochs, "passes over the ten points")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", flags.seed, "seeds the initial weights and the shuffle");
  app.add_option("--device", flags.device, "where to train")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  if (const int code = samples::parse_flags(app, argc, argv); code >= 0) return code;
  return samples::run_guarded([&] { return run(flags); });
}
