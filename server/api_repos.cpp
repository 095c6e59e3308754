// /v1/repos (list, detail, DELETE), /v1/path, /v1/pins and /v1/reindex: the cache as the index
// sees it, refreshed first so changes made by other tools (huggingface_hub itself) show up.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/check_calls.hpp"
#include "api/path_call.hpp"
#include "api/pin_call.hpp"
#include "api/removal.hpp"
#include "api/repo_listing_json.hpp"
#include "api/routes.hpp"
#include "access_check.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "core/cache_lookup.hpp"
#include "daemon_context.hpp"

namespace hfcache::server {
namespace {

// The route pattern's {models|datasets|spaces}/{repo_id}.
core::RepoRef route_repo(const httplib::Request& req) { return api::repo_of_route(req.matches[1].str(), req.matches[2].str()); }

void pin(ApiServices& api, httplib::Response& res, const api::PinRequest& request) {
  auto answer = api.cache.pin(request);
  spdlog::info("{} {}@{}", answer.pinned ? "pinned" : "unpinned", answer.repo.display(), answer.commit);
  send_json(res, 200, api::to_json(answer));
}

}  // namespace

void register_repo_routes(httplib::Server& http, ApiServices& api) {
  http.Get(api::routes::repos, [&api](const httplib::Request& req, httplib::Response& res) {
    auto repos = api.cache.list_repos();
    // A restricted repo is listed only to the admin and to clients granted it (its name alone may
    // be a secret of the organisation).
    if (auto runtime = api.context.runtime(); api.context.access && runtime) {
      auto authorization = req.get_header_value("Authorization");
      auto learn = hub::CallLimits::within(std::chrono::seconds(runtime->settings.upstream_request_timeout_s));
      std::erase_if(repos, [&](const index::IndexedRepo& r) {
        return !api.context.access->may_list(r.repo, authorization, *runtime, &learn);
      });
    }
    send_json(res, 200, api::repo_list_json(repos));
  });

  http.Get(api::routes::repo_pattern, [&api](const httplib::Request& req, httplib::Response& res) {
    auto repo = route_repo(req);
    require_access(api.context, repo, req.get_header_value("Authorization"));
    auto found = api.cache.find_repo(repo);
    if (!found) throw NotFoundError(repo.display() + " is not in the cache", "pull it first: hfcache pull " + repo.display());
    send_json(res, 200, api::repo_detail_json(*found));
  });

  http.Delete(api::routes::repo_pattern, [&api](const httplib::Request& req, httplib::Response& res) {
    auto repo = route_repo(req);
    auto request = read_query(req, [&](api::ObjectReader& query) { return api::read_remove_request(repo, query); });
    auto answer = api.cache.remove(request);
    if (!answer.dry_run)
      spdlog::info("removed {} ({} revision(s), {} bytes)", repo.display(), answer.commits.size(), answer.bytes_freed);
    send_json(res, 200, api::to_json(answer));
  });

  http.Get(api::routes::path, [&api](const httplib::Request& req, httplib::Response& res) {
    auto request = read_query(req, api::read_path_request);
    require_access(api.context, request.repo, req.get_header_value("Authorization"));
    auto found = core::find_in_cache(api.context.layout, request.repo, request.revision, request.file);
    if (req.get_header_value("Accept").find("text/plain") != std::string::npos) {
      res.set_content(found.path.string() + "\n", "text/plain; charset=utf-8");
      return;
    }
    send_json(res, 200, api::to_json(api::PathAnswer{found.path.string(), found.commit}));
  });

  http.Post(api::routes::pins, [&api](const httplib::Request& req, httplib::Response& res) {
    pin(api, res, read_body(req, [](api::ObjectReader& body) { return api::read_pin_request(body, true); }));
  });

  http.Delete(api::routes::pins, [&api](const httplib::Request& req, httplib::Response& res) {
    pin(api, res, read_query(req, [](api::ObjectReader& query) { return api::read_pin_request(query, false); }));
  });

  http.Post(api::routes::reindex, [&api](const httplib::Request& req, httplib::Response& res) {
    read_body(req, [](api::ObjectReader&) { return 0; });
    auto answer = api.cache.reindex();
    spdlog::info("reindexed {} repo(s) in {:.3f} s", answer.repos, answer.seconds);
    send_json(res, 200, api::to_json(answer));
  });
}

}  // namespace hfcache::server
