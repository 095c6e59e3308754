#pragma once
// The hub client a command builds from its settings: endpoint, token (HF_TOKEN, the config file's
// token_file, HF_TOKEN_PATH or $HF_HOME/token), CA bundle, timeouts and retries. For commands that
// talk to upstream (pull, repair --endpoint).
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "hub/hub_client.hpp"

namespace hfcache::cli {

// `explicit_token` is a --token flag: it wins over every other source.
std::unique_ptr<hub::HubClient> make_hub_client(const config::Settings& settings,
                                                const std::optional<std::string>& explicit_token = std::nullopt);

}  // namespace hfcache::cli
