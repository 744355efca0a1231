// Uses an installed Ember through <ember/ember.h>: prints "consumer ok 6" when it works.
#include <ember/ember.h>

#include <iostream>

int main() {
  ember::Tensor t = ember::ones({2, 3}) * 2;
  std::cout << "consumer ok " << static_cast<int>(t.to_vector<float>().size()) << "\n";
  return t.to_vector<float>()[5] == 2.0f ? 0 : 1;
}
