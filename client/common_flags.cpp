#include "common_flags.hpp"

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

}  // namespace hfcache::cli
