// hfcache reindex: rebuild the index from the cache folder (pins and access times of revisions
// that still exist are kept). Normally not needed: every command catches up with the folder.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/check_calls.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache reindex [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "  Rebuilds state_dir/index.sqlite from the cache folder; pins and access times of revisions that still\n"
    "  exist survive.\n";

}  // namespace

int cmd_reindex(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"json"}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "reindex");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("reindex takes no arguments", usage);
  auto settings = settings_from(args);
  auto result = service_from_flags(args, settings)->reindex();
  if (args.has("json")) std::cout << api::to_json(result).dump(2) << "\n";
  else std::printf("indexed %zu repo(s) of %s in %.2f s\n", result.repos, settings.cache_dir.c_str(), result.seconds);
  return 0;
}

}  // namespace hfcache::cli
