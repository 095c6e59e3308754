// hfcache rm REPO[@REV]: delete a repo or one revision as huggingface_hub's delete_revisions does,
// after showing what goes and asking (or --yes); through hfcached when one serves this cache.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/removal.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache rm REPO[@REV] [--type T] [--yes] [--dry-run] [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "  Without @REV the whole repo goes; with it (a branch, tag, refs/pr/N or commit) that revision, the refs\n"
    "  pointing at it and the blobs no other cached revision uses. Asks for confirmation on a terminal;\n"
    "  elsewhere --yes is required. --dry-run only shows what would be deleted.\n";

std::string human(std::uint64_t n) { return ProgressBar::human_bytes(static_cast<double>(n)); }

void print_plan(const api::RemoveAnswer& plan, bool done) {
  std::printf("%s %s%s\n", done ? "deleted" : "would delete", plan.repo.display().c_str(),
              plan.whole_repo ? ": the whole repo" : "");
  for (const auto& c : plan.commits) std::printf("  revision %s\n", c.c_str());
  for (const auto& r : plan.refs) std::printf("  ref %s\n", r.c_str());
  std::printf("  %zu blob(s), %s %s\n", plan.blobs, human(plan.bytes_freed).c_str(), done ? "freed" : "to free");
}

// True when the user said yes; throws when nobody can be asked.
bool confirmed(const std::string& target) {
  if (!::isatty(STDIN_FILENO))
    throw UsageError("refusing to delete " + target + " without confirmation (stdin is not a terminal)",
                     "add --yes to delete, or --dry-run to see what would go");
  std::fprintf(stderr, "Delete %s? [y/N] ", target.c_str());
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace

int cmd_rm(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"yes"}, {"dry-run"}, {"json"}, {"type", true}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "rm");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError("rm takes exactly one REPO[@REV]", usage);
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(args.positional[0], type, true);
  auto settings = settings_from(args);
  bool dry_run = args.has("dry-run"), json = args.has("json");
  auto target = parsed.repo.display() + (parsed.revision ? "@" + *parsed.revision : "");
  auto service = service_from_flags(args, settings);
  if (!service->via_daemon()) refuse_closed_repo(settings, parsed.repo);  // the daemon decides for itself
  // Without --yes the user sees what would go first: a dry run, then the real one if they agree.
  api::RemoveRequest request{parsed.repo, parsed.revision, dry_run || !args.has("yes")};
  if (request.dry_run) {
    auto plan = service->remove(request);
    if (dry_run) {
      if (json) std::cout << api::to_json(plan).dump(2) << "\n";
      else print_plan(plan, false);
      return 0;
    }
    print_plan(plan, false);
    if (!confirmed(target)) {
      std::fprintf(stderr, "hfcache: nothing deleted\n");
      return static_cast<int>(ExitCode::failure);
    }
  }
  request.dry_run = false;
  auto result = service->remove(request);
  if (json) std::cout << api::to_json(result).dump(2) << "\n";
  else print_plan(result, true);
  return 0;
}

}  // namespace hfcache::cli
