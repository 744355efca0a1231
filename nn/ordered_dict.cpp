// The out-of-line error of OrderedDict (keeps fmt out of the header).
#include "ember/nn/ordered_dict.h"

#include "ember/core/check.h"

namespace ember::detail {

void throw_ordered_dict_error(const std::string& message) {
  EMBER_FAIL(Value, "OrderedDict: {}", message);
}

}  // namespace ember::detail
