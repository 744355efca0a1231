// The compile-cost probe: a user file that includes Ember's public header and makes one tensor.
#include <ember/ember.h>

int main() {
  ember::Tensor t = ember::ones({2, 3});
  return static_cast<int>(t.numel()) - 6;
}
