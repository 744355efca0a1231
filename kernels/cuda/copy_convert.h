// The device-side conversion kernel of CUDA copies, defined in copy_convert.cu.
#pragma once

#include "ember/core/tensor_iterator.h"

namespace ember::cuda {

// operand 0 = operand 1 converted to operand 0's dtype, over the iterator (both on one device),
// asynchronously on Ember's stream of that device.
void launch_copy_convert(const ElementwiseIter& it);

}  // namespace ember::cuda
