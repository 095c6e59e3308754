#include "core/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <system_error>
#include <vector>

#include "core/errors.hpp"
#include "core/private_temp.hpp"

namespace hfcache::core {
namespace {

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// Size of the reads that hash bytes written out of order back from the page cache.
constexpr std::size_t rehash_buffer_size = 1 << 20;
// Writes at least this large start their own writeback at once (sync_file_range): the bytes go to
// disk while the download goes on, and the fsync before the rename finds almost nothing left to do.
// Without it a 1 GiB blob stays dirty in the page cache (the kernel starts writing back at 10% of
// RAM) and its fsync took 0.4-0.7 s after the last byte had arrived. Small files skip it: their
// fsync is one short write anyway.
constexpr std::size_t writeback_min_size = 256 << 10;

util::UniqueFd open_rw(const fs::path& path) {
  util::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666));
  if (!fd) throw_errno("open " + path.string());
  return fd;
}

std::uint64_t prefix_of(const fs::path& path, std::uint64_t max_size) {
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return 0;
  return trusted_prefix(fd.get(), max_size);
}

// Whatever the destructor leaves, the private file is no longer this process's live download.
struct ReleaseOnExit {
  const fs::path& path;
  ~ReleaseOnExit() {
    if (!path.empty()) release_private_temp(path);
  }
};

}  // namespace

std::uint64_t trusted_prefix(int fd, std::uint64_t max_size) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_size) return 0;  // not a prefix of this blob
  off_t hole = ::lseek(fd, 0, SEEK_HOLE);
  if (hole >= 0 && static_cast<std::uint64_t>(hole) < size) {
    auto block = static_cast<std::uint64_t>(st.st_blksize > 0 ? st.st_blksize : 4096);
    auto h = static_cast<std::uint64_t>(hole);
    return h > block ? (h - block) / block * block : 0;
  }
  return size;
}

BlobWriter::BlobWriter(const CacheLayout& layout, const RepoRef& repo, std::string etag, std::uint64_t size, Mode mode,
                       std::filesystem::path journal)
    : incomplete_(layout.incomplete_path(repo, etag)),
      final_(layout.blob_path(repo, etag)),
      etag_(std::move(etag)),
      size_(size),
      mode_(mode),
      journal_path_(ranged() ? std::move(journal) : std::filesystem::path()),
      hasher_(etag_, size) {
  fs::create_directories(incomplete_.parent_path());
  adopt_leftovers();
  if (writing_.empty()) {
    // Every writer writes a private file, taking the shared prefix over by an atomic rename: two
    // writers of one blob (where flock does nothing across hosts) never write one file, and a
    // commit renames exactly the bytes it verified. The shared name always holds a clean prefix.
    writing_ = incomplete_;
    writing_.replace_filename(private_temp_name(etag_));
    if (::rename(incomplete_.c_str(), writing_.c_str()) != 0 && errno != ENOENT) throw_errno("rename " + incomplete_.string());
  }
  open_existing();
  hash_from_disk(resume_offset_);  // so a write at the resume point keeps hashing from the buffer
  ready_ = resume_offset_;
  if (fd_ && !journal_path_.empty()) {
    journal_ = std::make_unique<RangeJournal>(journal_path_, fd_.get(), etag_, size_, done_ranges_);
  }
  if (pipelined()) hash_thread_ = std::thread([this] { hasher_loop(); });
}

void BlobWriter::open_existing() {
  fd_ = util::UniqueFd(::open(writing_.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (!fd_) {
    if (errno != ENOENT) throw_errno("open " + writing_.string());
    done_ranges_.clear();
    return;  // nothing left by an earlier run: the file is created by the first write
  }
  if (done_ranges_.empty()) {  // no journal: the prefix before the first hole
    resume_offset_ = trusted_prefix(fd_.get(), size_);
    if (::ftruncate(fd_.get(), static_cast<off_t>(resume_offset_)) != 0) throw_errno("truncate " + writing_.string());
    if (resume_offset_ > 0) done_ranges_ = {{0, resume_offset_}};
  } else {
    resume_offset_ = done_ranges_.front().first == 0 ? done_ranges_.front().second : 0;
  }
  if (done_ranges_.empty()) {  // an empty leftover is worth nothing: none is left lying around
    fd_ = util::UniqueFd();
    ::unlink(writing_.c_str());
  }
}

void BlobWriter::ensure_open() {
  std::call_once(opened_, [this] {
    if (fd_) return;
    fd_ = open_rw(writing_);
    if (!journal_path_.empty()) journal_ = std::make_unique<RangeJournal>(journal_path_, fd_.get(), etag_, size_, done_ranges_);
  });
}

void BlobWriter::hasher_loop() {
  std::unique_lock lock(hash_mutex_);
  while (true) {
    hash_cv_.wait(lock, [this] { return stop_hashing_ || (ready_ > hashed_ && !hash_error_); });
    if (ready_ > hashed_ && !hash_error_) {
      auto target = ready_;
      lock.unlock();  // only this thread touches hasher_ and hashed_ in this mode
      try {
        hash_from_disk(target);
      } catch (...) {
        lock.lock();
        hash_error_ = std::current_exception();
        continue;
      }
      lock.lock();
      continue;
    }
    if (stop_hashing_) return;
  }
}

void BlobWriter::stop_hasher() {
  if (!hash_thread_.joinable()) return;
  {
    std::lock_guard lock(hash_mutex_);
    stop_hashing_ = true;
  }
  hash_cv_.notify_all();
  hash_thread_.join();  // it hashes what is ready before it stops
}

void BlobWriter::adopt_leftovers() {
  // Private files of crashed writers (ours, or huggingface_hub >= 1.18's): with a journal, the one it
  // describes is taken as it is; otherwise keep the longest trusted prefix under the shared name and
  // drop the rest. We hold the blob's lock, yet where flock does nothing across hosts another writer
  // may be live: files that may be a live writer's are left alone (core/private_temp.hpp).
  std::uint64_t best = prefix_of(incomplete_, size_);
  std::error_code ec;
  std::string prefix = etag_ + ".";
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(incomplete_.parent_path(), ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".incomplete") && entry.path() != incomplete_) leftovers.push_back(entry.path());
  }
  for (const auto& path : leftovers) {
    if (!private_temp_abandoned(path, etag_)) continue;  // a live writer's (this host's, or another's lately)
    if (writing_.empty() && adopt_journaled(path)) {
      std::uint64_t covered = 0;
      for (const auto& [start, end] : done_ranges_) covered += end - start;
      if (covered > best) continue;
      release_private_temp(writing_);
      writing_.clear();  // the prefix under the shared name holds more: use that
      done_ranges_.clear();
    }
    auto candidate = prefix_of(path, size_);
    if (candidate > best) {
      ::truncate(path.c_str(), static_cast<off_t>(candidate));
      if (::rename(path.c_str(), incomplete_.c_str()) == 0) best = candidate;
    } else {
      ::unlink(path.c_str());
    }
  }
  if (!writing_.empty()) ::unlink(incomplete_.c_str());  // the journaled file holds more
}

bool BlobWriter::adopt_journaled(const fs::path& candidate) {
  if (journal_path_.empty()) return false;
  util::UniqueFd fd(::open(candidate.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  auto ranges = RangeJournal::load(journal_path_, fd.get(), etag_, size_);
  if (!ranges || ranges->empty()) return false;
  writing_ = candidate;
  claim_private_temp(writing_);
  done_ranges_ = std::move(*ranges);
  return true;
}

BlobWriter::~BlobWriter() {
  stop_hasher();
  ReleaseOnExit release{writing_};
  if (done_ || !fd_) return;  // no fd: nothing was ever written, so there is no file
  // With a journal the private file keeps every range written, for the next ranged writer.
  if (journal_ && journal_->active()) return;
  if (journal_) journal_->remove();
  if (hashed_ == 0) {                // nothing worth keeping: no empty .incomplete is left behind
    ::unlink(writing_.c_str());
    return;
  }
  // Keep only what is known good (hashed), under the shared name, for the next run.
  if (::ftruncate(fd_.get(), static_cast<off_t>(hashed_)) != 0) return;
  if (writing_ != incomplete_) {
    if (hashed_ >= prefix_of(incomplete_, size_)) ::rename(writing_.c_str(), incomplete_.c_str());
    else ::unlink(writing_.c_str());
  }
}

void BlobWriter::write_at(std::uint64_t offset, const char* data, std::size_t size) {
  iovec part{const_cast<char*>(data), size};
  write_at(offset, &part, 1);
}

void BlobWriter::write_at(std::uint64_t offset, const iovec* parts, std::size_t count) {
  std::size_t size = 0;
  for (std::size_t i = 0; i < count; ++i) size += parts[i].iov_len;
  if (size == 0) return;
  ensure_open();
  std::vector<iovec> rest(parts, parts + count);
  std::size_t done = 0, first = 0;
  while (done < size) {
    ssize_t n = ::pwritev(fd_.get(), rest.data() + first, static_cast<int>(std::min<std::size_t>(rest.size() - first, IOV_MAX)),
                          static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + writing_.string());
    }
    done += static_cast<std::size_t>(n);
    for (auto left = static_cast<std::size_t>(n); left > 0 && first < rest.size();) {  // skip what went out
      auto take = std::min(left, rest[first].iov_len);
      rest[first].iov_base = static_cast<char*>(rest[first].iov_base) + take;
      rest[first].iov_len -= take;
      left -= take;
      if (rest[first].iov_len == 0) ++first;
    }
  }
  if (size >= writeback_min_size) {
    // Best effort: only starts the writeback; commit() still fsyncs, and reports any I/O error.
    ::sync_file_range(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(size), SYNC_FILE_RANGE_WRITE);
  }
  if (journal_) journal_->record(offset, offset + size);
  if (pipelined()) {
    {
      std::lock_guard lock(hash_mutex_);
      if (offset != ready_) return;
      ready_ += size;
    }
    hash_cv_.notify_one();
    return;
  }
  std::lock_guard lock(hash_mutex_);
  if (offset == hashed_) {
    for (std::size_t i = 0; i < count; ++i) hasher_.update(static_cast<const char*>(parts[i].iov_base), parts[i].iov_len);
    hashed_ += size;
  }
}

void BlobWriter::contiguous_upto(std::uint64_t end) {
  if (pipelined()) {
    {
      std::lock_guard lock(hash_mutex_);
      ready_ = std::max(ready_, end);
    }
    hash_cv_.notify_one();
    return;
  }
  std::lock_guard lock(hash_mutex_);
  hash_from_disk(end);
}

void BlobWriter::hash_from_disk(std::uint64_t end) {
  std::vector<char> buf;
  while (hashed_ < end) {
    if (buf.empty()) buf.resize(rehash_buffer_size);
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), end - hashed_));
    ssize_t n = ::pread(fd_.get(), buf.data(), want, static_cast<off_t>(hashed_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read back " + writing_.string());
    if (n == 0) throw IntegrityError(writing_.string() + " is shorter than the bytes written to it", "run the command again");
    hasher_.update(buf.data(), static_cast<std::size_t>(n));
    hashed_ += static_cast<std::uint64_t>(n);
  }
}

void BlobWriter::commit() {
  stop_hasher();
  if (hash_error_) std::rethrow_exception(hash_error_);
  ensure_open();  // an empty blob: no write created its file
  struct stat st {}, by_path {};
  if (::fstat(fd_.get(), &st) != 0) throw_errno("stat " + writing_.string());
  auto on_disk = static_cast<std::uint64_t>(st.st_size);
  bool complete = on_disk == size_;
  std::lock_guard lock(hash_mutex_);
  if (complete) hash_from_disk(size_);
  if (!complete || !hasher_.matches()) {
    discard();
    throw IntegrityError("downloaded bytes do not match blob " + etag_ + " (" + std::to_string(on_disk) + " of " +
                             std::to_string(size_) + " bytes" + (complete ? ", wrong hash)" : ")"),
                         "the upstream or a proxy served corrupt data; nothing was kept, run the command again");
  }
  if (blob_present_at(final_, size_)) {
    // Another writer (a replica where flock does nothing) verified and placed the same blob first:
    // keep theirs, which readers may have open, and drop our identical copy.
    discard();
    return;
  }
  if (::fsync(fd_.get()) != 0) throw_errno("fsync " + writing_.string());
  // Where locks do not work (some NFS), another writer may have replaced our file: never rename a
  // file we did not verify.
  if (::stat(writing_.c_str(), &by_path) != 0 || by_path.st_ino != st.st_ino || by_path.st_dev != st.st_dev) {
    done_ = true;
    throw Error(ExitCode::failure, writing_.string() + " was replaced by another process during the download",
                "the file system's locks do not work; run the command again with no other download running");
  }
  if (::rename(writing_.c_str(), final_.c_str()) != 0) throw_errno("rename to " + final_.string());
  done_ = true;
  if (journal_) journal_->remove();
  util::fsync_dir(final_.parent_path());
}

void BlobWriter::discard() {
  ::unlink(writing_.c_str());
  done_ = true;
  if (journal_) journal_->remove();
}

bool blob_present_at(const fs::path& path, std::uint64_t size) {
  struct stat st {};
  // stat, not lstat: the shared blob store of newer huggingface_hub makes blobs/<etag> a symlink.
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size;
}

bool blob_present(const CacheLayout& layout, const RepoRef& repo, std::string_view etag, std::uint64_t size) {
  return blob_present_at(layout.blob_path(repo, etag), size);
}

}  // namespace hfcache::core
