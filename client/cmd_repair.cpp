// hfcache repair: fix a copied cache in place (docs/cache-damage.md) so every snapshot file is a
// correct link again; exit 6 when damage remains, naming it and the command that finishes the job.
// With a daemon serving this cache (and no --endpoint), the daemon repairs (POST /v1/repair), so
// the repair never races with its pulls; the output is the same.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "index/index_catalog.hpp"
#include "index/index_for_settings.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "daemon_client.hpp"
#include "hub/hub_from_settings.hpp"
#include "repair/repair.hpp"
#include "repair_report.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache repair [--cache-dir DIR] [--dry-run] [--json] [--endpoint URL] [--verify] [--config FILE]\n"
    "                      [--local | --daemon URL]\n"
    "\n"
    "  --dry-run    print the plan; change nothing\n"
    "  --endpoint   ask this hub's file listing for placeholders no local listing explains (works in-process)\n"
    "  --verify     also hash every blob a correct link points at (a blob not matching its name is set aside)\n"
    "  --local      work in-process even when hfcached serves this cache\n"
    "  --daemon URL let the hfcached at URL repair (admin call: sends HFCACHE_ADMIN_TOKEN or admin_token_file)\n";

repair::RepairReport repair_in_process(const config::Settings& settings, const Args& args, bool dry_run) {
  std::unique_ptr<hub::HubClient> hub;
  if (args.has("endpoint")) hub = hub::make_hub_client(settings);
  repair::RepairOptions options;
  options.dry_run = dry_run;
  options.verify_blobs = args.has("verify");
  options.hub = hub.get();
  if (settings.disable_symlinks) options.symlinks = false;
  core::CacheLayout layout(settings.cache_dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(settings.cache_dir, ec))
    throw NotFoundError("the cache folder " + settings.cache_dir.string() + " does not exist",
                        "give the folder to repair with --cache-dir");
  // What the index knew of each snapshot file before the damage (opened without a refresh, which
  // would record the damage instead). No index, or an unreadable one: repair works without it.
  repair::FileCatalog remembered;
  try {
    index::CacheIndex idx(layout, index::CacheIndex::default_path(settings.state_dir));
    remembered = index::catalog_from_index(idx);
  } catch (const std::exception&) {
  }
  if (!remembered.empty()) options.extra_catalog = &remembered;
  auto report = repair::repair_cache(layout, options);
  if (!dry_run) {
    if (auto why = index::refresh_index_after_change(settings, std::nullopt))
      spdlog::warn("the index was not updated after the repair: {}", *why);
  }
  return report;
}

repair::RepairReport repair_by_daemon(const DaemonClient& daemon, const Args& args, bool dry_run) {
  auto reply = daemon.post("/v1/repair", {{"dry_run", dry_run}, {"verify", args.has("verify")}});
  DaemonClient::raise_for_status(reply, "repair on " + daemon.base_url());
  return repair::repair_report_from_json(reply.json());
}

}  // namespace

int cmd_repair(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"dry-run"}, {"json"}, {"endpoint", true}, {"verify"}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "repair");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("repair takes no arguments", usage);
  if (args.has("endpoint") && args.has("daemon"))
    throw UsageError("--endpoint works in-process only", "drop --daemon, or drop --endpoint to use the daemon's upstream");
  auto settings = settings_from(args);
  bool dry_run = args.has("dry-run");
  // --endpoint names an upstream for this run only: the daemon has its own, so work in-process.
  auto daemon = daemon_from_flags(args, settings, args.has("endpoint"));
  auto report = daemon ? repair_by_daemon(*daemon, args, dry_run) : repair_in_process(settings, args, dry_run);
  if (!report.symlinks)
    std::fprintf(stderr, "hfcache: note: %s; snapshot files are repaired as copies, as huggingface_hub makes them on "
                 "Windows (more disk space, no links)\n",
                 settings.disable_symlinks ? "HF_HUB_DISABLE_SYMLINKS is set"
                                           : (settings.cache_dir.string() + " cannot hold symlinks").c_str());
  if (args.has("json")) {
    std::cout << repair::repair_result_json(report, dry_run).dump(2) << "\n";
  } else {
    print_repair_report(report, dry_run);
  }
  if (report.complete()) return 0;
  for (const auto& r : report.repos) {
    if (r.complete) continue;
    std::string left;
    for (const auto& e : r.entries)
      if (!e.fixed) left += "\n  " + r.repo.folder_name() + "/" + e.path + " (" + std::string(repair::to_string(e.found)) + ")";
    std::fprintf(stderr, "hfcache: error: %s is not fully repaired; damaged:%s\nhint: to finish: %s\n",
                 r.repo.display().c_str(), left.c_str(), r.finish_command.c_str());
  }
  return static_cast<int>(ExitCode::integrity);
}

}  // namespace hfcache::cli
