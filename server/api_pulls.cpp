// POST /v1/pulls, GET /v1/pulls/{id}, GET /v1/pulls/{id}/events (server-sent events).
#include <httplib.h>

#include "api_response.hpp"
#include "api_routes.hpp"
#include "core/revision.hpp"
#include "pull_jobs.hpp"

namespace hfcache::server {
namespace {

using nlohmann::json;

constexpr auto ping_interval = std::chrono::seconds(15);
// How often a waiting stream looks at the daemon's stopping flag.
constexpr auto stream_poll = std::chrono::milliseconds(250);

std::vector<std::string> string_list(const json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array()) throw UsageError(std::string("'") + key + "' must be a list of glob patterns");
  for (const auto& v : *it) {
    if (!v.is_string()) throw UsageError(std::string("'") + key + "' must be a list of glob patterns");
    out.push_back(v.get<std::string>());
  }
  return out;
}

PullSpec spec_from(const json& body) {
  auto repo_text = string_field(body, "repo");
  if (!repo_text) throw UsageError("'repo' is missing", "send {\"repo\": \"org/name\"}");
  std::optional<core::RepoType> type;
  if (auto t = string_field(body, "type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(*repo_text, type, true);
  PullSpec spec;
  spec.repo = parsed.repo;
  spec.revision = string_field(body, "revision").value_or(parsed.revision.value_or("main"));
  core::validate_revision(spec.revision);
  spec.include = string_list(body, "include");
  spec.exclude = string_list(body, "exclude");
  return spec;
}

}  // namespace

void register_pull_routes(httplib::Server& http, ApiServices& api) {
  http.Post("/v1/pulls", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req, {"repo", "revision", "type", "include", "exclude"});
    auto submitted = api.pulls.submit(spec_from(body));
    res.set_header("Location", "/v1/pulls/" + submitted.id);
    send_json(res, 202, {{"id", submitted.id}, {"state", submitted.state}, {"shared", submitted.shared}});
  });

  http.Get(R"(/v1/pulls/([^/]+))", [&api](const httplib::Request& req, httplib::Response& res) {
    auto status = api.pulls.status(req.matches[1]);
    if (!status) throw NotFoundError("no pull job " + std::string(req.matches[1]), "finished jobs are kept for a while only");
    send_json(res, 200, *status);
  });

  http.Get(R"(/v1/pulls/([^/]+)/events)", [&api](const httplib::Request& req, httplib::Response& res) {
    auto queue = api.pulls.subscribe(req.matches[1]);
    if (!queue) throw NotFoundError("no pull job " + std::string(req.matches[1]), "finished jobs are kept for a while only");
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto last_write = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_chunked_content_provider("text/event-stream", [queue, last_write, &api](std::size_t, httplib::DataSink& sink) {
      bool closed = false;
      auto events = queue->wait(std::chrono::duration_cast<std::chrono::milliseconds>(stream_poll), closed);
      std::string out;
      for (const auto& e : events) out += format_sse(e);
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
