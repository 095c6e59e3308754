// POST /v1/verify, /v1/repair and /v1/gc: the same work and the same JSON objects as
// `hfcache verify --json`, `hfcache repair --json` and `hfcache gc`.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "api_response.hpp"
#include "api_routes.hpp"
#include "daemon_context.hpp"
#include "index/cache_index.hpp"
#include "maintenance/gc.hpp"
#include "maintenance/maintenance_json.hpp"
#include "pull_jobs.hpp"
#include "index/index_catalog.hpp"
#include "repair/report_json.hpp"

namespace hfcache::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

void require_cache_folder(const core::CacheLayout& layout) {
  std::error_code ec;
  if (!fs::is_directory(layout.root(), ec))
    throw NotFoundError("the cache folder " + layout.root().string() + " does not exist", "pull something first");
}

std::optional<std::uint64_t> max_size_field(const json& body) {
  auto it = body.find("max_size");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_string()) return maintenance::parse_size(it->get<std::string>());
  throw UsageError("'max_size' must be a size such as \"10G\" or a number of bytes");
}

}  // namespace

void register_maintenance_routes(httplib::Server& http, ApiServices& api) {
  http.Post("/v1/verify", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req, {"repo", "type"});
    const auto& layout = api.context.layout;
    auto runtime = api.context.runtime();
    repair::RepairOptions options;
    options.dry_run = true;
    options.verify_blobs = true;
    // Read-only: no probe link is written. Copies count as correct only where huggingface_hub makes them.
    options.symlinks = !runtime->settings.disable_symlinks;
    repair::RepairReport report;
    if (auto repo_text = string_field(body, "repo")) {
      std::optional<core::RepoType> type;
      if (auto t = string_field(body, "type")) type = core::parse_repo_type(*t);
      auto repo = core::parse_repo_arg(*repo_text, type).repo;
      std::error_code ec;
      if (!fs::is_directory(layout.repo_dir(repo), ec))
        throw NotFoundError(repo.display() + " is not in the cache " + layout.root().string(),
                            "run `hfcache pull " + repo.display() + "`");
      report = repair::repair_repo(layout, repo, options);
    } else {
      require_cache_folder(layout);
      report = repair::repair_cache(layout, options);
    }
    send_json(res, 200, repair::verify_result_json(report));
  });

  http.Post("/v1/repair", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req, {"dry_run", "verify", "upstream"});
    const auto& layout = api.context.layout;
    auto runtime = api.context.runtime();
    repair::RepairOptions options;
    options.dry_run = bool_field(body, "dry_run", false);
    options.verify_blobs = bool_field(body, "verify", false);
    if (bool_field(body, "upstream", false)) options.hub = runtime->hub.get();
    if (runtime->settings.disable_symlinks) options.symlinks = false;
    // A repair renames snapshot entries and blobs: not while a pull is writing them.
    if (!options.dry_run && api.pulls.active() > 0)
      return send_error(res, 409, "in_use", "pull jobs are running; a repair now could race with their writes",
                        "wait until GET /v1/health shows active_pulls 0, then repair");
    require_cache_folder(layout);
    // What the index knew of each snapshot file, unless it has caught up with the damage already.
    auto remembered = index::catalog_from_index(api.context.index);
    if (!remembered.empty()) options.extra_catalog = &remembered;
    auto report = repair::repair_cache(layout, options);
    if (!options.dry_run && report.changed) {
      for (const auto& r : report.repos) api.context.index.refresh_repo(r.repo);
      spdlog::info("repair: {} repo(s) checked, {} bytes freed{}", report.repos.size(), report.bytes_freed,
                   report.complete() ? "" : ", damage left");
    }
    send_json(res, 200, repair::repair_result_json(report, options.dry_run));
  });

  http.Post("/v1/gc", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req, {"max_size", "dry_run"});
    auto max_size = max_size_field(body);
    bool dry_run = bool_field(body, "dry_run", false);
    auto& index = api.context.index;
    index.refresh_stale();
    auto& usage = api.context.usage;
    auto plan = maintenance::plan_gc(index, max_size, [&usage](const core::RepoRef& repo, const std::string& commit) {
      return usage.in_use(repo, commit);
    });
    if (!dry_run) {
      maintenance::execute_gc(index, plan);
      spdlog::info("gc: {} -> {} bytes, {} eviction(s), {} orphan blob(s)", plan.size_before, plan.size_after,
                   plan.evictions.size(), plan.orphan_blobs.size());
    }
    send_json(res, 200, maintenance::gc_plan_json(plan, dry_run));
  });
}

}  // namespace hfcache::server
