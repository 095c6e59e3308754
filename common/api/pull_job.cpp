#include "api/pull_job.hpp"

#include <nlohmann/json.hpp>

#include "api/object_reader.hpp"
#include "api/pull_request_json.hpp"
#include "core/errors.hpp"

namespace hfcache::api {

using nlohmann::json;

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::queued: return "queued";
    case JobState::running: return "running";
    case JobState::done: return "done";
    case JobState::failed: return "failed";
  }
  return "failed";
}

std::optional<JobState> job_state_from_string(std::string_view text) {
  for (auto s : {JobState::queued, JobState::running, JobState::done, JobState::failed})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

namespace {

JobState read_state(ObjectReader& reader) {
  auto text = reader.string("state").value_or("");
  auto state = job_state_from_string(text);
  if (!state) throw UsageError("'state' is '" + text + "', not one of queued, running, done, failed");
  return *state;
}

}  // namespace

json to_json(const PullSubmitted& s) { return {{"id", s.id}, {"state", to_string(s.state)}, {"shared", s.shared}}; }

PullSubmitted pull_submitted_from_json(const json& j) {
  ObjectReader reader(j, "the answer to POST /v1/pulls");
  PullSubmitted s;
  s.id = reader.string("id").value_or("");
  if (s.id.empty()) throw UsageError("the answer has no job 'id'");
  s.state = read_state(reader);
  s.shared = reader.boolean("shared", false);
  return s;
}

json to_json(const PullJob& job) {
  const auto* r = job.result ? &*job.result : nullptr;
  json out = to_json(job.request);
  out["id"] = job.id;
  out["state"] = to_string(job.state);
  out["commit"] = job.commit.empty() ? json(nullptr) : json(job.commit);
  out["snapshot_path"] = r ? json(r->snapshot_path.string()) : json(nullptr);
  out["files_total"] = job.files_total;
  out["files_done"] = job.files_done;
  out["bytes_total"] = job.bytes_total;
  out["bytes_done"] = job.bytes_done;
  out["files"] = r ? r->files : 0;
  out["bytes"] = r ? r->bytes : 0;
  out["files_downloaded"] = r ? r->files_downloaded : 0;
  out["bytes_downloaded"] = r ? r->bytes_downloaded : 0;
  out["from_cache_only"] = r ? r->from_cache_only : false;
  out["symlinks"] = r ? r->symlinks : true;
  out["not_in_repo"] = r ? json(r->not_in_repo) : json::array();
  out["error"] = job.error ? to_json(*job.error) : json(nullptr);
  return out;
}

PullJob pull_job_from_json(const json& j) {
  ObjectReader reader(j, "the pull job");
  PullJob job;
  // The request's fields are there in every job a daemon sends; a job without them is read for its state alone.
  if (auto repo = j.find("repo"); repo != j.end() && repo->is_string() && !repo->get<std::string>().empty())
    job.request = read_pull_request(reader);
  job.id = reader.string("id").value_or("");
  job.state = read_state(reader);
  job.commit = reader.string("commit").value_or("");
  job.files_total = reader.number("files_total");
  job.files_done = reader.number("files_done");
  job.bytes_total = reader.number("bytes_total");
  job.bytes_done = reader.number("bytes_done");
  if (job.state == JobState::done) {
    pull::PullResult r;
    r.commit = job.commit;
    r.snapshot_path = reader.string("snapshot_path").value_or("");
    r.files = reader.number("files");
    r.bytes = reader.number("bytes");
    r.files_downloaded = reader.number("files_downloaded");
    r.bytes_downloaded = reader.number("bytes_downloaded");
    r.from_cache_only = reader.boolean("from_cache_only", false);
    r.symlinks = reader.boolean("symlinks", true);
    r.not_in_repo = reader.strings("not_in_repo");
    job.result = std::move(r);
  }
  if (const auto* error = reader.value("error")) job.error = api_error_from_json(*error);
  return job;
}

pull::PullResult result_of(const PullJob& job) {
  if (job.state == JobState::failed) {
    auto error = job.error.value_or(ApiError{});
    if (error.message.empty()) error.message = "the pull failed in hfcached";
    throw_api_error(error, 0);
  }
  if (job.state != JobState::done || !job.result)
    throw Error(ExitCode::failure, "hfcached reported the pull as '" + std::string(to_string(job.state)) + "', not finished",
                "check the daemon's log (journalctl -u hfcached)");
  if (job.result->snapshot_path.empty())
    throw Error(ExitCode::failure, "hfcached finished the pull without a snapshot path", "check the daemon's log");
  return *job.result;
}

}  // namespace hfcache::api
