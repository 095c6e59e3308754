#include "mirror/fetch_flight.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/snapshot.hpp"
#include "hub/request_via.hpp"
#include "hub/hub_client.hpp"
#include "mirror/mirror_error.hpp"
#include "util/file_lock.hpp"

namespace hfcache::mirror {
namespace {

// Blobs this big are hashed by a thread of their own while they arrive.
constexpr std::uint64_t pipelined_hash_threshold = 16ull << 20;

}  // namespace

// --- Flight ----------------------------------------------------------------------------------

std::uint64_t Flight::wait_beyond(std::uint64_t offset, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return error_ || (reader_open_ && frontier_ > offset) || done_; });
  if (error_ && !(reader_open_ && frontier_ > offset)) throw *error_;
  return reader_open_ ? frontier_ : 0;
}

bool Flight::wait_done(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return done_ || error_; });
  if (error_) throw *error_;
  return done_;
}

std::size_t Flight::read(std::uint64_t offset, char* buffer, std::size_t size) {
  int fd;
  {
    std::lock_guard lock(mutex_);
    if (!reader_open_ || offset >= frontier_) return 0;
    size = static_cast<std::size_t>(std::min<std::uint64_t>(size, frontier_ - offset));
    fd = fd_.get();
  }
  while (true) {
    ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw MirrorError(500, "", "reading the file being downloaded failed");
    return static_cast<std::size_t>(n);
  }
}

bool Flight::add_link(LinkRequest link) {
  std::lock_guard lock(mutex_);
  if (links_closed_) return false;
  links_.push_back(std::move(link));
  return true;
}

void Flight::open_reader(util::UniqueFd fd, std::uint64_t frontier) {
  {
    std::lock_guard lock(mutex_);
    fd_ = std::move(fd);
    reader_open_ = true;
    frontier_ = frontier;
  }
  changed_.notify_all();
}

void Flight::advance(std::uint64_t frontier) {
  {
    std::lock_guard lock(mutex_);
    frontier_ = frontier;
  }
  changed_.notify_all();
}

std::vector<LinkRequest> Flight::close_links() {
  std::lock_guard lock(mutex_);
  links_closed_ = true;
  std::vector<LinkRequest> links;
  links.swap(links_);
  return links;
}

void Flight::finish_ok() {
  {
    std::lock_guard lock(mutex_);
    frontier_ = size_;
    done_ = true;
  }
  changed_.notify_all();
}

void Flight::fail(MirrorError error) {
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
    links_closed_ = true;
    links_.clear();
  }
  changed_.notify_all();
}

// --- FlightRegistry --------------------------------------------------------------------------

FlightRegistry::FlightRegistry(core::CacheLayout layout, FetchHooks hooks, FetchOptions options)
    : layout_(std::move(layout)), hooks_(std::move(hooks)), options_(options) {}

FlightRegistry::~FlightRegistry() {
  stopping_ = true;
  stop_cv_.notify_all();
  std::vector<Worker> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& w : workers) {
    if (w.thread.joinable()) w.thread.join();
  }
}

std::size_t FlightRegistry::active() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

void FlightRegistry::reap_locked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->flight->thread_done_) {
      it->thread.join();  // it has returned or is returning
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

std::shared_ptr<Flight> FlightRegistry::join_or_start(FetchJob job, LinkRequest link, bool* started) {
  auto key = job.repo.folder_name() + "/" + job.etag;
  std::lock_guard lock(mutex_);
  if (stopping_) throw MirrorError(503, "", "the daemon is stopping");
  reap_locked();
  if (auto it = flights_.find(key); it != flights_.end() && it->second->add_link(link)) {
    if (started) *started = false;
    return it->second;
  }
  auto flight = std::make_shared<Flight>(job.size);
  flight->add_link(std::move(link));
  // The thread first: if it cannot start, no entry is left for later requests to wait on forever.
  // The fetch's upstream requests carry the Via of the request that started it.
  std::thread worker([this, flight, job = std::move(job), key, via = hub::incoming_via()] {
    hub::ViaScope scope(via);
    run(flight, job, key);
  });
  flights_[key] = flight;
  if (started) *started = true;
  workers_.push_back({flight, std::move(worker)});
  return flight;
}

void FlightRegistry::run(const std::shared_ptr<Flight>& flight, const FetchJob& job, const std::string& key) {
  try {
    fetch(*flight, job);
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (!stopping_) {
      spdlog::error("mirror: fetching {} blob {} failed: {}", job.repo.display(), job.etag, why);
      if (hooks_.upstream_error) hooks_.upstream_error(why);
    }
    // The typed message carries the hint (what to do); the client sees it as the 5xx's message.
    auto error = to_mirror_error(e);
    std::string message = "fetching " + job.what + " from upstream failed: " + error.what();
    if (error.status() >= 500) message += "; the cache does not hold it: try again once the upstream answers";
    flight->fail(MirrorError(error.status(), error.code(), message, error.commit()));
  }
  {
    std::lock_guard lock(mutex_);
    if (auto it = flights_.find(key); it != flights_.end() && it->second == flight) flights_.erase(it);
  }
  flight->thread_done_ = true;
}

void FlightRegistry::fetch(Flight& flight, const FetchJob& job) {
  // Decided before the lock and the blob are made, which would make a new cache look filled.
  const bool tag_cache =
      (!hooks_.write_cachedir_tag || hooks_.write_cachedir_tag()) && layout_.cachedir_tag_expected();
  util::FileLock lock(layout_.lock_path(job.repo, job.etag), [&] {
    spdlog::info("mirror: waiting for another process downloading {} blob {}", job.repo.display(), job.etag);
  });
  if (core::blob_present(layout_, job.repo, job.etag, job.size)) {
    auto blob = layout_.blob_path(job.repo, job.etag);
    flight.open_reader(util::UniqueFd(::open(blob.c_str(), O_RDONLY | O_CLOEXEC)), 0);
    make_links(job, flight.close_links(), tag_cache);
    flight.finish_ok();
    return;
  }
  auto mode = job.size >= pipelined_hash_threshold ? core::BlobWriter::Mode::sequential_pipelined
                                                   : core::BlobWriter::Mode::sequential;
  core::BlobWriter writer(layout_, job.repo, job.etag, job.size, mode);
  std::uint64_t offset = writer.resume_offset();
  // Hold back the last byte until the hash is verified.
  auto readable = [&](std::uint64_t written) { return job.size == 0 ? 0 : std::min(written, job.size - 1); };
  // Readers get a descriptor of their own once the file exists: at once when resuming, else with the
  // first byte (no file is made for a download that never starts).
  bool reader_open = false;
  auto open_reader = [&](const std::filesystem::path& path) {
    util::UniqueFd reader(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!reader) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    flight.open_reader(std::move(reader), readable(offset));
    reader_open = true;
  };
  const auto& incomplete = writer.path();
  if (offset > 0) open_reader(incomplete);

  bool overflow = false;
  int resumes = 0;
  while (offset < job.size) {
    if (stopping_) throw Error(ExitCode::failure, "cancelled: the daemon is stopping");
    if (hooks_.upstream_request) hooks_.upstream_request();
    std::uint64_t before = offset;
    try {
      job.hub->download(job.url, offset, std::nullopt, [&](const char* data, std::size_t n) {
        if (stopping_) return false;
        if (offset + n > job.size) {
          overflow = true;
          return false;
        }
        writer.write_at(offset, data, n);
        offset += n;
        if (!reader_open) open_reader(incomplete);
        if (hooks_.upstream_bytes) hooks_.upstream_bytes(n);
        flight.advance(readable(offset));
        return true;
      });
      if (offset < job.size) throw hub::TransferError("the upstream body ended early", offset - before);
    } catch (const hub::DownloadCancelled&) {
      if (overflow) {
        throw IntegrityError("the upstream sent more than the " + std::to_string(job.size) + " bytes it listed",
                             "the upstream listing and file disagree; try again later");
      }
      throw Error(ExitCode::failure, "cancelled: the daemon is stopping");
    } catch (const hub::TransferError& e) {
      if (offset > before) resumes = 0;  // progress resets the budget, as huggingface_hub's http_get does
      if (++resumes > options_.max_resumes || stopping_) throw;
      spdlog::warn("mirror: {} blob {} broke at byte {} ({}); resuming", job.repo.display(), job.etag, offset,
                   e.what());
      std::unique_lock wait_lock(mutex_);
      stop_cv_.wait_for(wait_lock, options_.resume_delay, [&] { return stopping_.load(); });
    }
  }
  if (mode == core::BlobWriter::Mode::sequential_pipelined) writer.contiguous_upto(job.size);
  try {
    writer.commit();  // throws IntegrityError (file deleted) on a mismatch
  } catch (const IntegrityError& e) {
    throw IntegrityError((job.what.empty() ? job.repo.display() : job.what) + ": " + e.what(), e.hint());
  }
  if (!reader_open) open_reader(layout_.blob_path(job.repo, job.etag));  // an empty blob
  // Links before the last byte: a client that has the whole file finds it in the snapshot too.
  make_links(job, flight.close_links(), tag_cache);
  flight.finish_ok();
}

void FlightRegistry::make_links(const FetchJob& job, const std::vector<LinkRequest>& links, bool tag_cache) {
  bool symlinks = util::supports_symlinks(layout_.repo_dir(job.repo));
  for (const auto& link : links) {
    try {
      if (tag_cache) layout_.ensure_cachedir_tag();
      core::link_snapshot_file(layout_, job.repo, link.commit, link.path, job.etag, symlinks, false);
      if (!link.revision.empty() && link.revision != link.commit) {
        core::write_ref(layout_, job.repo, link.revision, link.commit);
      }
    } catch (const std::exception& e) {
      spdlog::warn("mirror: linking {} {} failed: {}", job.repo.display(), link.path, e.what());
    }
  }
}

}  // namespace hfcache::mirror
