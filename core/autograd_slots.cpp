// Storage of the autograd slots (filled by autograd/ at load time).
#include "ember/core/autograd_slots.h"

#include "ember/core/check.h"

namespace ember {

namespace autograd_slots {
#define EMBER_DEFINE_SLOT(name, sig) std::add_pointer_t<sig> name = nullptr;
EMBER_FOREACH_AUTOGRAD_SLOT(EMBER_DEFINE_SLOT)
#undef EMBER_DEFINE_SLOT
}  // namespace autograd_slots

namespace detail {
void throw_missing_formula(std::string_view slot) {
  EMBER_FAIL(Autograd,
             "{}: an input requires grad but no derivative formula is registered for this op; "
             "compute it under NoGradGuard or detach() the inputs",
             slot);
}
}  // namespace detail

}  // namespace ember
