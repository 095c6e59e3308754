// hfcache repair: fix a copied cache in place (docs/cache-damage.md) so every snapshot file is a
// correct link again; exit 6 when damage remains, naming it and the command that finishes the job.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "hub/hub_from_settings.hpp"
#include "repair/repair.hpp"
#include "repair_report.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache repair [--cache-dir DIR] [--dry-run] [--json] [--endpoint URL] [--verify] [--config FILE]\n"
    "\n"
    "  --dry-run    print the plan; change nothing\n"
    "  --endpoint   ask this hub's file listing for placeholders no local listing explains\n"
    "  --verify     also hash every blob a correct link points at (a blob not matching its name is set aside)\n";

}  // namespace

int cmd_repair(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"dry-run"}, {"json"}, {"endpoint", true}, {"verify"}});
  auto args = parse_args(argv, specs, "repair");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("repair takes no arguments", usage);
  auto settings = settings_from(args);
  std::unique_ptr<hub::HubClient> hub;
  if (args.has("endpoint")) hub = hub::make_hub_client(settings);
  repair::RepairOptions options;
  options.dry_run = args.has("dry-run");
  options.verify_blobs = args.has("verify");
  options.hub = hub.get();
  if (settings.disable_symlinks) options.symlinks = false;
  core::CacheLayout layout(settings.cache_dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(settings.cache_dir, ec))
    throw NotFoundError("the cache folder " + settings.cache_dir.string() + " does not exist",
                        "give the folder to repair with --cache-dir");
  auto report = repair::repair_cache(layout, options);
  if (!report.symlinks)
    std::fprintf(stderr, "hfcache: note: %s; snapshot files are repaired as copies, as huggingface_hub makes them on "
                 "Windows (more disk space, no links)\n",
                 settings.disable_symlinks ? "HF_HUB_DISABLE_SYMLINKS is set"
                                           : (settings.cache_dir.string() + " cannot hold symlinks").c_str());
  if (args.has("json")) {
    auto out = repair_report_json(report);
    out["dry_run"] = options.dry_run;
    std::cout << out.dump(2) << "\n";
  } else {
    print_repair_report(report, options.dry_run);
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
