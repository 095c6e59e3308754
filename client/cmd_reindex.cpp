// hfcache reindex: rebuild the index from the cache folder (pins and access times of revisions
// that still exist are kept). Normally not needed: every command catches up with the folder.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "daemon_client.hpp"
#include "index/cache_index.hpp"

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
  auto daemon = daemon_from_flags(args, settings);
  nlohmann::json result;
  if (daemon) {
    auto reply = daemon->post("/v1/reindex", nlohmann::json::object());
    DaemonClient::raise_for_status(reply, "reindex");
    result = reply.json();
  } else {
    auto start = std::chrono::steady_clock::now();
    index::CacheIndex idx(core::CacheLayout(settings.cache_dir), index::CacheIndex::default_path(settings.state_dir));
    auto repos = idx.rebuild();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    result = {{"repos", repos}, {"seconds", took.count()}};
  }
  if (args.has("json")) std::cout << result.dump(2) << "\n";
  else
    std::printf("indexed %zu repo(s) of %s in %.2f s\n", result.value("repos", std::size_t{0}), settings.cache_dir.c_str(),
                result.value("seconds", 0.0));
  return 0;
}

}  // namespace hfcache::cli
