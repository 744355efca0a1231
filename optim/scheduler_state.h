// Reading schedulers' state dicts with checks (internal to optim/): each helper names the
// scheduler and the key in its ValueError.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim::detail {

// Throws unless state_dict has exactly the keys of expected (listing missing and unexpected ones).
void check_scheduler_keys(std::string_view scheduler, const SchedulerStateDict& state_dict,
                          const SchedulerStateDict& expected);
// The one number under key.
double scheduler_number(std::string_view scheduler, const SchedulerStateDict& state_dict,
                        std::string_view key);
// The one whole number under key.
int64_t scheduler_integer(std::string_view scheduler, const SchedulerStateDict& state_dict,
                          std::string_view key);
// The list under key, which must hold `size` numbers.
std::vector<double> scheduler_list(std::string_view scheduler, const SchedulerStateDict& state_dict,
                                   std::string_view key, size_t size);

}  // namespace ember::optim::detail
