#pragma once
// The in-process CacheService as a command line runs it: the cache folder and index (state_dir)
// that `settings` name, opened on first use; the hub client built from them on first use (with
// `token`, a --token flag); nothing in use by anyone else.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "service/local_cache_service.hpp"

namespace hfcache::service {

std::unique_ptr<LocalCacheService> local_service_for(const config::Settings& settings, std::optional<std::string> token,
                                                     std::function<void(const std::string&)> warn);

}  // namespace hfcache::service
