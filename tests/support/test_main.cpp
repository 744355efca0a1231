// The main() of every Ember test executable: fixed seeds, then GoogleTest.
#include <gtest/gtest.h>

#include "ember/ember.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ember::manual_seed(20261125);
  return RUN_ALL_TESTS();
}
