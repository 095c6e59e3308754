#pragma once
// Writing one blob. The bytes are verified against the etag (sha256 for LFS files, git blob sha1
// otherwise), fsynced, and only then renamed to blobs/<etag>: a blob in place is always complete
// and correct.
//
// Resume: blobs/<etag>.incomplete is, whenever nobody writes it, a valid prefix of the blob (the
// name huggingface_hub <= 1.17 also resumes from, trusting its size alone). So:
//  1. every writer first moves it (an atomic rename) to a private blobs/<etag>.<8hex>-<host>-<pid>.incomplete
//     (core/private_temp.hpp; huggingface_hub >= 1.18 writes <etag>.<8hex>.incomplete the same way)
//     and writes only that file: where flock does nothing across hosts, two writers of a blob make
//     two files and a duplicate download, never one torn file;
//  2. on a clean stop the private file is cut back to its hashed prefix and moved back to the shared
//     name (with a journal, see 4, it stays as it is);
//  3. after a crash, a private file is adopted by the next writer once its writer is known dead (or,
//     another host's, has not changed for 10 minutes): its prefix before the first hole (less one
//     file-system block, since holes start at block boundaries) is trusted.
//  4. with a journal (RangeJournal, in hfcache's state folder), a ranged writer records every
//     range it writes; after a crash the next ranged writer adopts the private file with every
//     journaled range, so only what was in flight is fetched again.
// No file is created before the first byte is written, and none is left empty: a download refused
// or failed before its first byte leaves no .incomplete behind.
// The final hash check catches anything a crash of the machine may have left behind.
// Hashing is inline (from the buffer being written) where bytes arrive in order, and reads the
// bytes back from the page cache where ranges complete out of order. Large blobs, sequential or
// ranged, may be hashed by a thread of their own that follows the contiguous written prefix, so
// receiving and hashing overlap. Large writes start their writeback at once (sync_file_range), so
// the fsync in commit() does not write the whole blob after its last byte has arrived.
// The caller holds the blob's FileLock while a BlobWriter exists.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/cache_layout.hpp"
#include "core/range_journal.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

struct iovec;  // <sys/uio.h>

namespace hfcache::core {

class BlobWriter {
 public:
  // sequential: bytes arrive in order, hashed inline. ranged: out of order (parallel ranges), into a
  // private file, hashed as the contiguous prefix grows. *_pipelined: hashed by a thread of the
  // writer's own that follows the contiguous prefix, so receivers never wait for the hash.
  enum class Mode { sequential, sequential_pipelined, ranged, ranged_pipelined };

  // Opens the .incomplete file (adopting the best prefix left by an earlier run, or in ranged modes
  // the file `journal` describes). A file longer than `size` is started afresh. `journal`: where the
  // ranged modes keep their RangeJournal (empty: none).
  BlobWriter(const CacheLayout& layout, const RepoRef& repo, std::string etag, std::uint64_t size, Mode mode,
             std::filesystem::path journal = {});
  // Without commit(): keeps the hashed prefix as blobs/<etag>.incomplete for a later resume.
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Bytes already on disk from an earlier, interrupted download.
  std::uint64_t resume_offset() const { return resume_offset_; }
  // Every range already on disk (the resume prefix, and in ranged modes the journaled ranges).
  const ByteRanges& done_ranges() const { return done_ranges_; }
  std::uint64_t size() const { return size_; }
  // The private file being written (readers of a download in flight open it).
  const std::filesystem::path& path() const { return writing_; }

  // Write bytes at `offset` (thread-safe; pwrite). Bytes at the hashed frontier are hashed from the
  // buffer; others are read back by contiguous_upto.
  void write_at(std::uint64_t offset, const char* data, std::size_t size);
  // The same for several buffers that follow each other in the file, in one pwritev.
  void write_at(std::uint64_t offset, const ::iovec* parts, std::size_t count);

  // [0, end) is now on disk: hash what has not been hashed yet (reading it back from the page cache).
  void contiguous_upto(std::uint64_t end);

  // Verify size and hash, fsync, rename into blobs/<etag>, fsync the folder (or, when another writer
  // placed the blob meanwhile, delete our copy). Throws IntegrityError (and deletes the file) when
  // the bytes do not match the etag.
  void commit();

 private:
  bool ranged() const { return mode_ == Mode::ranged || mode_ == Mode::ranged_pipelined; }
  bool pipelined() const { return mode_ == Mode::sequential_pipelined || mode_ == Mode::ranged_pipelined; }
  void adopt_leftovers();
  bool adopt_journaled(const std::filesystem::path& candidate);
  void open_existing();
  void ensure_open();
  void hash_from_disk(std::uint64_t end);
  void discard();
  void hasher_loop();
  void stop_hasher();

  std::filesystem::path incomplete_;  // blobs/<etag>.incomplete: the shared, resumable prefix
  std::filesystem::path writing_;     // the file written now: incomplete_ or a private name
  std::filesystem::path final_;
  std::string etag_;
  std::uint64_t size_;
  Mode mode_;
  std::uint64_t resume_offset_ = 0;
  ByteRanges done_ranges_;
  std::filesystem::path journal_path_;
  std::unique_ptr<RangeJournal> journal_;
  std::once_flag opened_;  // the file is created by the first write (or by commit for an empty blob)
  util::UniqueFd fd_;
  std::mutex hash_mutex_;
  util::EtagHasher hasher_;
  std::uint64_t hashed_ = 0;
  bool done_ = false;
  // sequential_pipelined: the hasher thread alone touches hasher_/hashed_ and follows ready_.
  std::uint64_t ready_ = 0;     // bytes known on disk; under hash_mutex_
  bool stop_hashing_ = false;   // under hash_mutex_
  std::exception_ptr hash_error_;
  std::condition_variable hash_cv_;
  std::thread hash_thread_;
};

// True if `path` is (or links to) a regular file of `size` bytes.
bool blob_present_at(const std::filesystem::path& path, std::uint64_t size);
// True if blobs/<etag> exists as a regular file of `size` bytes.
bool blob_present(const CacheLayout& layout, const RepoRef& repo, std::string_view etag, std::uint64_t size);

// The bytes at the start of `fd` that can be trusted as written: up to the first hole, less one
// block (a hole starts at the block boundary after the last byte written), capped at `max_size`.
std::uint64_t trusted_prefix(int fd, std::uint64_t max_size);

}  // namespace hfcache::core
