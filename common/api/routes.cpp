#include "api/routes.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace hfcache::api {

using nlohmann::json;

std::string repo_route(const core::RepoRef& repo) {
  return std::string(routes::repos) + "/" + std::string(core::plural(repo.type)) + "/" + repo.id;
}

core::RepoRef repo_of_route(std::string_view plural, std::string_view id) {
  core::RepoRef repo{core::parse_repo_type(plural.substr(0, plural.size() - 1)), std::string(id)};
  if (!core::is_valid_repo_id(id)) throw UsageError("'" + repo.id + "' is not a valid repo id");
  return repo;
}

std::string pull_route(std::string_view id) { return std::string(routes::pulls) + "/" + std::string(id); }
std::string pull_events_route(std::string_view id) { return pull_route(id) + "/events"; }

Query query_of(const json& object) {
  Query query;
  auto text = [](const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return std::string(v.get<bool>() ? "1" : "0");
    return v.dump();
  };
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    if (value.is_array()) {
      for (const auto& item : value) query.emplace_back(key, text(item));
    } else {
      query.emplace_back(key, text(value));
    }
  }
  return query;
}

json object_of(const Query& query) {
  json object = json::object();
  for (const auto& [key, value] : query) {
    auto it = object.find(key);
    if (it == object.end()) {
      object[key] = value;
    } else {
      if (!it->is_array()) *it = json::array({*it});
      it->push_back(value);
    }
  }
  return object;
}

}  // namespace hfcache::api
