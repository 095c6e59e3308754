#include "common_flags.hpp"

#include <cstdio>

#include "core/closed_repo.hpp"
#include "core/errors.hpp"
#include "service/daemon_locator.hpp"
#include "service/local_for_settings.hpp"

namespace hfcache::cli {

std::vector<FlagSpec> cache_flags() { return {{"cache-dir", true}, {"config", true}, {"help"}}; }

config::Settings settings_from(const Args& args) {
  config::FlagValues flags;
  // emplace, not operator[] + assignment: GCC 12 reports a false -Wrestrict on the latter.
  if (auto v = args.value("cache-dir")) flags.emplace("cache_dir", std::move(*v));
  if (auto v = args.value("endpoint")) flags.emplace("endpoint", std::move(*v));
  if (args.has("offline")) flags.emplace("offline", "1");
  return config::load_settings(flags, args.value("config"));
}

void add_daemon_flags(std::vector<FlagSpec>& specs) { specs.insert(specs.end(), {{"local"}, {"daemon", true}}); }

void warn(const std::string& text) { std::fprintf(stderr, "hfcache: warning: %s\n", text.c_str()); }

std::unique_ptr<service::CacheService> local_service(const config::Settings& settings, std::optional<std::string> token) {
  return service::local_service_for(settings, std::move(token), warn);
}

std::unique_ptr<service::CacheService> service_from_flags(const Args& args, const config::Settings& settings,
                                                          bool force_local) {
  if (args.has("local") && args.has("daemon"))
    throw UsageError("give --local or --daemon, not both",
                     "--local works in-process; --daemon URL hands the work to the hfcached at URL");
  if (auto daemon = service::find_daemon(settings, args.value("daemon"), args.has("local") || force_local)) return daemon;
  return local_service(settings);
}

void refuse_closed_repo(const config::Settings& settings, const core::RepoRef& repo) {
  if (!core::repo_folder_closed(core::CacheLayout(settings.cache_dir), repo)) return;
  throw AuthError(core::closed_repo_message(repo), core::closed_repo_hint(repo, service::daemon_url_for(settings)));
}

std::vector<core::RepoRef> note_closed_repos(const config::Settings& settings) {
  auto url = service::daemon_url_for(settings);
  auto closed = core::closed_repos(core::CacheLayout(settings.cache_dir));
  for (const auto& repo : closed)
    std::fprintf(stderr, "hfcache: note: %s; %s\n", core::closed_repo_message(repo).c_str(),
                 core::closed_repo_hint(repo, url).c_str());
  return closed;
}

}  // namespace hfcache::cli
