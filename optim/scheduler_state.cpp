// Checked reads of schedulers' state dicts.
#include "ember/optim/scheduler_state.h"

#include <cmath>
#include <set>
#include <string>

#include "ember/core/check.h"

namespace ember::optim::detail {
namespace {

const std::vector<double>& entry(std::string_view scheduler, const SchedulerStateDict& s,
                                 std::string_view key) {
  auto it = s.find(std::string(key));
  EMBER_CHECK(it != s.end(), Value, "{}: load_state_dict: missing key {}", scheduler, key);
  return it->second;
}

}  // namespace

void check_scheduler_keys(std::string_view scheduler, const SchedulerStateDict& state_dict,
                          const SchedulerStateDict& expected) {
  std::set<std::string> missing, unexpected;
  for (const auto& [key, value] : expected) {
    if (!state_dict.count(key)) missing.insert(key);
  }
  for (const auto& [key, value] : state_dict) {
    if (!expected.count(key)) unexpected.insert(key);
  }
  EMBER_CHECK(missing.empty() && unexpected.empty(), Value,
              "{}: load_state_dict: missing keys [{}], unexpected keys [{}] (is it the state of "
              "another scheduler?)",
              scheduler, fmt::join(missing, ", "), fmt::join(unexpected, ", "));
}

double scheduler_number(std::string_view scheduler, const SchedulerStateDict& s,
                        std::string_view key) {
  const std::vector<double>& v = entry(scheduler, s, key);
  EMBER_CHECK(v.size() == 1, Value, "{}: load_state_dict: {} must hold one number, got {}",
              scheduler, key, v.size());
  return v[0];
}

int64_t scheduler_integer(std::string_view scheduler, const SchedulerStateDict& s,
                          std::string_view key) {
  const double v = scheduler_number(scheduler, s, key);
  EMBER_CHECK(std::isfinite(v) && v == std::floor(v), Value,
              "{}: load_state_dict: {} must be a whole number, got {}", scheduler, key, v);
  return static_cast<int64_t>(v);
}

std::vector<double> scheduler_list(std::string_view scheduler, const SchedulerStateDict& s,
                                   std::string_view key, size_t size) {
  const std::vector<double>& v = entry(scheduler, s, key);
  EMBER_CHECK(v.size() == size, Value,
              "{}: load_state_dict: {} holds {} values but the optimizer has {} parameter groups",
              scheduler, key, v.size(), size);
  return v;
}

}  // namespace ember::optim::detail
