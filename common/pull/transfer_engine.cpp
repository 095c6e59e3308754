#include "pull/transfer_engine.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/range_journal.hpp"
#include "pull/disk_writer.hpp"
#include "hub/hub_client.hpp"
#include "util/stop_wait.hpp"
#include "util/file_lock.hpp"

namespace hfcache::pull {

// ---- ProgressTracker ------------------------------------------------------------------------

ProgressTracker::ProgressTracker(const ProgressFn& fn, std::size_t files_total, std::uint64_t bytes_total)
    : fn_(fn), files_total_(files_total), bytes_total_(bytes_total) {
  emit(ProgressEvent::Kind::planned, {}, 0, 0);
}

void ProgressTracker::emit(ProgressEvent::Kind kind, const std::string& path, std::uint64_t file_done,
                           std::uint64_t file_total, const std::string& message) {
  if (!fn_) return;
  ProgressEvent e;
  e.kind = kind;
  e.path = path;
  e.file_done = file_done;
  e.file_total = file_total;
  e.bytes_done = bytes_done_;
  e.bytes_total = bytes_total_;
  e.files_done = files_done_;
  e.files_total = files_total_;
  e.message = message;
  fn_(e);
}

void ProgressTracker::file_started(const std::string& path, std::uint64_t already, std::uint64_t total) {
  std::lock_guard lock(mutex_);
  bytes_done_ += already;
  emit(ProgressEvent::Kind::file_started, path, already, total);
}

void ProgressTracker::add_bytes(const std::string& path, std::uint64_t n, std::uint64_t file_done,
                                std::uint64_t file_total) {
  std::lock_guard lock(mutex_);
  bytes_done_ += n;
  emit(ProgressEvent::Kind::bytes, path, file_done, file_total);
}

void ProgressTracker::file_retry(const std::string& path, const std::string& why) {
  std::lock_guard lock(mutex_);
  emit(ProgressEvent::Kind::file_retry, path, 0, 0, why);
}

void ProgressTracker::file_done(const std::string& path, std::uint64_t total) {
  std::lock_guard lock(mutex_);
  ++files_done_;
  emit(ProgressEvent::Kind::file_done, path, total, total);
}

void ProgressTracker::finished() {
  std::lock_guard lock(mutex_);
  emit(ProgressEvent::Kind::finished, {}, 0, 0);
}

// ---- TransferEngine -------------------------------------------------------------------------

namespace {

// Received bytes are gathered into buffers of this size for the disk thread (which joins neighbours
// into one pwritev); progress is reported at the same pace.
constexpr std::size_t write_buffer_size = 1 << 20;
// Buffers per worker in the pool: one being filled, two queued for the disk (24 MiB for 8 workers).
constexpr std::size_t buffers_per_worker = 3;
// Below this a hashing thread costs more than it overlaps.
constexpr std::uint64_t pipelined_hash_threshold = 16ull << 20;
// On a slow link a part-filled buffer is written after this long anyway: what a crash can lose
// (bytes received but not in the file) stays small, and so does what the next run fetches again.
constexpr std::chrono::milliseconds max_buffer_age{200};

// One blob being downloaded: its lock, writer and the ranges still to fetch.
struct Job {
  const TransferFile* file = nullptr;
  std::mutex mutex;
  std::optional<util::FileLock> lock;
  std::unique_ptr<core::BlobWriter> writer;
  std::string url;  // where ranges are fetched from (the CDN location for split files); under `mutex`
  std::vector<std::pair<std::uint64_t, std::uint64_t>> chunks;
  std::vector<bool> chunk_done;
  std::vector<std::uint64_t> chunk_flushed;  // end of the bytes on disk in each chunk; under `mutex`
  std::size_t first_open = 0;                // the first chunk not done; under `mutex`
  std::size_t chunks_left = 0;
  bool split = false;                // parallel ranges (else one chunk, in order)
  std::uint64_t resumed = 0;         // bytes on disk from an earlier run
  std::atomic<std::uint64_t> received{0};
  bool restarted_from_zero = false;  // after a hash mismatch of a resumed file
};

struct Task {
  Job* job;
  int chunk;  // -1: prepare the job (lock, writer, split into chunks)
};

class Run {
 public:
  Run(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& revision, hub::HubClient& hub,
      const PullOptions& options, ProgressTracker& progress, const TransferEngine::OnBlobReady& on_ready)
      : layout_(layout), repo_(repo), revision_(revision), hub_(hub), options_(options), progress_(progress),
        on_ready_(on_ready),
        disk_(buffers_per_worker * static_cast<std::size_t>(std::max(1, options.max_workers)), write_buffer_size) {}

  void execute(const std::vector<TransferFile>& files) {
    jobs_.reserve(files.size());
    for (const auto& f : files) {
      jobs_.push_back(std::make_unique<Job>());
      jobs_.back()->file = &f;
    }
    // Largest first: a large file's ranges take the workers while the small files wait, and the small
    // files then fill the time of its last ranges, instead of the large file starting after them all
    // and ending alone.
    std::vector<Job*> order;
    for (auto& j : jobs_) order.push_back(j.get());
    std::stable_sort(order.begin(), order.end(), [](const Job* a, const Job* b) { return a->file->size > b->file->size; });
    for (auto* j : order) queue_.push_back({j, -1});
    pending_ = files.size();
    auto n = static_cast<std::size_t>(std::max(1, options_.max_workers));
    n = std::min(n, std::max<std::size_t>(1, files.size() * 64));
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < n; ++i) workers.emplace_back([this] { work(); });
    for (auto& w : workers) w.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    while (auto task = next()) {
      try {
        if (task->chunk < 0) prepare(*task->job);
        else fetch_chunk(*task->job, static_cast<std::size_t>(task->chunk));
      } catch (...) {
        fail(std::current_exception());
      }
    }
  }

  std::optional<Task> next() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return stop_ || !queue_.empty() || pending_ == 0; });
    if (stop_ || queue_.empty()) return std::nullopt;
    Task t = queue_.front();
    queue_.pop_front();
    return t;
  }

  void push_front(const std::vector<Task>& tasks) {
    {
      std::lock_guard lock(mutex_);
      for (auto it = tasks.rbegin(); it != tasks.rend(); ++it) queue_.push_front(*it);
    }
    cv_.notify_all();
  }

  void job_finished() {
    {
      std::lock_guard lock(mutex_);
      --pending_;
    }
    cv_.notify_all();
  }

  void fail(std::exception_ptr e) {
    {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = e;
      stop_ = true;
    }
    cv_.notify_all();
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

  void prepare(Job& job) {
    const TransferFile& f = *job.file;
    job.lock.emplace(layout_.lock_path(repo_, f.etag), [&] {
      spdlog::info("waiting for {}: another process is downloading {} into this cache", layout_.lock_path(repo_, f.etag).string(), f.path);
    });
    if (core::blob_present(layout_, repo_, f.etag, f.size)) {  // another process finished it meanwhile
      on_ready_(f, false);
      job.lock.reset();
      progress_.file_done(f.path, f.size);
      job_finished();
      return;
    }
    bool split = f.size >= options_.parallel_threshold && options_.max_workers > 1;
    // Large files are hashed by a thread of their own, beside the receivers: hashing in the thread that
    // completed a range held the job's lock for the whole read-back, and every other range of the file
    // waited behind it (1 GiB on loopback: 3.0 s, 1.7 s with the hashing thread).
    auto mode = split ? core::BlobWriter::Mode::ranged_pipelined
                : f.size >= pipelined_hash_threshold ? core::BlobWriter::Mode::sequential_pipelined
                                                     : core::BlobWriter::Mode::sequential;
    auto journal = split && !options_.journal_dir.empty()
                       ? core::RangeJournal::path_for(options_.journal_dir, repo_.folder_name(), f.etag)
                       : std::filesystem::path();
    job.writer = std::make_unique<core::BlobWriter>(layout_, repo_, f.etag, f.size, mode, journal);
    job.split = split;
    job.resumed = 0;
    for (const auto& [a, b] : job.writer->done_ranges()) job.resumed += b - a;
    progress_.file_started(f.path, job.resumed, f.size);
    job.url = f.url;
    if (split) {
      // Ask once where the bytes live (the CDN), as huggingface_hub's HEAD does, so ranges go there directly.
      auto meta = hub_.file_metadata(repo_, commit_of(f.url), f.path);
      if (meta.etag != f.etag || meta.size != f.size) {
        throw IntegrityError("the hub's metadata for " + f.path + " (" + meta.etag + ", " + std::to_string(meta.size) +
                                 " bytes) differs from its file listing (" + f.etag + ", " + std::to_string(f.size) + ")",
                             "the repo may have changed during the pull; run the command again");
      }
      job.url = meta.location;
    }
    plan_chunks(job, split ? std::max<std::uint64_t>(options_.chunk_size, 1 << 20) : std::max<std::uint64_t>(f.size, 1));
    if (job.chunks_left == 0) {  // nothing left to fetch (empty file, or fully on disk already)
      complete(job);
      return;
    }
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < job.chunks.size(); ++i) {
      if (!job.chunk_done[i]) tasks.push_back({&job, static_cast<int>(i)});
    }
    push_front(std::vector<Task>(tasks.begin() + 1, tasks.end()));
    fetch_chunk(job, static_cast<std::size_t>(tasks.front().chunk));
  }

  // The file as chunks in order: the ranges already on disk are done chunks, the gaps between them
  // are fetched in pieces of at most `chunk` bytes.
  static void plan_chunks(Job& job, std::uint64_t chunk) {
    job.chunks.clear();
    job.chunk_done.clear();
    auto add_missing = [&](std::uint64_t from, std::uint64_t to) {
      for (std::uint64_t off = from; off < to; off += chunk) {
        job.chunks.emplace_back(off, std::min(to, off + chunk));
        job.chunk_done.push_back(false);
      }
    };
    std::uint64_t pos = 0;
    for (const auto& [a, b] : job.writer->done_ranges()) {
      add_missing(pos, a);
      job.chunks.emplace_back(a, b);
      job.chunk_done.push_back(true);
      pos = b;
    }
    add_missing(pos, job.file->size);
    job.chunk_flushed.clear();
    for (std::size_t i = 0; i < job.chunks.size(); ++i) {
      job.chunk_flushed.push_back(job.chunk_done[i] ? job.chunks[i].second : job.chunks[i].first);
    }
    job.first_open = 0;
    while (job.first_open < job.chunks.size() && job.chunk_done[job.first_open]) ++job.first_open;
    job.chunks_left = static_cast<std::size_t>(std::count(job.chunk_done.begin(), job.chunk_done.end(), false));
  }

  // The commit is the resolve URL's revision segment; our URLs are built at the commit.
  static std::string commit_of(const std::string& url) {
    auto pos = url.find("/resolve/");
    if (pos == std::string::npos) return {};
    return url.substr(pos + 9, 40);
  }

  std::string url_of(Job& job) {
    std::lock_guard lock(job.mutex);
    return job.url;
  }

  void fetch_chunk(Job& job, std::size_t index) {
    const TransferFile& f = *job.file;
    const auto begin = job.chunks[index].first, end = job.chunks[index].second;  // no structured binding: clang < 16 cannot capture one
    std::uint64_t pos = begin;  // bytes received so far (queued for the disk, or in `buffer`)
    const bool ranged = job.split;
    DiskWriter::Batch batch;
    // Queued writes point at `batch`: they are done before this frame goes, however it is left.
    struct Settle {
      DiskWriter& disk;
      DiskWriter::Batch& batch;
      ~Settle() { disk.settle(batch); }
    } settle{disk_, batch};
    // On the disk thread, once bytes are in the file: the hasher follows the first unfinished range
    // as it arrives (not only when it ends), and progress counts bytes on disk.
    auto written = [this, &job, &f, index, ranged](std::uint64_t start, std::uint64_t stop) {
      if (ranged) {
        std::lock_guard lock(job.mutex);
        job.chunk_flushed[index] = stop;
        if (index == job.first_open) job.writer->contiguous_upto(stop);
      }
      auto received = job.received.fetch_add(stop - start) + (stop - start);
      progress_.add_bytes(f.path, stop - start, std::min(f.size, job.resumed + received), f.size);
    };
    DiskWriter::Buffer buffer;
    auto last_flush = std::chrono::steady_clock::now();
    auto flush = [&] {
      last_flush = std::chrono::steady_clock::now();
      if (buffer.empty()) return;
      auto at = pos - buffer.size();
      disk_.submit(*job.writer, at, std::move(buffer), batch, written);
      buffer = DiskWriter::Buffer();
    };
    int stalls = 0;
    while (pos < end) {
      std::uint64_t before = pos;
      std::string why;
      try {
        hub_.download(url_of(job), pos, end, [&](const char* data, std::size_t n) {
          if (stopping() || disk_.failed(batch)) return false;
          auto take = static_cast<std::size_t>(std::min<std::uint64_t>(n, end - pos));
          for (std::size_t used = 0; used < take;) {
            if (buffer.capacity() == 0) buffer = disk_.take();  // waits while the disk is behind
            auto part = std::min(take - used, disk_.buffer_size() - buffer.size());
            buffer.insert(buffer.end(), data + used, data + used + part);
            used += part;
            pos += part;
            if (buffer.size() >= disk_.buffer_size()) flush();
          }
          if (std::chrono::steady_clock::now() - last_flush >= max_buffer_age) flush();
          return true;
        });
        flush();
        if (pos < end) why = "the transfer ended early, at byte " + std::to_string(pos) + " of " + std::to_string(end);
      } catch (const hub::TransferError& e) {
        flush();  // what arrived before the break is good
        why = e.what();
      } catch (...) {
        flush();
        if (stopping()) return;
        disk_.wait(batch);  // a failed write is the real cause of a cancelled transfer
        throw;
      }
      if (stopping()) return;
      if (why.empty()) break;
      stalls = pos > before ? 1 : stalls + 1;
      if (stalls > options_.max_stalls) {
        throw OfflineError("the transfer of " + f.path + " keeps breaking (" + why + ")",
                           "check the network and run the command again; it resumes where it stopped");
      }
      progress_.file_retry(f.path, why + "; resuming at byte " + std::to_string(pos));
      // The daemon's stop ends the pause at once.
      if (util::wait_or_stop(hub_.options().stop, options_.resume_delay)) throw hub::StopRequested();
      if (stalls > 1) {  // a signed CDN URL may have expired: go through the resolve URL again
        std::lock_guard lock(job.mutex);
        job.url = f.url;
      }
    }
    disk_.wait(batch);  // every byte of the chunk is in the file (or its write error is thrown)
    chunk_finished(job, index);
  }

  void chunk_finished(Job& job, std::size_t index) {
    std::uint64_t frontier;
    bool last;
    {
      std::lock_guard lock(job.mutex);
      job.chunk_done[index] = true;
      std::size_t i = 0;
      while (i < job.chunks.size() && job.chunk_done[i]) ++i;
      job.first_open = i;
      frontier = i == job.chunks.size() ? job.file->size : job.chunk_flushed[i];
      last = --job.chunks_left == 0;
      // Under the job's lock: the thread of the last chunk may otherwise commit and drop the writer first.
      job.writer->contiguous_upto(frontier);
    }
    if (last) complete(job);
  }

  void complete(Job& job) {
    const TransferFile& f = *job.file;
    try {
      job.writer->commit();
    } catch (const IntegrityError& e) {
      // A resumed file can hold bytes from an older, different transfer: start once from zero.
      if (job.resumed > 0 && !job.restarted_from_zero) {
        job.restarted_from_zero = true;
        job.writer.reset();
        job.lock.reset();
        job.chunks.clear();
        job.received = 0;
        progress_.file_retry(f.path, "hash mismatch in the resumed part; downloading again from the start");
        prepare(job);
        return;
      }
      throw IntegrityError(f.path + " of " + repo_.display() + "@" + revision_ + ": " + e.what(), e.hint());
    }
    job.writer.reset();
    on_ready_(f, true);
    job.lock.reset();
    progress_.file_done(f.path, f.size);
    job_finished();
  }

  const core::CacheLayout& layout_;
  const core::RepoRef& repo_;
  const std::string& revision_;
  hub::HubClient& hub_;
  const PullOptions& options_;
  ProgressTracker& progress_;
  const TransferEngine::OnBlobReady& on_ready_;

  std::vector<std::unique_ptr<Job>> jobs_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  std::size_t pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  DiskWriter disk_;  // last: its queued writes finish before the jobs' writers go
};

}  // namespace

TransferEngine::TransferEngine(const core::CacheLayout& layout, const core::RepoRef& repo, std::string revision,
                               hub::HubClient& hub, const PullOptions& options, ProgressTracker& progress)
    : layout_(layout), repo_(repo), revision_(std::move(revision)), hub_(hub), options_(options), progress_(progress) {}

void TransferEngine::run(const std::vector<TransferFile>& files, const OnBlobReady& on_ready) {
  Run run(layout_, repo_, revision_, hub_, options_, progress_, on_ready);
  run.execute(files);
}

}  // namespace hfcache::pull
