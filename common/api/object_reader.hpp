#pragma once
// Reading one JSON object of the API field by field: typed getters that throw UsageError naming the
// key and the type it must have, and, for request bodies, refusal of any key no getter asked for
// (a typo must not be ignored silently). Every from_json of common/api reads through it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hfcache::api {

class ObjectReader {
 public:
  // Throws UsageError unless `object` is a JSON object; `what` names it in messages ("the request body").
  ObjectReader(const nlohmann::json& object, std::string what);

  // null, absent and "" read as nullopt.
  std::optional<std::string> string(const char* key);
  // true/false, or as a query value 1/0, true/false, yes/no.
  bool boolean(const char* key, bool fallback);
  std::uint64_t number(const char* key, std::uint64_t fallback = 0);
  double real(const char* key, double fallback = 0);
  // One string or a list of strings; absent or null: empty.
  std::vector<std::string> strings(const char* key);
  // The raw value (nullptr when absent), for fields with a shape of their own.
  const nlohmann::json* value(const char* key);

  // UsageError for the first key no getter asked for, listing the keys that were.
  void reject_unknown_keys() const;

 private:
  const nlohmann::json& object_;
  std::string what_;
  std::vector<std::string> asked_;
};

}  // namespace hfcache::api
