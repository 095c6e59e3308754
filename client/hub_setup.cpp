#include "hub_setup.hpp"

#include <chrono>
#include <cstdlib>

#include "hub/token_source.hpp"
#include "util/fs.hpp"

namespace hfcache::cli {

std::unique_ptr<hub::HubClient> make_hub_client(const config::Settings& settings,
                                                const std::optional<std::string>& explicit_token) {
  hub::HubOptions options;
  if (explicit_token) options.token = hub::load_token(explicit_token);
  options.endpoint = settings.endpoint;
  while (options.endpoint.ends_with('/')) options.endpoint.pop_back();
  bool env_token = std::getenv("HF_TOKEN") || std::getenv("HUGGING_FACE_HUB_TOKEN");
  if (!options.token && !env_token && settings.token_file && settings.origin.count("token_file") &&
      settings.origin.at("token_file").starts_with("file ")) {
    if (auto text = util::read_small_file(*settings.token_file, 64 * 1024)) {
      auto token = hub::clean_token(*text);
      if (!token.empty()) options.token = token;
    }
  }
  if (!options.token) options.token = hub::load_token();
  options.ca_bundle = settings.ca_bundle;
  options.connect_timeout = std::chrono::seconds(settings.connect_timeout_s);
  options.read_timeout = std::chrono::seconds(settings.read_timeout_s);
  options.max_retries = settings.max_retries;
  return std::make_unique<hub::HubClient>(options);
}

}  // namespace hfcache::cli
