// POST /v1/verify, /v1/repair and /v1/gc: the same work and the same JSON objects as
// `hfcache verify --json`, `hfcache repair --json` and `hfcache gc`.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/check_calls.hpp"
#include "api/gc_call.hpp"
#include "api/routes.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "pull_jobs.hpp"
#include "repair/report_json.hpp"

namespace hfcache::server {

void register_maintenance_routes(httplib::Server& http, ApiServices& api) {
  http.Post(api::routes::verify, [&api](const httplib::Request& req, httplib::Response& res) {
    auto report = api.cache.verify(read_body(req, api::read_verify_request));
    send_json(res, 200, repair::verify_result_json(report));
  });

  http.Post(api::routes::repair, [&api](const httplib::Request& req, httplib::Response& res) {
    auto request = read_body(req, api::read_repair_request);
    // A repair renames snapshot entries and blobs: not while a pull is writing them.
    if (!request.dry_run && api.pulls.active() > 0)
      throw InUseError("pull jobs are running; a repair now could race with their writes",
                       "wait until GET /v1/health shows active_pulls 0, then repair");
    auto report = api.cache.repair(request);
    if (!request.dry_run && report.changed)
      spdlog::info("repair: {} repo(s) checked, {} bytes freed{}", report.repos.size(), report.bytes_freed,
                   report.complete() ? "" : ", damage left");
    send_json(res, 200, repair::repair_result_json(report, request.dry_run));
  });

  http.Post(api::routes::gc, [&api](const httplib::Request& req, httplib::Response& res) {
    auto answer = api.cache.gc(read_body(req, api::read_gc_request));
    if (!answer.dry_run)
      spdlog::info("gc: {} -> {} bytes, {} eviction(s), {} orphan blob(s)", answer.size_before, answer.size_after,
                   answer.evicted.size(), answer.orphan_blobs);
    send_json(res, 200, api::to_json(answer));
  });
}

}  // namespace hfcache::server
