// row_sum: the sum of n contiguous values in double, with eight independent partial sums (so the
// loop vectorises and does not wait on one addition chain) combined in a fixed order: the result
// depends only on the values, never on threads.
#pragma once

#include <cstdint>

namespace ember::cpu {

template <typename T>
inline double row_sum(const T* p, int64_t n) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) lanes[j] += static_cast<double>(p[i + j]);
  for (; i < n; ++i) lanes[i % 8] += static_cast<double>(p[i]);
  return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) +
         ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}

}  // namespace ember::cpu
