#pragma once
// Downloads a set of blobs of one repo with a pool of workers, largest first: small files one per
// worker, large files as parallel ranges written in place with pwrite. Each blob is fetched under
// huggingface_hub's lock (.locks/<repo>/<etag>.lock), resumed from its .incomplete prefix, resumed
// again in-process when a transfer breaks (Range from the last byte received, like
// huggingface_hub's http_get), hashed as its contiguous prefix grows, and committed only when the
// hash matches. Memory stays flat: each worker streams through one fixed buffer.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"
#include "pull/progress.hpp"
#include "pull/puller.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::pull {

struct TransferFile {
  std::string path;  // path in repo, for progress and messages
  std::string etag;
  std::uint64_t size = 0;
  std::string url;   // the resolve URL at the commit
};

// Serialises progress events from the workers and keeps the totals.
class ProgressTracker {
 public:
  ProgressTracker(const ProgressFn& fn, std::size_t files_total, std::uint64_t bytes_total);
  void file_started(const std::string& path, std::uint64_t already, std::uint64_t total);
  void add_bytes(const std::string& path, std::uint64_t n, std::uint64_t file_done, std::uint64_t file_total);
  void file_retry(const std::string& path, const std::string& why);
  void file_done(const std::string& path, std::uint64_t total);
  void finished();
  std::uint64_t bytes_done() const { return bytes_done_; }

 private:
  void emit(ProgressEvent::Kind kind, const std::string& path, std::uint64_t file_done, std::uint64_t file_total,
            const std::string& message = {});
  const ProgressFn& fn_;
  std::mutex mutex_;
  std::size_t files_total_, files_done_ = 0;
  std::uint64_t bytes_total_, bytes_done_ = 0;
};

class TransferEngine {
 public:
  // Called from a worker, with the blob's lock still held, once blobs/<etag> is in place.
  // `downloaded` is false when another process had already stored the blob.
  using OnBlobReady = std::function<void(const TransferFile&, bool downloaded)>;

  // `revision`: as the user named it, for messages.
  TransferEngine(const core::CacheLayout& layout, const core::RepoRef& repo, std::string revision, hub::HubClient& hub,
                 const PullOptions& options, ProgressTracker& progress);

  // Download every file; returns once all are in place, or throws the first error after stopping
  // the other transfers (their .incomplete files stay for a resume).
  void run(const std::vector<TransferFile>& files, const OnBlobReady& on_ready);

 private:
  const core::CacheLayout& layout_;
  const core::RepoRef& repo_;
  std::string revision_;
  hub::HubClient& hub_;
  const PullOptions& options_;
  ProgressTracker& progress_;
};

}  // namespace hfcache::pull
