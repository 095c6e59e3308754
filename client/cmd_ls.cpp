// hfcache ls / show: what the cache holds, answered from the index (caught up with the folder by
// a stat per repo; the folder itself when the index cannot be opened), or by hfcached when one
// serves this cache.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "local_model/local_import.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

std::string format_time(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  auto secs = static_cast<std::time_t>(unix_seconds);
  char buf[32];
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string human(std::uint64_t n) { return ProgressBar::human_bytes(static_cast<double>(n)); }

std::string refs_of(const index::IndexedRepo& r) {
  std::string out;
  for (const auto& [name, commit] : r.refs) out += (out.empty() ? "" : ",") + name;
  return out.empty() ? "-" : out;
}

nlohmann::json revision_json(const index::IndexedRevision& rev) {
  nlohmann::json j = {{"commit", rev.commit},       {"refs", rev.refs},
                      {"size", rev.size},           {"nb_files", rev.files},
                      {"last_modified", format_time(rev.last_modified)},
                      {"last_accessed", format_time(rev.last_access)},
                      {"pinned", rev.pinned}};
  if (rev.expected_files) {
    j["expected_files"] = *rev.expected_files;
    j["missing_files"] = rev.missing_files;
  }
  j["files"] = nlohmann::json::array();
  for (const auto& f : rev.file_list) j["files"].push_back({{"path", f.path}, {"size", f.size}, {"blob", f.blob}, {"ok", f.ok}});
  return j;
}

std::optional<nlohmann::json> checkpoint_json(const std::filesystem::path& snapshot) {
  auto info = local_model::checkpoint_info(snapshot);
  if (!info) return std::nullopt;
  auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"present", info->present}, {"missing", info->missing},
                      {"global_step", optional(info->global_step)}, {"epoch", optional(info->epoch)},
                      {"best_metric", optional(info->best_metric)},
                      {"best_model_checkpoint", optional(info->best_model_checkpoint)}};
  if (!info->trainer_state_error.empty()) j["trainer_state_error"] = info->trainer_state_error;
  return j;
}

void print_checkpoint(const std::filesystem::path& snapshot) {
  auto info = local_model::checkpoint_info(snapshot);
  if (!info) return;
  auto number = [](const auto& v) { return v ? nlohmann::json(*v).dump() : std::string("-"); };
  std::printf("    Trainer checkpoint: step %s, epoch %s, best metric %s (%s)\n", number(info->global_step).c_str(),
              number(info->epoch).c_str(), number(info->best_metric).c_str(),
              info->best_model_checkpoint ? info->best_model_checkpoint->c_str() : "no best checkpoint");
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? std::string("-") : out;
  };
  std::printf("      present: %s\n      missing: %s\n", join(info->present).c_str(), join(info->missing).c_str());
  if (!info->trainer_state_error.empty()) std::printf("      trainer_state.json: %s\n", info->trainer_state_error.c_str());
}

constexpr const char* ls_usage =
    "usage: hfcache ls [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "  Lists the cached repos from the index (state_dir/index.sqlite), which catches up with changes other\n"
    "  tools made to the cache folder; `hfcache reindex` rebuilds it from scratch.\n";
constexpr const char* show_usage = "usage: hfcache show REPO [--type T] [--json] [--cache-dir DIR] [--local | --daemon URL]\n";

}  // namespace

int cmd_ls(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"json"}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "ls");
  if (args.has("help")) {
    std::cout << ls_usage;
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("ls takes no arguments", "use `hfcache show REPO` for one repo");
  auto settings = settings_from(args);
  auto service = service_from_flags(args, settings);
  std::vector<core::RepoRef> closed;
  if (!service->via_daemon()) closed = note_closed_repos(settings);
  auto repos = service->list_repos();
  // An index made while such a folder was still open keeps its row: the note above stands for it.
  std::erase_if(repos, [&](const index::IndexedRepo& r) { return std::find(closed.begin(), closed.end(), r.repo) != closed.end(); });
  core::CacheLayout layout(settings.cache_dir);
  if (args.has("json")) {
    auto out = nlohmann::json::array();
    for (const auto& r : repos) {
      out.push_back({{"repo", r.repo.id}, {"type", core::to_string(r.repo.type)}, {"size", r.size},
                     {"nb_files", r.blob_count}, {"refs", r.refs}, {"revisions", r.revisions.size()},
                     {"last_modified", format_time(r.last_modified)}, {"last_accessed", format_time(r.last_access)},
                     {"path", layout.repo_dir(r.repo).string()}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-40s %-8s %10s %6s %-20s %-16s %s\n", "REPO ID", "TYPE", "SIZE", "FILES", "REFS", "LAST MODIFIED", "LOCAL PATH");
  std::uint64_t total = 0;
  for (const auto& r : repos) {
    total += r.size;
    std::printf("%-40s %-8s %10s %6zu %-20s %-16s %s\n", r.repo.id.c_str(), std::string(core::to_string(r.repo.type)).c_str(),
                human(r.size).c_str(), r.blob_count, refs_of(r).c_str(), format_time(r.last_modified).c_str(),
                layout.repo_dir(r.repo).c_str());
  }
  std::printf("\n%zu repo(s), %s in %s\n", repos.size(), human(total).c_str(), settings.cache_dir.c_str());
  return 0;
}

int cmd_show(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"json"}, {"type", true}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "show");
  if (args.has("help")) {
    std::cout << show_usage;
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError("show takes exactly one REPO", show_usage);
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(args.positional[0], type);
  auto settings = settings_from(args);
  auto service = service_from_flags(args, settings);
  if (!service->via_daemon()) refuse_closed_repo(settings, parsed.repo);  // the daemon checks the user's token
  auto repo = service->find_repo(parsed.repo);
  if (!repo)
    throw NotFoundError(parsed.repo.display() + " is not in the cache " + settings.cache_dir.string(),
                        "run `hfcache pull " + parsed.repo.display() + "`");
  core::CacheLayout layout(settings.cache_dir);
  auto dir = layout.repo_dir(repo->repo);
  if (args.has("json")) {
    nlohmann::json out = {{"repo", repo->repo.id}, {"type", core::to_string(repo->repo.type)}, {"path", dir.string()},
                          {"size", repo->size}, {"nb_files", repo->blob_count}, {"refs", repo->refs},
                          {"revisions", nlohmann::json::array()}};
    for (const auto& rev : repo->revisions) {
      auto j = revision_json(rev);
      if (auto ckpt = checkpoint_json(dir / "snapshots" / rev.commit)) j["checkpoint"] = std::move(*ckpt);
      out["revisions"].push_back(std::move(j));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%s (%s)\n  path: %s\n  size: %s in %zu blob(s)\n", repo->repo.id.c_str(),
              std::string(core::to_string(repo->repo.type)).c_str(), dir.c_str(), human(repo->size).c_str(), repo->blob_count);
  std::printf("  refs:\n");
  for (const auto& [name, commit] : repo->refs) std::printf("    %-24s %s\n", name.c_str(), commit.c_str());
  for (const auto& rev : repo->revisions) {
    std::string state = !rev.expected_files ? "no file listing"
                        : rev.missing_files ? std::to_string(rev.missing_files) + " file(s) missing"
                                            : "complete";
    std::printf("  revision %s (%s; %s, %zu file(s); %s%s)\n", rev.commit.c_str(),
                rev.refs.empty() ? "no ref" : rev.refs.front().c_str(), human(rev.size).c_str(), rev.files, state.c_str(),
                rev.pinned ? "; pinned" : "");
    print_checkpoint(dir / "snapshots" / rev.commit);
    for (const auto& f : rev.file_list)
      std::printf("    %s %-50s %10s\n", f.ok ? " " : "!", f.path.c_str(), human(f.size).c_str());
  }
  return 0;
}

}  // namespace hfcache::cli
