#include "api/health.hpp"

#include <nlohmann/json.hpp>

namespace hfcache::api {

using nlohmann::json;

json to_json(const Health& h) {
  json upstreams = json::array();
  for (const auto& u : h.upstreams) {
    upstreams.push_back({{"endpoint", u.endpoint}, {"up", u.up}, {"down_for_s", u.down_for_s},
                         {"last_error", u.last_error.empty() ? json(nullptr) : json(u.last_error)}});
  }
  return {{"status", h.status},     {"version", h.version},   {"cache_dir", h.cache_dir},
          {"endpoint", h.endpoint}, {"offline", h.offline},   {"listen", h.listen},
          {"uptime_s", h.uptime_s}, {"active_pulls", h.active_pulls}, {"repos", h.repos},
          {"admin_token", h.admin_token}, {"tier_id", h.tier_id}, {"upstreams", std::move(upstreams)}};
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
  text("tier_id", h.tier_id);
  if (auto it = j.find("upstreams"); it != j.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object() || !item.contains("endpoint") || !item["endpoint"].is_string()) continue;
      UpstreamHealth u;
      u.endpoint = item["endpoint"].get<std::string>();
      if (auto up = item.find("up"); up != item.end() && up->is_boolean()) u.up = up->get<bool>();
      if (auto d = item.find("down_for_s"); d != item.end() && d->is_number_integer()) u.down_for_s = d->get<std::int64_t>();
      if (auto e = item.find("last_error"); e != item.end() && e->is_string()) u.last_error = e->get<std::string>();
      h.upstreams.push_back(std::move(u));
    }
  }
  return h;
}

}  // namespace hfcache::api
