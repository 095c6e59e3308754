#pragma once
// Flags shared by several commands and how they map onto settings.
#include <vector>

#include "args.hpp"
#include "config/settings.hpp"
#include "daemon_client.hpp"

namespace hfcache::cli {

// --cache-dir, --config: every command that reads the cache has them.
std::vector<FlagSpec> cache_flags();
// Settings from flags (--cache-dir, --endpoint, --offline), the environment and the config file.
config::Settings settings_from(const Args& args);

// --local and --daemon URL, which every command that can use hfcached takes.
void add_daemon_flags(std::vector<FlagSpec>& specs);
// The daemon those flags (and the settings) point at, or nullopt to work in-process; refuses both
// flags at once. `force_local`: the command must run in-process (say, repair --endpoint).
std::optional<DaemonClient> daemon_from_flags(const Args& args, const config::Settings& settings, bool force_local = false);

}  // namespace hfcache::cli
