#pragma once
// Single-flight pull-through: a blob missing from the cache is fetched from upstream once, however
// many clients ask for it at the same moment, and every one of them reads it while it downloads.
//
// How a fetch goes (one thread per blob, owned by the FlightRegistry):
//  1. take huggingface_hub's lock .locks/<repo>/<etag>.lock, so a Python process writing the same
//     cache waits for us (or we for it; then the blob is usually in place when we get the lock);
//  2. BlobWriter opens blobs/<etag>.incomplete (resuming a prefix left by an earlier run, else
//     creating it with the first byte) and the flight opens a second, read-only descriptor on
//     that same file;
//  3. bytes from upstream are written and the "frontier" (bytes readers may read) advances; the
//     last byte is held back until the hash is verified, so no client ever receives a complete but
//     corrupt body;
//  4. commit (verify, fsync, rename to blobs/<etag>); the readers' descriptor now names the blob;
//  5. snapshot links and refs/ are written for every path that asked, under the lock.
// Readers never depend on each other: a client that disconnects only stops its own reads; the
// fetch runs to the end (and fills the cache) even when nobody is left. An upstream failure
// mid-stream (after a few in-process resumes) or a hash mismatch fails the flight: readers stop
// before their Content-Length, so clients retry; .incomplete keeps the verified prefix for a resume.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/cache_layout.hpp"
#include "mirror/mirror_error.hpp"
#include "util/fs.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::mirror {

// Counters the fetches report to (the daemon's metrics); each may be empty.
struct FetchHooks {
  std::function<void()> upstream_request;
  std::function<void(std::uint64_t)> upstream_bytes;
  std::function<void(const std::string&)> upstream_error;  // why a fetch failed
  std::function<bool()> write_cachedir_tag;                // the setting of that name (empty: true)
};

struct FetchOptions {
  int max_resumes = 3;                           // in-process resumes of a broken upstream transfer
  std::chrono::milliseconds resume_delay{500};   // wait before each resume
};

// Where a fetched blob must appear: snapshots/<commit>/<path>, and refs/<revision> -> commit.
struct LinkRequest {
  std::string commit;
  std::string path;
  std::string revision;  // "" or the commit itself: no ref to write
};

struct FetchJob {
  core::RepoRef repo;
  std::string etag;
  std::uint64_t size = 0;
  std::string url;                       // upstream resolve URL at the commit
  std::shared_ptr<hub::HubClient> hub;   // kept alive for the fetch
  std::shared_ptr<void> hold;            // e.g. a usage lease, released when the fetch ends
  std::string what;                      // "path of repo@commit" for messages (the first path asked)
};

class Flight {
 public:
  explicit Flight(std::uint64_t size) : size_(size) {}
  std::uint64_t size() const { return size_; }

  // Wait until bytes past `offset` may be read or `timeout` passed; returns the frontier (which may
  // still be <= offset after a timeout). Throws the fetch's error (a MirrorError typed as the
  // upstream answered: GatedRepo, 5xx, ...) once it has failed.
  std::uint64_t wait_beyond(std::uint64_t offset, std::chrono::milliseconds timeout);
  // Wait until the blob is in place (true) or the fetch failed (false).
  bool wait_done(std::chrono::milliseconds timeout);
  // Read up to `size` bytes at `offset` below the frontier (call after wait_beyond).
  std::size_t read(std::uint64_t offset, char* buffer, std::size_t size);

  // Queue a link for when the blob is in place; false when linking is over (then the blob is in
  // place and the caller links itself).
  bool add_link(LinkRequest link);

 private:
  friend class FlightRegistry;
  void open_reader(util::UniqueFd fd, std::uint64_t frontier);
  void advance(std::uint64_t frontier);
  std::vector<LinkRequest> close_links();  // the links to make; later ones are refused
  void finish_ok();                        // the frontier reaches size
  void fail(MirrorError error);

  const std::uint64_t size_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  util::UniqueFd fd_;            // read-only, on the .incomplete file, then the blob
  std::uint64_t frontier_ = 0;   // readable bytes
  bool reader_open_ = false;
  bool done_ = false;
  bool links_closed_ = false;
  std::optional<MirrorError> error_;  // set when the fetch failed
  std::vector<LinkRequest> links_;
  std::atomic<bool> thread_done_{false};
};

class FlightRegistry {
 public:
  FlightRegistry(core::CacheLayout layout, FetchHooks hooks, FetchOptions options = {});
  // Cancels the fetches still running (their verified prefix stays in .incomplete) and joins them.
  ~FlightRegistry();
  FlightRegistry(const FlightRegistry&) = delete;
  FlightRegistry& operator=(const FlightRegistry&) = delete;

  // The flight of job.etag in job.repo: the one already running, or a new one. `link` is made once
  // the blob is in place. `started` tells whether this call started the fetch (a cache miss).
  std::shared_ptr<Flight> join_or_start(FetchJob job, LinkRequest link, bool* started = nullptr);

  std::size_t active() const;

 private:
  void run(const std::shared_ptr<Flight>& flight, const FetchJob& job, const std::string& key);
  void fetch(Flight& flight, const FetchJob& job);
  void make_links(const FetchJob& job, const std::vector<LinkRequest>& links, bool tag_cache);
  void reap_locked();

  const core::CacheLayout layout_;
  const FetchHooks hooks_;
  const FetchOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // key: repo folder + "/" + etag
  struct Worker {
    std::shared_ptr<Flight> flight;
    std::thread thread;
  };
  std::vector<Worker> workers_;
};

}  // namespace hfcache::mirror
