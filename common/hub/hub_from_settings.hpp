#pragma once
// The hub client built from settings, for the CLI and the daemon alike: endpoint, token (a --token
// or --token-file flag, HF_TOKEN, the config file's token_file, HF_TOKEN_PATH or $HF_HOME/token),
// CA bundle, timeouts and retries.
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "config/settings.hpp"
#include "hub/hub_client.hpp"

namespace hfcache::hub {

// `explicit_token` is a --token flag: it wins over every other source. `stop` (the daemon's) ends
// the client's transfers and retry waits when requested. `adjust` sets what only the daemon has
// (its Via id, the tier change hook).
std::unique_ptr<HubClient> make_hub_client(const config::Settings& settings,
                                           const std::optional<std::string>& explicit_token = std::nullopt,
                                           std::stop_token stop = {},
                                           const std::function<void(HubOptions&)>& adjust = {});

}  // namespace hfcache::hub
