// hfcache rm REPO[@REV]: delete a repo or one revision as huggingface_hub's delete_revisions does,
// after showing what goes and asking (or --yes); through hfcached when one serves this cache.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "hub/url.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "daemon_client.hpp"
#include "index/index_for_settings.hpp"
#include "maintenance/maintenance_json.hpp"
#include "maintenance/remove.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache rm REPO[@REV] [--type T] [--yes] [--dry-run] [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "  Without @REV the whole repo goes; with it (a branch, tag, refs/pr/N or commit) that revision, the refs\n"
    "  pointing at it and the blobs no other cached revision uses. Asks for confirmation on a terminal;\n"
    "  elsewhere --yes is required. --dry-run only shows what would be deleted.\n";

std::string human(std::uint64_t n) { return ProgressBar::human_bytes(static_cast<double>(n)); }

void print_plan(const nlohmann::json& plan, bool done) {
  std::string what = plan.value("whole_repo", false) ? "the whole repo" : "";
  std::string display = plan.value("type", "model") == "model" ? plan.value("id", "")
                                                               : plan.value("type", "") + "s/" + plan.value("id", "");
  std::printf("%s %s%s%s\n", done ? "deleted" : "would delete", display.c_str(), what.empty() ? "" : ": ", what.c_str());
  for (const auto& c : plan.value("commits", std::vector<std::string>{})) std::printf("  revision %s\n", c.c_str());
  for (const auto& r : plan.value("refs", std::vector<std::string>{})) std::printf("  ref %s\n", r.c_str());
  std::printf("  %zu blob(s), %s %s\n", plan.value("blobs", std::size_t{0}),
              human(plan.value("bytes_freed", std::uint64_t{0})).c_str(), done ? "freed" : "to free");
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

std::string delete_path(const core::RepoRef& repo, const std::optional<std::string>& revision, bool dry_run) {
  std::string path = "/v1/repos/" + std::string(core::plural(repo.type)) + "/" + repo.id;
  std::string query;
  if (revision) query += "revision=" + hub::percent_encode(*revision, "/");
  if (dry_run) query += std::string(query.empty() ? "" : "&") + "dry_run=1";
  return query.empty() ? path : path + "?" + query;
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
  auto daemon = daemon_from_flags(args, settings);

  nlohmann::json plan_json;
  std::optional<maintenance::RemovePlan> plan;
  if (daemon) {
    auto reply = daemon->del(delete_path(parsed.repo, parsed.revision, true));
    DaemonClient::raise_for_status(reply, "planning to delete " + target);
    plan_json = reply.json();
  } else {
    plan = maintenance::plan_remove(core::CacheLayout(settings.cache_dir), parsed.repo, parsed.revision);
    plan_json = maintenance::remove_plan_json(*plan, true);
  }
  if (dry_run) {
    if (json) std::cout << plan_json.dump(2) << "\n";
    else print_plan(plan_json, false);
    return 0;
  }
  if (!args.has("yes")) {
    print_plan(plan_json, false);
    if (!confirmed(target)) {
      std::fprintf(stderr, "hfcache: nothing deleted\n");
      return static_cast<int>(ExitCode::failure);
    }
  }
  nlohmann::json result;
  if (daemon) {
    auto reply = daemon->del(delete_path(parsed.repo, parsed.revision, false));
    DaemonClient::raise_for_status(reply, "deleting " + target);
    result = reply.json();
  } else {
    maintenance::execute_remove(core::CacheLayout(settings.cache_dir), *plan);
    if (auto err = index::refresh_index_after_change(settings, parsed.repo))
      std::fprintf(stderr, "hfcache: warning: the index was not updated (%s); the next command catches up\n", err->c_str());
    result = maintenance::remove_plan_json(*plan, false);
  }
  if (json) std::cout << result.dump(2) << "\n";
  else print_plan(result, true);
  return 0;
}

}  // namespace hfcache::cli
