#include "api/object_reader.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace hfcache::api {

using nlohmann::json;

ObjectReader::ObjectReader(const json& object, std::string what) : object_(object), what_(std::move(what)) {
  if (!object_.is_object()) throw UsageError(what_ + " must be a JSON object", "see docs/rest-api.md");
}

const json* ObjectReader::value(const char* key) {
  asked_.emplace_back(key);
  auto it = object_.find(key);
  return it == object_.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> ObjectReader::string(const char* key) {
  const auto* v = value(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw UsageError(std::string("'") + key + "' must be a string");
  auto text = v->get<std::string>();
  if (text.empty()) return std::nullopt;
  return text;
}

bool ObjectReader::boolean(const char* key, bool fallback) {
  const auto* v = value(key);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  // Query parameters arrive as strings (dry_run=1).
  if (v->is_string()) {
    auto text = v->get<std::string>();
    if (text == "1" || text == "true" || text == "yes") return true;
    if (text.empty() || text == "0" || text == "false" || text == "no") return false;
  }
  throw UsageError(std::string("'") + key + "' must be true or false");
}

std::uint64_t ObjectReader::number(const char* key, std::uint64_t fallback) {
  const auto* v = value(key);
  if (!v) return fallback;
  if (!v->is_number_unsigned()) throw UsageError(std::string("'") + key + "' must be a whole number");
  return v->get<std::uint64_t>();
}

double ObjectReader::real(const char* key, double fallback) {
  const auto* v = value(key);
  if (!v) return fallback;
  if (!v->is_number()) throw UsageError(std::string("'") + key + "' must be a number");
  return v->get<double>();
}

std::vector<std::string> ObjectReader::strings(const char* key) {
  const auto* v = value(key);
  if (!v) return {};
  if (v->is_string()) return {v->get<std::string>()};
  auto bad = [&] { return UsageError(std::string("'") + key + "' must be a list of strings"); };
  if (!v->is_array()) throw bad();
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) throw bad();
    out.push_back(item.get<std::string>());
  }
  return out;
}

void ObjectReader::reject_unknown_keys() const {
  for (const auto& [key, ignored] : object_.items()) {
    if (std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
    std::string keys;
    for (const auto& a : asked_)
      if (keys.find("'" + a + "'") == std::string::npos) keys += (keys.empty() ? "'" : ", '") + a + "'";
    throw UsageError("unknown key '" + key + "' in " + what_, keys.empty() ? "send no body" : "the keys are: " + keys);
  }
}

}  // namespace hfcache::api
