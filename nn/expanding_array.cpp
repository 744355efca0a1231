// The out-of-line error of ExpandingArray (keeps fmt out of the header).
#include "ember/nn/expanding_array.h"

#include "ember/core/check.h"

namespace ember::detail {

void throw_expanding_array_size(size_t expected, size_t got) {
  EMBER_FAIL(Value,
             "ExpandingArray: expected 1 or {} values (one per spatial dim), got {}; pass a "
             "single number or a list of {}",
             expected, got, expected);
}

}  // namespace ember::detail
