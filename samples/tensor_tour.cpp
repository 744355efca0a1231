// A first look at Ember: make tensors on the best device (the GPU when one answers), run a few
// ops through the dispatcher, and print the results the way PyTorch would.
#include <iostream>

#include "ember/ember.h"

int main() {
  using namespace ember;
  const Device device = cuda::is_available() ? Device(kCUDA, 0) : Device(kCPU);
  std::cout << "device: " << device;
  if (device.is_cuda()) {
    std::cout << " (" << cuda::device_name(0) << ")\n";
  } else {
    std::cout << " (no GPU: " << cuda::unavailable_reason() << ")\n";
  }

  manual_seed(0);
  Tensor a = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, device);
  Tensor b = randn({2, 3}, device);
  std::cout << "a =\n" << a << "\nb = randn({2, 3}) =\n" << b << "\n";
  std::cout << "a + b =\n" << a + b << "\n";
  std::cout << "a * 2 - 1 =\n" << a * 2 - 1 << "\n";
  std::cout << "a.t() =\n" << a.t() << "\n";
  std::cout << "a.sum(dim 1) =\n" << a.sum({1}) << "\n";
  std::cout << "a.mean() = " << a.mean().item<double>() << "\n";
  std::cout << "b.relu() =\n" << b.relu() << "\n";
  std::cout << "argmax of each row of b: " << b.argmax(1) << "\n";
  std::cout << "arange(6).view({2, 3}) =\n" << arange(6, device).view({2, 3}) << "\n";
  return 0;
}
