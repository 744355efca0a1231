// Optimizer and scheduler state dicts to and from safetensors files (see optim/serialize.h for
// the layout). The group options travel as JSON in the header's metadata; every tensor as itself.
#include "ember/optim/serialize.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/safetensors.h"

namespace ember::optim {
namespace {

constexpr const char* kOptimizerFormat = "ember.optimizer.v1";
constexpr const char* kSchedulerFormat = "ember.scheduler.v1";

std::string metadata_entry(const SafetensorsMetadata& metadata, const std::string& key,
                           const std::string& path) {
  auto it = metadata.find(key);
  EMBER_CHECK(it != metadata.end(), IO,
              "load: {} has no \"{}\" in its metadata; is it an Ember optimizer or "
              "scheduler file?",
              path, key);
  return it->second;
}

void check_format(const SafetensorsMetadata& metadata, const char* format,
                  const std::string& path) {
  const std::string found = metadata_entry(metadata, "format", path);
  EMBER_CHECK(found == format, IO, "load: {} holds \"{}\", expected \"{}\"", path, found, format);
}

// "state.<index>.<name>" -> (index, name).
bool parse_state_key(const std::string& key, int64_t* index, std::string* name) {
  const std::string prefix = "state.";
  if (key.rfind(prefix, 0) != 0) return false;
  const size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size() || dot + 1 == key.size()) return false;
  const std::string number = key.substr(prefix.size(), dot - prefix.size());
  for (char c : number) {
    if (c < '0' || c > '9') return false;
  }
  if (number.size() > 15) return false;
  *index = std::stoll(number);
  *name = key.substr(dot + 1);
  return true;
}

}  // namespace

void save_state_dict(const OptimizerStateDict& state_dict, const std::string& path) {
  TensorMap tensors;
  for (const auto& [index, named] : state_dict.state) {
    for (const auto& [name, t] : named) tensors["state." + std::to_string(index) + "." + name] = t;
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const OptimizerParamGroupState& g : state_dict.param_groups) {
    nlohmann::json group = nlohmann::json::object();
    for (const auto& [name, value] : g.options) {
      EMBER_CHECK(std::isfinite(value), Value, "save: option {} is {}, not a finite number", name,
                  value);
      group[name] = value;
    }
    group["params"] = g.params;
    groups.push_back(std::move(group));
  }
  SafetensorsMetadata metadata;
  metadata["format"] = kOptimizerFormat;
  metadata["optimizer"] = state_dict.optimizer;
  metadata["param_groups"] = groups.dump();
  save_safetensors(path, tensors, metadata);
}

OptimizerStateDict load_optimizer_state_dict(const std::string& path) {
  const SafetensorsMetadata metadata = load_safetensors_metadata(path);
  check_format(metadata, kOptimizerFormat, path);
  OptimizerStateDict out;
  out.optimizer = metadata_entry(metadata, "optimizer", path);
  const std::string groups_json = metadata_entry(metadata, "param_groups", path);
  nlohmann::json groups;
  try {
    groups = nlohmann::json::parse(groups_json);
  } catch (const nlohmann::json::exception& e) {
    EMBER_FAIL(IO, "load: {}: param_groups is not valid JSON ({})", path, e.what());
  }
  EMBER_CHECK(groups.is_array(), IO, "load: {}: param_groups is not a JSON list", path);
  for (const nlohmann::json& group : groups) {
    EMBER_CHECK(group.is_object() && group.contains("params") && group["params"].is_array(), IO,
                "load: {}: a parameter group is not an object with a \"params\" list", path);
    OptimizerParamGroupState g;
    for (const auto& [key, value] : group.items()) {
      if (key == "params") {
        for (const nlohmann::json& index : value) {
          EMBER_CHECK(index.is_number_integer(), IO,
                      "load: {}: parameter indices must be integers, got {}", path, index.dump());
          g.params.push_back(index.get<int64_t>());
        }
      } else {
        EMBER_CHECK(value.is_number() || value.is_boolean(), IO,
                    "load: {}: option {} is {}, not a number", path, key, value.dump());
        g.options[key] = value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
      }
    }
    out.param_groups.push_back(std::move(g));
  }
  for (auto& [key, t] : load_safetensors(path)) {
    int64_t index = 0;
    std::string name;
    EMBER_CHECK(parse_state_key(key, &index, &name), IO,
                "load: {}: unexpected tensor \"{}\" (expected state.<index>.<name>)", path, key);
    out.state[index][name] = std::move(t);
  }
  return out;
}

}  // namespace ember::optim

namespace ember {

void save(const optim::Optimizer& optimizer, const std::string& path) {
  optim::save_state_dict(optimizer.state_dict(), path);
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  optimizer.load_state_dict(optim::load_optimizer_state_dict(path));
}

void save(const optim::Scheduler& scheduler, const std::string& path) {
  TensorMap tensors;
  for (const auto& [key, values] : scheduler.state_dict()) {
    tensors[key] = tensor(values, TensorOptions().dtype(kFloat64));
  }
  SafetensorsMetadata metadata;
  metadata["format"] = optim::kSchedulerFormat;
  metadata["scheduler"] = std::string(scheduler.name());
  save_safetensors(path, tensors, metadata);
}

void load(optim::Scheduler& scheduler, const std::string& path) {
  const SafetensorsMetadata metadata = load_safetensors_metadata(path);
  optim::check_format(metadata, optim::kSchedulerFormat, path);
  const std::string name = optim::metadata_entry(metadata, "scheduler", path);
  EMBER_CHECK(name == scheduler.name(), Value,
              "load: {} holds the state of a {} scheduler, not of a {}", path, name,
              scheduler.name());
  optim::SchedulerStateDict state;
  for (const auto& [key, t] : load_safetensors(path)) {
    EMBER_CHECK(t.dim() == 1, IO, "load: {}: {} has shape {}, expected a list", path, key,
                t.shape_str());
    state[key] = t.to_vector<double>();
  }
  scheduler.load_state_dict(state);
}

}  // namespace ember
