#include "pull_jobs.hpp"

#include "pull/options_from_settings.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "core/errors.hpp"
#include "core/error_codes.hpp"
#include "core/revision.hpp"
#include "daemon_context.hpp"
#include "hub/hub_client.hpp"
#include "index/cache_index.hpp"
#include "pull/puller.hpp"
#include "util/fs.hpp"

namespace hfcache::server {

using nlohmann::json;
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
std::string sse_data(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// Bytes events arrive per write; subscribers get at most one per this interval.
constexpr auto bytes_event_interval = std::chrono::milliseconds(100);

std::string_view kind_name(pull::ProgressEvent::Kind kind) {
  using K = pull::ProgressEvent::Kind;
  switch (kind) {
    case K::planned: return "planned";
    case K::file_started: return "file_started";
    case K::bytes: return "bytes";
    case K::file_retry: return "file_retry";
    case K::file_done: return "file_done";
    case K::finished: return "finished";
  }
  return "bytes";
}

json event_json(const pull::ProgressEvent& e) {
  return {{"kind", kind_name(e.kind)}, {"path", e.path},         {"file_done", e.file_done},
          {"file_total", e.file_total}, {"bytes_done", e.bytes_done}, {"bytes_total", e.bytes_total},
          {"files_done", e.files_done}, {"files_total", e.files_total}, {"message", e.message}};
}

}  // namespace

std::string PullSpec::key() const {
  std::string k = repo.folder_name() + "\n" + revision + "\n";
  for (const auto& i : include) k += "+" + i + "\n";
  for (const auto& e : exclude) k += "-" + e + "\n";
  return k;
}

struct PullJobs::Job {
  std::string id;
  PullSpec spec;
  std::atomic<bool> cancel{false};

  mutable std::mutex mutex;
  std::string state = "queued";
  std::string commit;
  std::optional<pull::PullResult> result;
  std::size_t files_total = 0, files_done = 0;
  std::uint64_t bytes_total = 0, bytes_done = 0;
  json error = nullptr;
  std::vector<std::weak_ptr<PullEventQueue>> subscribers;
  Clock::time_point last_bytes_event{};

  json status_locked() const {
    json out = {{"id", id},
                {"type", core::to_string(spec.repo.type)},
                {"repo", spec.repo.id},
                {"revision", spec.revision},
                {"include", spec.include},
                {"exclude", spec.exclude},
                {"state", state},
                {"commit", commit.empty() ? json(nullptr) : json(commit)},
                {"snapshot_path", result ? json(result->snapshot_path.string()) : json(nullptr)},
                {"files_total", files_total},
                {"files_done", files_done},
                {"bytes_total", bytes_total},
                {"bytes_done", bytes_done},
                {"files", result ? result->files : 0},
                {"bytes", result ? result->bytes : 0},
                {"files_downloaded", result ? result->files_downloaded : 0},
                {"bytes_downloaded", result ? result->bytes_downloaded : 0},
                {"from_cache_only", result ? result->from_cache_only : false},
                {"symlinks", result ? result->symlinks : true},
                {"not_in_repo", result ? json(result->not_in_repo) : json::array()},
                {"error", error}};
    return out;
  }

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

  void on_progress(const pull::ProgressEvent& e) {
    std::lock_guard lock(mutex);
    files_total = e.files_total;
    files_done = e.files_done;
    bytes_total = e.bytes_total;
    bytes_done = e.bytes_done;
    if (e.kind == pull::ProgressEvent::Kind::bytes) {
      auto now = Clock::now();
      if (now - last_bytes_event < bytes_event_interval) return;
      last_bytes_event = now;
    }
    publish_locked({"progress", sse_data(event_json(e))});
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

PullJobs::Submitted PullJobs::submit(const PullSpec& spec) {
  std::lock_guard lock(mutex_);
  if (cancelled_)
    throw OfflineError("the daemon is stopping and takes no new pulls", "post the pull again after the restart");
  auto key = spec.key();
  if (auto it = active_by_key_.find(key); it != active_by_key_.end()) {
    std::lock_guard job_lock(it->second->mutex);
    return {it->second->id, it->second->state, true};
  }
  auto job = std::make_shared<Job>();
  job->id = "p" + std::to_string(next_id_++) + "-" + util::random_hex(8);
  job->spec = spec;
  jobs_[job->id] = job;
  active_by_key_[key] = job;
  queue_.push_back(job);
  context_.metrics.pulls_started++;
  cv_.notify_all();
  return {job->id, "queued", false};
}

std::optional<json> PullJobs::status(const std::string& id) const {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
  }
  std::lock_guard lock(job->mutex);
  return job->status_locked();
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
  if (job->state == "done" || job->state == "failed") {
    queue->push({"done", sse_data(job->status_locked())});
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
      job->state = "failed";
      PullCancelled why;
      job->error = {{"code", core::error_code_name(why.code())}, {"message", why.what()}, {"hint", why.hint()}};
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
  const auto& settings = runtime->settings;
  const auto& repo = job.spec.repo;
  {
    std::lock_guard lock(job.mutex);
    job.state = "running";
  }
  spdlog::info("pull {}: {}@{} started", job.id, repo.display(), job.spec.revision);
  UsageTracker::Lease lease;
  std::string commit;
  try {
    pull::Puller puller(context_.layout, runtime->hub.get(), pull::options_from_settings(settings));
    pull::PullRequest request{repo, job.spec.revision, job.spec.include, job.spec.exclude, runtime->hub == nullptr};
    // The lease is taken as soon as the puller knows the commit, before any byte lands, so a
    // concurrent rm or gc sees the revision in use.
    request.on_commit = [&](const std::string& resolved) {
      commit = resolved;
      lease = context_.usage.acquire(repo, resolved);
      std::lock_guard lock(job.mutex);
      job.commit = resolved;
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
    std::lock_guard lock(job.mutex);
    job.commit = result.commit;
    job.files_total = job.files_total ? job.files_total : result.files;
    job.result = std::move(result);
    job.state = "done";
    spdlog::info("pull {}: {}@{} done: {} ({} files, {} downloaded)", job.id, repo.display(), job.spec.revision,
                 job.commit, job.result->files, job.result->files_downloaded);
  } catch (const Error& e) {
    context_.metrics.pulls_failed++;
    spdlog::warn("pull {}: {}@{} failed: {}", job.id, repo.display(), job.spec.revision, e.what());
    try {
      context_.index.refresh_repo(repo);  // refs may have been written before the failure
    } catch (const std::exception& refresh_error) {
      spdlog::warn("pull {}: index refresh of {} failed: {}", job.id, repo.display(), refresh_error.what());
    }
    std::lock_guard lock(job.mutex);
    job.state = "failed";
    job.error = {{"code", core::error_code_name(e.code())}, {"message", e.what()}, {"hint", e.hint()}};
  } catch (const std::exception& e) {
    context_.metrics.pulls_failed++;
    context_.metrics.errors++;
    spdlog::error("pull {}: {}@{} failed: {}", job.id, repo.display(), job.spec.revision, e.what());
    std::lock_guard lock(job.mutex);
    job.state = "failed";
    job.error = {{"code", "internal"}, {"message", e.what()}, {"hint", "see the daemon's log"}};
  }
}

void PullJobs::finish(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(job->mutex);
    job->publish_locked({"done", sse_data(job->status_locked())});
    for (auto& s : job->subscribers)
      if (auto q = s.lock()) q->close();
    job->subscribers.clear();
  }
  std::lock_guard lock(mutex_);
  if (auto it = active_by_key_.find(job->spec.key()); it != active_by_key_.end() && it->second == job)
    active_by_key_.erase(it);
  finished_.push_back(job->id);
  while (finished_.size() > keep_finished_) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

}  // namespace hfcache::server
