#include "api/health.hpp"

#include <nlohmann/json.hpp>

namespace hfcache::api {

using nlohmann::json;

json to_json(const Health& h) {
  return {{"status", h.status},     {"version", h.version},   {"cache_dir", h.cache_dir},
          {"endpoint", h.endpoint}, {"offline", h.offline},   {"listen", h.listen},
          {"uptime_s", h.uptime_s}, {"active_pulls", h.active_pulls}, {"repos", h.repos},
          {"admin_token", h.admin_token}};
}

std::optional<Health> health_from_json(const json& j) {
  if (!j.is_object() || !j.contains("cache_dir") || !j["cache_dir"].is_string()) return std::nullopt;
  Health h;
  auto text = [&](const char* key, std::string& out) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  auto flag = [&](const char* key, bool& out) {
    if (auto it = j.find(key); it != j.end() && it->is_boolean()) out = it->get<bool>();
  };
  auto number = [&](const char* key, auto& out) {
    if (auto it = j.find(key); it != j.end() && it->is_number_integer()) out = it->get<std::decay_t<decltype(out)>>();
  };
  text("status", h.status);
  text("version", h.version);
  text("cache_dir", h.cache_dir);
  text("endpoint", h.endpoint);
  flag("offline", h.offline);
  text("listen", h.listen);
  number("uptime_s", h.uptime_s);
  number("active_pulls", h.active_pulls);
  number("repos", h.repos);
  flag("admin_token", h.admin_token);
  return h;
}

}  // namespace hfcache::api
