#pragma once
// The daemon's pull jobs (POST /v1/pulls): a bounded pool of workers (max_concurrent_pulls) runs
// pull::Puller with the daemon's upstream client and settings. An identical pull (same repo,
// revision, include and exclude) that is queued or running is shared, not started twice. A job
// holds a UsageTracker lease on its commit as soon as the commit is known, so gc and rm leave it
// alone; progress fans out to SSE subscribers (bytes events at most ~10/s); when done, the index
// is refreshed and the revision touched. The last `keep_finished` finished jobs stay queryable.
// cancel_all() (SIGTERM) stops running pulls at their next progress event: what they wrote stays
// as resumable blobs/<etag>.incomplete, never as a partial blob.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/pull_job.hpp"
#include "pull/puller.hpp"
#include "pull_event_queue.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::server {

class DaemonContext;

class PullJobs {
 public:
  PullJobs(DaemonContext& context, int workers, std::size_t keep_finished = 100);
  ~PullJobs();  // cancels what runs and joins the workers
  PullJobs(const PullJobs&) = delete;
  PullJobs& operator=(const PullJobs&) = delete;

  // Identical pulls (api::pull_identity) share a job: then `shared` is set.
  // `pin`: the revision is pinned once pulled (the prefetch setting), so gc keeps it.
  // `hub`: what to fetch with instead of the daemon's client (a granted client's token, when the
  // daemon has none of its own: require_access).
  api::PullSubmitted submit(const pull::PullRequest& request, bool pin = false,
                            std::shared_ptr<hub::HubClient> hub = nullptr);

  // The job as GET /v1/pulls/{id} shows it; nullopt for an unknown (or long forgotten) id.
  std::optional<api::PullJob> status(const std::string& id) const;
  // Events of a job from now on (a finished job: its `done` event at once); null for an unknown id.
  std::shared_ptr<PullEventQueue> subscribe(const std::string& id);

  std::size_t active() const;  // queued or running
  void cancel_all();           // running and queued jobs end as failed ("cancelled"); new submits fail too
  void wait_idle();            // until no job runs

  struct Job;

 private:
  void work();
  void run(Job& job);
  void finish(const std::shared_ptr<Job>& job);

  DaemonContext& context_;
  std::size_t keep_finished_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;           // by id: active and recent
  std::map<std::string, std::shared_ptr<Job>> active_by_key_;  // queued or running
  std::deque<std::string> finished_;                            // ids, oldest first
  std::size_t running_ = 0;
  std::size_t next_id_ = 1;
  bool cancelled_ = false, shutdown_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace hfcache::server
