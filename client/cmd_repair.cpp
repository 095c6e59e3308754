// hfcache repair: fix a copied cache in place (docs/cache-damage.md) so every snapshot file is a
// correct link again; exit 6 when damage remains, naming it and the command that finishes the job.
// With a daemon serving this cache (and no --endpoint), the daemon repairs (POST /v1/repair), so
// the repair never races with its pulls; the output is the same.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
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
  auto service = service_from_flags(args, settings, args.has("endpoint"));
  if (!service->via_daemon()) note_closed_repos(settings);
  auto report = service->repair({dry_run, args.has("verify"), args.has("endpoint")});
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
