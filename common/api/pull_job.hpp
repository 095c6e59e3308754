#pragma once
// A pull job of hfcached as its clients see it: the 202 answer of POST /v1/pulls, and the job object
// of GET /v1/pulls/{id} (also the data of the final `done` event): the request, its state, the
// progress totals, and then the pull::PullResult or the error it failed with.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "api/api_error.hpp"
#include "pull/puller.hpp"

namespace hfcache::api {

enum class JobState { queued, running, done, failed };
std::string_view to_string(JobState state);
std::optional<JobState> job_state_from_string(std::string_view text);
inline bool finished(JobState state) { return state == JobState::done || state == JobState::failed; }

// 202 {"id", "state", "shared"}; `shared`: an identical pull was already queued or running.
struct PullSubmitted {
  std::string id;
  JobState state = JobState::queued;
  bool shared = false;
};
nlohmann::json to_json(const PullSubmitted& submitted);
PullSubmitted pull_submitted_from_json(const nlohmann::json& j);

struct PullJob {
  std::string id;
  pull::PullRequest request;
  JobState state = JobState::queued;
  std::string commit;  // "" (null) until the revision is resolved
  std::size_t files_total = 0, files_done = 0;
  std::uint64_t bytes_total = 0, bytes_done = 0;
  std::optional<pull::PullResult> result;  // state done
  std::optional<ApiError> error;           // state failed
};
// Every field always present: "commit"/"snapshot_path" null until known, the result's fields 0/false
// (symlinks true, not_in_repo []) until done, "error" null unless failed.
nlohmann::json to_json(const PullJob& job);
// Throws UsageError for a field of the wrong type or an unknown state; absent fields read as defaults.
PullJob pull_job_from_json(const nlohmann::json& j);

// The result of a finished job; throws the job's error (as its typed Error) when it failed, and
// Error when it has not finished or finished without a snapshot path.
pull::PullResult result_of(const PullJob& job);

}  // namespace hfcache::api
