// hfcache verify [REPO]: read-only check of the cache. Hashes every blob a snapshot links to against
// its name and classifies every snapshot entry and ref; exit 6 when anything is damaged or corrupt,
// naming the files and the command that fixes them. With a daemon serving this cache, the daemon
// does the work (POST /v1/verify) and the output is the same.
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
    "usage: hfcache verify [REPO] [--type T] [--json] [--cache-dir DIR] [--config FILE] [--local | --daemon URL]\n";

}  // namespace

int cmd_verify(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"json"}, {"type", true}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "verify");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() > 1) throw UsageError("verify takes at most one REPO", usage);
  auto settings = settings_from(args);
  std::optional<core::RepoRef> repo;
  if (args.positional.size() == 1) {
    std::optional<core::RepoType> type;
    if (auto t = args.value("type")) type = core::parse_repo_type(*t);
    repo = core::parse_repo_arg(args.positional[0], type).repo;
  }
  auto service = service_from_flags(args, settings);
  if (!service->via_daemon()) {  // the daemon checks the user's token itself
    if (repo)
      refuse_closed_repo(settings, *repo);
    else
      note_closed_repos(settings);
  }
  auto report = service->verify({repo});
  bool damaged = repair::report_damaged(report);
  std::string fix = repair::verify_fix_command(report);
  if (args.has("json")) {
    std::cout << repair::verify_result_json(report).dump(2) << "\n";
  } else {
    std::size_t ok = 0, bad = 0, left = 0;
    for (const auto& r : report.repos) {
      ok += r.entries_ok;
      bad += r.entries.size();
      left += r.leftovers.size();
      for (const auto& l : r.leftovers)
        std::printf("leftover %-17s %s/%s: `%s` removes it\n", l.kind.c_str(), r.repo.folder_name().c_str(),
                    l.path.c_str(), l.clear.c_str());
      for (const auto& e : r.entries)
        std::printf("%s %-17s %s/%s: %s\n", e.fixed ? "damaged" : "DAMAGED", std::string(repair::to_string(e.found)).c_str(),
                    r.repo.folder_name().c_str(), e.path.c_str(), e.fixed ? ("repair would: " + e.action).c_str()
                                                                          : e.action.c_str());
    }
    std::printf("%zu repo(s): %zu entr%s correct, %zu damaged\n", report.repos.size(), ok, ok == 1 ? "y" : "ies", bad);
    // Leftovers are not damage (huggingface_hub reads the cache as it is): named, exit 0.
    if (left > 0)
      std::printf("%zu leftover(s) of interrupted commands or file managers; to clear them run: %s\n", left,
                  repair::leftovers_clear_command(report).c_str());
  }
  if (!damaged) return 0;
  std::fprintf(stderr, "hfcache: error: the cache %s is damaged; to fix it run: %s\n", settings.cache_dir.c_str(), fix.c_str());
  return static_cast<int>(ExitCode::integrity);
}

}  // namespace hfcache::cli
