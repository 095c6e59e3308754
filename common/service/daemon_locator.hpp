#pragma once
// Which hfcached a command talks to. The CLI uses a daemon when one answers at --daemon URL,
// HFCACHE_URL / daemon_url, or the configured listen address, and serves the same cache folder;
// otherwise (or with --local) it works in-process. Calls carry HFCACHE_ADMIN_TOKEN or the token in
// admin_token_file; without one, the user's own hub token (HF_TOKEN, the token file: as
// huggingface_hub finds it), so the daemon grants that user's gated and private repos.
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "service/daemon_cache_service.hpp"

namespace hfcache::service {

// The admin token the CLI sends: HFCACHE_ADMIN_TOKEN, else the content of admin_token_file.
std::string admin_token_for(const config::Settings& settings);

// http://host:port of the configured daemon (HFCACHE_URL / daemon_url, else the listen address):
// also its mirror, for HF_ENDPOINT.
std::string daemon_url_for(const config::Settings& settings);

// The bearer token the CLI sends to the daemon at `daemon_url`: the admin token (full trust), else the
// user's hub token, but only to a loopback or https daemon (never in clear text over the network);
// "" for none.
std::string bearer_for(const config::Settings& settings, const std::string& daemon_url);

// The daemon at `url` (else HFCACHE_URL / daemon_url, else http://<listen>), unchecked: for `status`.
std::unique_ptr<DaemonCacheService> daemon_at(const std::optional<std::string>& url, const config::Settings& settings);

// The daemon to use for a command, or nullptr for in-process work. `flag_url` is --daemon URL (then
// a daemon that does not answer is an OfflineError, exit 5). Without it: HFCACHE_URL / daemon_url,
// else http://<listen>; used only if it answers /v1/health quickly and serves the same cache folder
// as `settings.cache_dir` (unless HFCACHE_URL named it and the cache folder was not a flag).
std::unique_ptr<DaemonCacheService> find_daemon(const config::Settings& settings, const std::optional<std::string>& flag_url,
                                                bool local_flag);

}  // namespace hfcache::service
