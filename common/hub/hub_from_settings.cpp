#include "hub/hub_from_settings.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "hub/token_source.hpp"
#include "core/errors.hpp"
#include "util/fs.hpp"

namespace hfcache::hub {

std::unique_ptr<HubClient> make_hub_client(const config::Settings& settings,
                                           const std::optional<std::string>& explicit_token, std::stop_token stop,
                                           const std::function<void(HubOptions&)>& adjust) {
  HubOptions options;
  if (explicit_token) options.token = load_token(explicit_token);
  options.endpoint = settings.endpoint;
  while (options.endpoint.ends_with('/')) options.endpoint.pop_back();
  options.endpoints = settings.endpoints;
  if (options.endpoints.empty() || options.endpoints.front() != options.endpoint) options.endpoints = {options.endpoint};
  options.tier_backoff.backoff = std::chrono::seconds(settings.tier_backoff_s);
  options.tier_backoff.max_backoff = std::chrono::seconds(std::max(settings.tier_backoff_s, settings.tier_backoff_max_s));
  bool env_token = std::getenv("HF_TOKEN") || std::getenv("HUGGING_FACE_HUB_TOKEN");
  std::string origin = settings.origin.count("token_file") ? settings.origin.at("token_file") : "";
  if (!options.token && settings.token_file && origin == "flag") {
    // --token-file: the operator named this file, so it must be readable.
    auto text = util::read_small_file(*settings.token_file, 64 * 1024);
    if (!text) throw UsageError("cannot read the token file " + *settings.token_file, "check the path and its permissions");
    auto token = clean_token(*text);
    if (!token.empty()) options.token = token;
  }
  if (!options.token && !env_token && settings.token_file && origin.starts_with("file ")) {
    if (auto text = util::read_small_file(*settings.token_file, 64 * 1024)) {
      auto token = clean_token(*text);
      if (!token.empty()) options.token = token;
    }
  }
  if (!options.token) options.token = load_token();
  options.ca_bundle = settings.ca_bundle;
  options.connect_timeout = std::chrono::seconds(settings.connect_timeout_s);
  options.read_timeout = std::chrono::seconds(settings.read_timeout_s);
  options.max_retries = settings.max_retries;
  options.stop = std::move(stop);
  if (adjust) adjust(options);
  return std::make_unique<HubClient>(options);
}

}  // namespace hfcache::hub
