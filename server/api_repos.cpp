// /v1/repos (list, detail, DELETE), /v1/path, /v1/pins and /v1/reindex: the cache as the index
// sees it, refreshed first so changes made by other tools (huggingface_hub itself) show up.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "api_response.hpp"
#include "api_routes.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/snapshot.hpp"
#include "daemon_context.hpp"
#include "index/cache_index.hpp"
#include "index/index_json.hpp"
#include "maintenance/maintenance_json.hpp"
#include "maintenance/remove.hpp"

namespace hfcache::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The route pattern's {models|datasets|spaces}/{repo_id}.
core::RepoRef route_repo(const httplib::Request& req) {
  std::string plural = req.matches[1], id = req.matches[2];
  core::RepoRef repo{core::parse_repo_type(plural.substr(0, plural.size() - 1)), id};
  if (!core::is_valid_repo_id(id)) throw UsageError("'" + id + "' is not a valid repo id");
  return repo;
}

// A repo from a query string or body: `repo` in any CLI form, `type` optional.
core::ParsedRepoArg repo_arg(const std::optional<std::string>& repo, const std::optional<std::string>& type) {
  if (!repo) throw UsageError("'repo' is missing", "give repo=org/name");
  std::optional<core::RepoType> t;
  if (type) t = core::parse_repo_type(*type);
  return core::parse_repo_arg(*repo, t, true);
}

std::string not_cached_hint(const core::RepoRef& repo) { return "pull it first: hfcache pull " + repo.display(); }

// The commit a revision names in the cache, for pins; NotFoundError when the cache lacks it.
std::string cached_commit(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& revision) {
  auto commit = core::read_ref(layout, repo, revision);
  if (!commit || !fs::is_directory(layout.snapshot_dir(repo, *commit)))
    throw NotFoundError("the cache has no revision '" + revision + "' of " + repo.display(), not_cached_hint(repo));
  return *commit;
}

void pin(ApiServices& api, httplib::Response& res, const core::ParsedRepoArg& parsed,
         const std::optional<std::string>& revision_field, bool pinned) {
  std::string revision = revision_field.value_or(parsed.revision.value_or("main"));
  core::validate_revision(revision);
  auto commit = cached_commit(api.context.layout, parsed.repo, revision);
  api.context.index.refresh_repo(parsed.repo);
  api.context.index.set_pinned(parsed.repo, commit, pinned);
  spdlog::info("{} {}@{}", pinned ? "pinned" : "unpinned", parsed.repo.display(), commit);
  send_json(res, 200, {{"type", core::to_string(parsed.repo.type)}, {"id", parsed.repo.id}, {"commit", commit},
                       {"pinned", pinned}});
}

}  // namespace

void register_repo_routes(httplib::Server& http, ApiServices& api) {
  static const std::string repo_pattern = R"(/v1/repos/(models|datasets|spaces)/([^?]+))";

  http.Get("/v1/repos", [&api](const httplib::Request&, httplib::Response& res) {
    api.context.index.refresh_stale();
    json repos = json::array();
    for (const auto& r : api.context.index.list_repos()) repos.push_back(index::repo_summary_json(r));
    send_json(res, 200, {{"repos", repos}});
  });

  http.Get(repo_pattern, [&api](const httplib::Request& req, httplib::Response& res) {
    auto repo = route_repo(req);
    api.context.index.refresh_stale();
    auto found = api.context.index.repo(repo, true);
    if (!found) throw NotFoundError(repo.display() + " is not in the cache", not_cached_hint(repo));
    send_json(res, 200, index::repo_detail_json(*found));
  });

  http.Delete(repo_pattern, [&api](const httplib::Request& req, httplib::Response& res) {
    auto repo = route_repo(req);
    auto revision = query(req, "revision");
    if (revision) core::validate_revision(*revision);
    bool dry_run = query_flag(req, "dry_run");
    auto plan = maintenance::plan_remove(api.context.layout, repo, revision);
    for (const auto& commit : plan.commits) {
      if (api.context.usage.in_use(repo, commit))
        return send_error(res, 409, "in_use", repo.display() + "@" + commit + " is in use (being served or pulled)",
                          "try again when the pull or download has finished");
    }
    if (!dry_run) {
      maintenance::execute_remove(api.context.layout, plan);
      api.context.index.refresh_repo(repo);
      spdlog::info("removed {} ({} revision(s), {} bytes)", repo.display(), plan.commits.size(), plan.bytes_freed);
    }
    send_json(res, 200, maintenance::remove_plan_json(plan, dry_run));
  });

  http.Get("/v1/path", [&api](const httplib::Request& req, httplib::Response& res) {
    auto parsed = repo_arg(query(req, "repo"), query(req, "type"));
    const auto& repo = parsed.repo;
    std::string revision = query(req, "revision").value_or(parsed.revision.value_or("main"));
    core::validate_revision(revision);
    auto file = query(req, "file");
    if (file) core::validate_repo_path(*file);
    const auto& layout = api.context.layout;
    auto commit = cached_commit(layout, repo, revision);
    fs::path path = layout.snapshot_dir(repo, commit);
    if (file) {
      if (!core::snapshot_file_present(layout, repo, commit, *file)) {
        if (fs::exists(layout.no_exist_path(repo, commit, *file)))
          throw NotFoundError(repo.display() + "@" + revision + " has no file '" + *file + "' (the hub said so)",
                              "check the file name");
        throw NotFoundError("'" + *file + "' of " + repo.display() + "@" + revision + " is not in the cache",
                            not_cached_hint(repo) + " --include '" + *file + "'");
      }
      path = layout.snapshot_file(repo, commit, *file);
    }
    if (req.get_header_value("Accept").find("text/plain") != std::string::npos) {
      res.set_content(path.string() + "\n", "text/plain; charset=utf-8");
      return;
    }
    send_json(res, 200, {{"path", path.string()}, {"commit", commit}});
  });

  http.Post("/v1/pins", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req, {"repo", "type", "revision"});
    pin(api, res, repo_arg(string_field(body, "repo"), string_field(body, "type")), string_field(body, "revision"), true);
  });

  http.Delete("/v1/pins", [&api](const httplib::Request& req, httplib::Response& res) {
    pin(api, res, repo_arg(query(req, "repo"), query(req, "type")), query(req, "revision"), false);
  });

  http.Post("/v1/reindex", [&api](const httplib::Request& req, httplib::Response& res) {
    parse_body(req, {});
    auto start = std::chrono::steady_clock::now();
    auto repos = api.context.index.rebuild();
    std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    spdlog::info("reindexed {} repo(s) in {:.3f} s", repos, seconds.count());
    send_json(res, 200, {{"repos", repos}, {"seconds", seconds.count()}});
  });
}

}  // namespace hfcache::server
