#include "service/daemon_cache_service.hpp"

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/api_error.hpp"
#include "api/progress_event_json.hpp"
#include "api/pull_request_json.hpp"
#include "api/repo_listing_json.hpp"
#include "api/server_events.hpp"
#include "core/errors.hpp"
#include "repair/report_json.hpp"

namespace hfcache::service {

using nlohmann::json;

namespace {

// Polling cadence when the event stream is gone: often enough for a progress bar, cheap for the daemon.
constexpr auto poll_interval = std::chrono::milliseconds(300);

// Read an answer with `read`; an answer of the wrong shape means the daemon and this CLI disagree.
template <class Read>
auto read_answer(const json& answer, const std::string& what, Read read) -> decltype(read(answer)) {
  try {
    return read(answer);
  } catch (const Error& e) {
    throw Error(ExitCode::failure, "hfcached sent an answer to " + what + " that this hfcache cannot read: " + e.what(),
                "check that hfcached and hfcache are the same version");
  } catch (const json::exception& e) {
    throw Error(ExitCode::failure, "hfcached sent an answer to " + what + " that this hfcache cannot read: " + e.what(),
                "check that hfcached and hfcache are the same version");
  }
}

}  // namespace

DaemonCacheService::DaemonCacheService(std::unique_ptr<DaemonTransport> transport) : transport_(std::move(transport)) {}

json DaemonCacheService::call(std::string_view method, const api::Target& target, const json* body, const std::string& what,
                              bool missing_ok) {
  std::string text = body ? body->dump() : std::string();
  auto reply = transport_->call(method, target, body ? &text : nullptr);
  if (missing_ok && reply.status == 404) return nullptr;
  if (reply.status < 200 || reply.status >= 300) {
    auto error = api::error_from_body(reply.body).value_or(api::ApiError{"", reply.body.substr(0, 200), ""});
    if (error.message.empty()) error.message = what + " failed with HTTP " + std::to_string(reply.status);
    if (reply.status == 401 && error.hint.empty())
      error.hint = "set HFCACHE_ADMIN_TOKEN (or admin_token_file in the config) to the daemon's admin token";
    api::throw_api_error(error, reply.status);
  }
  auto answer = json::parse(reply.body, nullptr, false);
  if (answer.is_discarded())
    throw Error(ExitCode::failure, "hfcached sent a reply that is not JSON (HTTP " + std::to_string(reply.status) + ")",
                "check that the daemon address points at hfcached");
  return answer;
}

std::optional<api::Health> DaemonCacheService::health() {
  auto reply = transport_->probe({api::routes::health});
  if (!reply || reply->status != 200) return std::nullopt;
  auto doc = json::parse(reply->body, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return api::health_from_json(doc);
}

std::optional<std::string> DaemonCacheService::metrics() {
  auto reply = transport_->call("GET", {api::routes::metrics}, nullptr);
  if (reply.status != 200) return std::nullopt;
  return reply.body;
}

pull::PullResult DaemonCacheService::pull(const pull::PullRequest& request, const PullObserver& observer) {
  auto body = api::to_json(request);
  auto submitted = read_answer(call("POST", {api::routes::pulls}, &body, "starting the pull in hfcached"),
                               "POST /v1/pulls", api::pull_submitted_from_json);
  if (observer.on_job) observer.on_job(submitted.id, base_url());

  std::optional<api::PullJob> job;
  api::ServerEventParser parser([&](const api::ServerEvent& event) {
    try {
      if (event.name == api::progress_event && observer.progress)
        observer.progress(api::progress_event_from_json(json::parse(event.data)));
      if (event.name == api::done_event) {
        job = api::pull_job_from_json(json::parse(event.data));
        return false;
      }
    } catch (const json::exception&) {
      // A malformed event is skipped; the final state is read again below if need be.
    } catch (const UsageError&) {
    }
    return true;
  });
  transport_->stream({api::pull_events_route(submitted.id)}, [&](std::string_view bytes) { return parser.feed(bytes); });
  // The stream broke (or the daemon streams no events): ask for the job's state instead.
  if (!job || !api::finished(job->state)) job = poll_until_finished(submitted.id, observer.progress);
  return api::result_of(*job);
}

api::PullJob DaemonCacheService::poll_until_finished(const std::string& id, const pull::ProgressFn& progress) {
  for (;;) {
    auto job = read_answer(call("GET", {api::pull_route(id)}, nullptr, "following pull " + id), "GET /v1/pulls/" + id,
                           api::pull_job_from_json);
    if (api::finished(job.state)) return job;
    if (progress) {
      pull::ProgressEvent e;
      e.kind = pull::ProgressEvent::Kind::bytes;
      e.bytes_done = job.bytes_done;
      e.bytes_total = job.bytes_total;
      e.files_done = job.files_done;
      e.files_total = job.files_total;
      progress(e);
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

std::vector<index::IndexedRepo> DaemonCacheService::list_repos() {
  return read_answer(call("GET", {api::routes::repos}, nullptr, "listing the cache"), "GET /v1/repos",
                     api::repo_list_from_json);
}

std::optional<index::IndexedRepo> DaemonCacheService::find_repo(const core::RepoRef& repo) {
  auto answer = call("GET", {api::repo_route(repo)}, nullptr, "reading " + repo.display(), true);
  if (answer.is_null()) return std::nullopt;
  return read_answer(answer, "GET " + api::repo_route(repo), api::repo_from_json);
}

repair::RepairReport DaemonCacheService::verify(const api::VerifyRequest& request) {
  auto body = api::to_json(request);
  return read_answer(call("POST", {api::routes::verify}, &body, "verify on " + base_url()), "POST /v1/verify",
                     repair::repair_report_from_json);
}

repair::RepairReport DaemonCacheService::repair(const api::RepairRequest& request) {
  auto body = api::to_json(request);
  return read_answer(call("POST", {api::routes::repair}, &body, "repair on " + base_url()), "POST /v1/repair",
                     repair::repair_report_from_json);
}

api::RemoveAnswer DaemonCacheService::remove(const api::RemoveRequest& request) {
  auto what = std::string(request.dry_run ? "planning to delete " : "deleting ") + request.repo.display() +
              (request.revision ? "@" + *request.revision : "");
  return read_answer(call("DELETE", api::target_of(request), nullptr, what), "DELETE /v1/repos", api::remove_answer_from_json);
}

api::GcAnswer DaemonCacheService::gc(const api::GcRequest& request) {
  auto body = api::to_json(request);
  return read_answer(call("POST", {api::routes::gc}, &body, "gc"), "POST /v1/gc", api::gc_answer_from_json);
}

api::PinAnswer DaemonCacheService::pin(const api::PinRequest& request) {
  auto body = api::to_json(request);
  auto what = std::string(request.pinned ? "pin " : "unpin ") + request.repo.display() + "@" + request.revision;
  auto answer = request.pinned ? call("POST", {api::routes::pins}, &body, what)
                               : call("DELETE", {std::string(api::routes::pins), api::query_of(body)}, nullptr, what);
  return read_answer(answer, "/v1/pins", api::pin_answer_from_json);
}

api::ReindexAnswer DaemonCacheService::reindex() {
  auto body = json::object();
  return read_answer(call("POST", {api::routes::reindex}, &body, "reindex"), "POST /v1/reindex",
                     api::reindex_answer_from_json);
}

}  // namespace hfcache::service
