#pragma once
// Writing one blob: bytes go to blobs/<etag>.incomplete (resumable across runs, the name older
// huggingface_hub versions also resume from), are verified against the etag (sha256 for LFS files,
// git blob sha1 otherwise), fsynced and only then renamed to blobs/<etag>. After a crash the
// .incomplete file holds a prefix of the blob (plus, at worst, holes that read as zeros, which the
// final hash check catches); a blob in place is always complete and correct.
// The caller holds the blob's FileLock while a BlobWriter exists.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/cache_layout.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

namespace hfcache::core {

class BlobWriter {
 public:
  // Opens (or creates) the .incomplete file. A file longer than `size`, or one of an unreadable
  // kind, is started afresh.
  BlobWriter(const CacheLayout& layout, const RepoRef& repo, std::string etag, std::uint64_t size);
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Bytes already on disk from an earlier, interrupted download: a prefix up to the first hole.
  std::uint64_t resume_offset() const { return resume_offset_; }
  std::uint64_t size() const { return size_; }

  // Write bytes at `offset` (thread-safe; pwrite).
  void write_at(std::uint64_t offset, const char* data, std::size_t size);

  // Tell the writer that [0, end) is now on disk; hashes what it has not hashed yet. Sequential
  // writers get this for free: write_at at the hashed frontier hashes from the buffer directly.
  void contiguous_upto(std::uint64_t end);

  // Verify the hash, fsync, rename into blobs/<etag>, fsync the folder. Throws IntegrityError (and
  // deletes the .incomplete file) when the bytes do not match the etag.
  void commit();

  // Drop the .incomplete file (after a mismatch or when restarting from zero).
  void discard();

 private:
  void hash_from_disk(std::uint64_t end);

  std::filesystem::path incomplete_, final_;
  std::string etag_;
  std::uint64_t size_;
  std::uint64_t resume_offset_ = 0;
  util::UniqueFd fd_;
  std::mutex hash_mutex_;
  util::EtagHasher hasher_;
  std::uint64_t hashed_ = 0;
};

// True if blobs/<etag> exists as a regular file of `size` bytes.
bool blob_present(const CacheLayout& layout, const RepoRef& repo, std::string_view etag, std::uint64_t size);

}  // namespace hfcache::core
