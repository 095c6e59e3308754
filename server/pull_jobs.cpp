#include "pull_jobs.hpp"

#include "pull/options_from_settings.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "api/progress_event_json.hpp"
#include "api/pull_request_json.hpp"
#include "api/server_events.hpp"
#include "core/errors.hpp"
#include "daemon_context.hpp"
#include "hub/hub_client.hpp"
#include "index/cache_index.hpp"
#include "pull/puller.hpp"
#include "util/fs.hpp"

namespace hfcache::server {

using Clock = std::chrono::steady_clock;

namespace {

// Thrown from the progress callback to stop a pull; the transfer engine then stops its workers
// and leaves every unfinished blob as a resumable .incomplete.
struct PullCancelled : Error {
  PullCancelled()
      : Error(ExitCode::failure, "the pull was cancelled: the daemon is stopping",
              "post the pull again after the restart; it resumes where it stopped") {}
};

// An event's JSON text. File names and error messages come from outside: a replacing dump never
// throws on bytes that are not UTF-8.
std::string sse_data(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Bytes events arrive per write; subscribers get at most one per this interval.
constexpr auto bytes_event_interval = std::chrono::milliseconds(100);

}  // namespace

struct PullJobs::Job {
  std::atomic<bool> cancel{false};
  bool pin = false;
  std::shared_ptr<hub::HubClient> hub;  // null: the daemon's client at the time the job runs

  mutable std::mutex mutex;
  api::PullJob status;  // what GET /v1/pulls/{id} answers
  std::vector<std::weak_ptr<PullEventQueue>> subscribers;
  Clock::time_point last_bytes_event{};

  void publish_locked(const PullEvent& event) {
    for (auto it = subscribers.begin(); it != subscribers.end();) {
      if (auto q = it->lock()) {
        q->push(event);
        ++it;
      } else {
        it = subscribers.erase(it);
      }
    }
  }

  void fail_locked(const api::ApiError& error) {
    status.state = api::JobState::failed;
    status.error = error;
  }

  void on_progress(const pull::ProgressEvent& e) {
    std::lock_guard lock(mutex);
    status.files_total = e.files_total;
    status.files_done = e.files_done;
    status.bytes_total = e.bytes_total;
    status.bytes_done = e.bytes_done;
    if (e.kind == pull::ProgressEvent::Kind::bytes) {
      auto now = Clock::now();
      if (now - last_bytes_event < bytes_event_interval) return;
      last_bytes_event = now;
    }
    publish_locked({std::string(api::progress_event), sse_data(api::to_json(e))});
  }
};

PullJobs::PullJobs(DaemonContext& context, int workers, std::size_t keep_finished)
    : context_(context), keep_finished_(keep_finished) {
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { work(); });
}

PullJobs::~PullJobs() {
  cancel_all();
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

api::PullSubmitted PullJobs::submit(const pull::PullRequest& request, bool pin, std::shared_ptr<hub::HubClient> hub) {
  std::lock_guard lock(mutex_);
  if (cancelled_)
    throw OfflineError("the daemon is stopping and takes no new pulls", "post the pull again after the restart");
  auto key = api::pull_identity(request);
  if (auto it = active_by_key_.find(key); it != active_by_key_.end()) {
    std::lock_guard job_lock(it->second->mutex);
    it->second->pin = it->second->pin || pin;
    return {it->second->status.id, it->second->status.state, true};
  }
  auto job = std::make_shared<Job>();
  job->pin = pin;
  job->hub = std::move(hub);
  job->status.id = "p" + std::to_string(next_id_++) + "-" + util::random_hex(8);
  job->status.request = request;
  jobs_[job->status.id] = job;
  active_by_key_[key] = job;
  queue_.push_back(job);
  context_.metrics.pulls_started++;
  cv_.notify_all();
  return {job->status.id, api::JobState::queued, false};
}

std::optional<api::PullJob> PullJobs::status(const std::string& id) const {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
  }
  std::lock_guard lock(job->mutex);
  return job->status;
}

std::shared_ptr<PullEventQueue> PullJobs::subscribe(const std::string& id) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return nullptr;
    job = it->second;
  }
  auto queue = std::make_shared<PullEventQueue>();
  std::lock_guard lock(job->mutex);
  if (api::finished(job->status.state)) {
    queue->push({std::string(api::done_event), sse_data(api::to_json(job->status))});
    queue->close();
  } else {
    job->subscribers.push_back(queue);
  }
  return queue;
}

std::size_t PullJobs::active() const {
  std::lock_guard lock(mutex_);
  return active_by_key_.size();
}

void PullJobs::cancel_all() {
  std::deque<std::shared_ptr<Job>> dropped;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    for (auto& [id, job] : jobs_) job->cancel = true;
    dropped.swap(queue_);
  }
  for (auto& job : dropped) {
    {
      std::lock_guard lock(job->mutex);
      job->fail_locked(api::api_error_of(PullCancelled()));
    }
    finish(job);
  }
  cv_.notify_all();
}

void PullJobs::wait_idle() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return running_ == 0 && queue_.empty(); });
}

void PullJobs::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutdown
      job = queue_.front();
      queue_.pop_front();
      ++running_;
    }
    run(*job);
    finish(job);
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    cv_.notify_all();
  }
}

void PullJobs::run(Job& job) {
  auto runtime = context_.runtime();
  // id and request never change once submitted: read without the lock.
  const auto& id = job.status.id;
  auto request = job.status.request;
  const auto& repo = request.repo;
  auto what = repo.display() + "@" + request.revision;
  {
    std::lock_guard lock(job.mutex);
    job.status.state = api::JobState::running;
  }
  spdlog::info("pull {}: {} started", id, what);
  UsageTracker::Lease lease;
  std::string commit;
  try {
    // A client's token only when the daemon is online: offline the pull answers from the cache.
    auto* hub = runtime->hub && job.hub ? job.hub.get() : runtime->hub.get();
    pull::Puller puller(context_.layout, hub, pull::options_from_settings(runtime->settings));
    request.offline = runtime->hub == nullptr;
    // The lease is taken as soon as the puller knows the commit, before any byte lands, so a
    // concurrent rm or gc sees the revision in use.
    request.on_commit = [&](const std::string& resolved) {
      commit = resolved;
      lease = context_.usage.acquire(repo, resolved);
      std::lock_guard lock(job.mutex);
      job.status.commit = resolved;
    };
    auto result = puller.pull(request, [&job](const pull::ProgressEvent& e) {
      if (job.cancel) throw PullCancelled();
      job.on_progress(e);
    });
    if (result.commit != commit) lease = context_.usage.acquire(repo, result.commit);
    context_.metrics.upstream_bytes += result.bytes_downloaded;
    if (!result.from_cache_only) context_.metrics.upstream_requests++;  // at least the revision lookup
    context_.index.refresh_repo(repo);
    context_.index.touch(repo, result.commit);
    bool pin = false;
    {
      std::lock_guard lock(job.mutex);
      pin = job.pin;
    }
    if (pin) {
      context_.index.set_pinned(repo, result.commit, true);
      spdlog::info("pull {}: {} pinned ({})", id, what, result.commit);
    }
    spdlog::info("pull {}: {} done: {} ({} files, {} downloaded)", id, what, result.commit, result.files,
                 result.files_downloaded);
    std::lock_guard lock(job.mutex);
    job.status.commit = result.commit;
    if (!job.status.files_total) job.status.files_total = result.files;
    job.status.result = std::move(result);
    job.status.state = api::JobState::done;
  } catch (const Error& e) {
    context_.metrics.pulls_failed++;
    spdlog::warn("pull {}: {} failed: {}", id, what, e.what());
    try {
      context_.index.refresh_repo(repo);  // refs may have been written before the failure
    } catch (const std::exception& refresh_error) {
      spdlog::warn("pull {}: index refresh of {} failed: {}", id, repo.display(), refresh_error.what());
    }
    std::lock_guard lock(job.mutex);
    job.fail_locked(api::api_error_of(e));
  } catch (const std::exception& e) {
    context_.metrics.pulls_failed++;
    context_.metrics.errors++;
    spdlog::error("pull {}: {} failed: {}", id, what, e.what());
    std::lock_guard lock(job.mutex);
    job.fail_locked({"internal", e.what(), "see the daemon's log"});
  }
}

void PullJobs::finish(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(job->mutex);
    job->publish_locked({std::string(api::done_event), sse_data(api::to_json(job->status))});
    for (auto& s : job->subscribers)
      if (auto q = s.lock()) q->close();
    job->subscribers.clear();
  }
  std::lock_guard lock(mutex_);
  if (auto it = active_by_key_.find(api::pull_identity(job->status.request));
      it != active_by_key_.end() && it->second == job)
    active_by_key_.erase(it);
  finished_.push_back(job->status.id);
  while (finished_.size() > keep_finished_) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

}  // namespace hfcache::server
