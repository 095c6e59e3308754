#pragma once
// Flags shared by several commands and how they map onto settings.
#include <vector>

#include "args.hpp"
#include "config/settings.hpp"

namespace hfcache::cli {

// --cache-dir, --config: every command that reads the cache has them.
std::vector<FlagSpec> cache_flags();
// Settings from flags (--cache-dir, --endpoint, --offline), the environment and the config file.
config::Settings settings_from(const Args& args);

}  // namespace hfcache::cli
