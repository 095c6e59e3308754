#pragma once
// GET /v1/health: how a client knows an hfcached answers and which cache it serves (the CLI uses a
// daemon only for its own cache folder), and what `hfcache status` shows.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hfcache::api {

// One upstream tier as the daemon sees it now (docs/interface.md "Tiers").
struct UpstreamHealth {
  std::string endpoint;
  bool up = true;
  std::int64_t down_for_s = 0;  // seconds before it is tried first again
  std::string last_error;
  bool operator==(const UpstreamHealth&) const = default;
};

struct Health {
  std::string status = "ok";  // "stopping" once SIGTERM came
  std::string version;
  std::string cache_dir;
  std::string endpoint;
  bool offline = false;
  std::string listen;
  std::int64_t uptime_s = 0;
  std::size_t active_pulls = 0;
  std::size_t repos = 0;
  bool admin_token = false;  // admin calls need the token
  std::string tier_id;       // this daemon's Via entry
  std::vector<UpstreamHealth> upstreams;  // the tiers in the order tried (empty offline)
  bool operator==(const Health&) const = default;
};
nlohmann::json to_json(const Health& health);
// nullopt for anything that is not hfcached's answer (no `cache_dir`): another server on that port.
std::optional<Health> health_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
