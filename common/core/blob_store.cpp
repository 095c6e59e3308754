#include "core/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>
#include <vector>

#include "core/errors.hpp"

namespace hfcache::core {
namespace {

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// Size of the reads that hash bytes written out of order back from the page cache.
constexpr std::size_t rehash_buffer_size = 1 << 20;

}  // namespace

BlobWriter::BlobWriter(const CacheLayout& layout, const RepoRef& repo, std::string etag, std::uint64_t size)
    : incomplete_(layout.incomplete_path(repo, etag)),
      final_(layout.blob_path(repo, etag)),
      etag_(std::move(etag)),
      size_(size),
      hasher_(etag_, size) {
  fs::create_directories(incomplete_.parent_path());
  fd_ = util::UniqueFd(::open(incomplete_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666));
  if (!fd_) throw_errno("open " + incomplete_.string());
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw_errno("stat " + incomplete_.string());
  auto on_disk = static_cast<std::uint64_t>(st.st_size);
  if (!S_ISREG(st.st_mode) || on_disk > size_) {
    if (::ftruncate(fd_.get(), 0) != 0) throw_errno("truncate " + incomplete_.string());
    on_disk = 0;
  }
  // Parallel ranges leave holes after a crash: only the part before the first hole is trusted.
  off_t hole = ::lseek(fd_.get(), 0, SEEK_HOLE);
  if (hole >= 0 && static_cast<std::uint64_t>(hole) < on_disk) on_disk = static_cast<std::uint64_t>(hole);
  resume_offset_ = on_disk;
  hash_from_disk(resume_offset_);  // so write_at at the resume point keeps hashing from the buffer
}

BlobWriter::~BlobWriter() = default;  // the .incomplete file stays for a later resume

void BlobWriter::write_at(std::uint64_t offset, const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd_.get(), data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + incomplete_.string());
    }
    done += static_cast<std::size_t>(n);
  }
  std::lock_guard lock(hash_mutex_);
  if (offset == hashed_) {
    hasher_.update(data, size);
    hashed_ += size;
  }
}

void BlobWriter::contiguous_upto(std::uint64_t end) {
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
    if (n < 0) throw_errno("read back " + incomplete_.string());
    if (n == 0) throw IntegrityError(incomplete_.string() + " is shorter than its bytes written", "run the command again");
    hasher_.update(buf.data(), static_cast<std::size_t>(n));
    hashed_ += static_cast<std::uint64_t>(n);
  }
}

void BlobWriter::commit() {
  {
    std::lock_guard lock(hash_mutex_);
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) throw_errno("stat " + incomplete_.string());
    auto on_disk = static_cast<std::uint64_t>(st.st_size);
    bool complete = on_disk == size_;
    if (complete) hash_from_disk(size_);
    if (!complete || !hasher_.matches()) {
      discard();
      throw IntegrityError("downloaded bytes do not match blob " + etag_ + " (" + std::to_string(on_disk) + " of " +
                               std::to_string(size_) + " bytes" + (complete ? ", wrong hash)" : ")"),
                           "the upstream or a proxy served corrupt data; nothing was kept, run the command again");
    }
  }
  if (::fsync(fd_.get()) != 0) throw_errno("fsync " + incomplete_.string());
  if (::rename(incomplete_.c_str(), final_.c_str()) != 0) throw_errno("rename to " + final_.string());
  util::fsync_dir(final_.parent_path());
}

void BlobWriter::discard() { ::unlink(incomplete_.c_str()); }

bool blob_present(const CacheLayout& layout, const RepoRef& repo, std::string_view etag, std::uint64_t size) {
  struct stat st {};
  auto path = layout.blob_path(repo, etag);
  // stat, not lstat: the shared blob store of newer huggingface_hub makes blobs/<etag> a symlink.
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size;
}

}  // namespace hfcache::core
