#pragma once
// `hfcache pull` handed to hfcached: POST /v1/pulls, follow /v1/pulls/{id}/events into the same
// progress bar the in-process pull draws (polling GET /v1/pulls/{id} if the stream breaks), and return
// the job's result as the in-process pull::PullResult, or throw the typed error the job failed with.
// Ctrl-C detaches: the process exits 130 with a note, and the job goes on in the daemon.
#include "daemon_client.hpp"
#include "progress_bar.hpp"
#include "pull/puller.hpp"

namespace hfcache::cli {

pull::PullResult pull_via_daemon(const DaemonClient& daemon, const pull::PullRequest& request, ProgressBar& bar);

// The job status object (GET /v1/pulls/{id}, the `done` event) as a PullResult; throws the job's
// error for state "failed", and Error for anything that is not a finished job.
pull::PullResult pull_result_from_job(const nlohmann::json& job);

}  // namespace hfcache::cli
