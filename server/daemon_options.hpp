#pragma once
// The command line of hfcached (docs/interface.md "Daemon"): flags become settings keys, so they win
// over the environment and the config file exactly as the CLI's flags do.
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace hfcache::server {

struct DaemonOptions {
  config::FlagValues flags;                // by settings key
  std::optional<std::string> config_file;  // --config
  bool help = false, version = false;
};

extern const char* const daemon_usage;

// Throws UsageError naming the flag for an unknown flag or a missing value.
DaemonOptions parse_daemon_options(const std::vector<std::string>& args);

}  // namespace hfcache::server
