#pragma once
// Flags shared by several commands and how they map onto settings and the CacheService.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "args.hpp"
#include "config/settings.hpp"
#include "service/cache_service.hpp"

namespace hfcache::cli {

// --cache-dir, --config: every command that reads the cache has them.
std::vector<FlagSpec> cache_flags();
// Settings from flags (--cache-dir, --endpoint, --offline), the environment and the config file.
config::Settings settings_from(const Args& args);

// --local and --daemon URL, which every command that can use hfcached takes.
void add_daemon_flags(std::vector<FlagSpec>& specs);
// The hfcached those flags (and the settings) point at when one serves this cache, else the
// in-process service; refuses both flags at once. `force_local`: the command must run in-process
// (say, repair --endpoint).
std::unique_ptr<service::CacheService> service_from_flags(const Args& args, const config::Settings& settings,
                                                          bool force_local = false);
// The in-process service; `token` is a --token flag.
std::unique_ptr<service::CacheService> local_service(const config::Settings& settings,
                                                     std::optional<std::string> token = std::nullopt);

// Throws AuthError (exit 4) when `repo`'s folder is closed to this user (protect_restricted_repos):
// it names the repo and says to read it through the mirror or the daemon, instead of a cache that
// looks empty or a stack of filesystem errors.
void refuse_closed_repo(const config::Settings& settings, const core::RepoRef& repo);

// Commands over the whole cache, in-process: one note on stderr per repo folder closed to this user
// (they go on with the rest). Returns those repos.
std::vector<core::RepoRef> note_closed_repos(const config::Settings& settings);

// "hfcache: warning: TEXT" on stderr.
void warn(const std::string& text);

}  // namespace hfcache::cli
