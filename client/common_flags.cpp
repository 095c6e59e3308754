#include "common_flags.hpp"

namespace hfcache::cli {

std::vector<FlagSpec> cache_flags() { return {{"cache-dir", true}, {"config", true}, {"help"}}; }

config::Settings settings_from(const Args& args) {
  config::FlagValues flags;
  if (auto v = args.value("cache-dir")) flags["cache_dir"] = *v;
  if (auto v = args.value("endpoint")) flags["endpoint"] = *v;
  if (args.has("offline")) flags["offline"] = "1";
  return config::load_settings(flags, args.value("config"));
}

}  // namespace hfcache::cli
