// POST /v1/pulls, GET /v1/pulls/{id}, GET /v1/pulls/{id}/events (server-sent events).
#include <httplib.h>

#include "api/pull_request_json.hpp"
#include "api/routes.hpp"
#include "api/server_events.hpp"
#include "access_check.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "pull_jobs.hpp"

namespace hfcache::server {
namespace {

constexpr auto ping_interval = std::chrono::seconds(15);
// How often a waiting stream looks at the daemon's stopping flag.
constexpr auto stream_poll = std::chrono::milliseconds(250);

NotFoundError no_such_job(const std::string& id) {
  return NotFoundError("no pull job " + id, "finished jobs are kept for a while only");
}

}  // namespace

void register_pull_routes(httplib::Server& http, ApiServices& api) {
  http.Post(api::routes::pulls, [&api](const httplib::Request& req, httplib::Response& res) {
    auto request = read_body(req, api::read_pull_request);
    auto as_client = require_access(api.context, request.repo, req.get_header_value("Authorization"));
    auto submitted = api.pulls.submit(std::move(request), false, std::move(as_client));
    res.set_header("Location", api::pull_route(submitted.id));
    send_json(res, 202, api::to_json(submitted));
  });

  http.Get(api::routes::pull_pattern, [&api](const httplib::Request& req, httplib::Response& res) {
    auto job = api.pulls.status(req.matches[1]);
    if (!job) throw no_such_job(req.matches[1]);
    send_json(res, 200, api::to_json(*job));
  });

  http.Get(api::routes::pull_events_pattern, [&api](const httplib::Request& req, httplib::Response& res) {
    auto queue = api.pulls.subscribe(req.matches[1]);
    if (!queue) throw no_such_job(req.matches[1]);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto last_write = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_chunked_content_provider("text/event-stream", [queue, last_write, &api](std::size_t, httplib::DataSink& sink) {
      bool closed = false;
      auto events = queue->wait(std::chrono::duration_cast<std::chrono::milliseconds>(stream_poll), closed);
      std::string out;
      for (const auto& e : events) out += api::format_sse(e);
      auto now = std::chrono::steady_clock::now();
      if (out.empty() && now - *last_write >= ping_interval) out = ": ping\n\n";
      if (!out.empty()) {
        if (!sink.write(out.data(), out.size())) return false;
        *last_write = now;
      }
      if (closed || api.stopping) sink.done();
      return true;
    });
  });
}

}  // namespace hfcache::server
