#include "service/local_for_settings.hpp"

#include "hub/hub_from_settings.hpp"
#include "index/cache_index.hpp"

namespace hfcache::service {

std::unique_ptr<LocalCacheService> local_service_for(const config::Settings& settings, std::optional<std::string> token,
                                                     std::function<void(const std::string&)> warn) {
  struct Opened {
    std::unique_ptr<index::CacheIndex> index;
    std::shared_ptr<hub::HubClient> hub;
  };
  auto fixed = std::make_shared<const config::Settings>(settings);
  auto opened = std::make_shared<Opened>();
  LocalBacking backing{core::CacheLayout(settings.cache_dir),
                       [fixed] { return fixed; },
                       [fixed, opened]() -> index::CacheIndex& {
                         if (!opened->index)
                           opened->index = std::make_unique<index::CacheIndex>(
                               core::CacheLayout(fixed->cache_dir), index::CacheIndex::default_path(fixed->state_dir));
                         return *opened->index;
                       },
                       [fixed, opened, token]() -> std::shared_ptr<hub::HubClient> {
                         if (fixed->offline) return nullptr;
                         if (!opened->hub) opened->hub = hub::make_hub_client(*fixed, token);
                         return opened->hub;
                       },
                       {},
                       std::move(warn)};
  return std::make_unique<LocalCacheService>(std::move(backing));
}

}  // namespace hfcache::service
