#include "util/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

namespace hfcache::util {
namespace {

// The mode huggingface_hub gives lock files (WeakFileLock mode=0o664) so other users of a shared
// cache can take them too.
constexpr mode_t lock_file_mode = 0664;

UniqueFd open_lock_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, lock_file_mode));
  if (!fd) throw std::system_error(errno, std::generic_category(), "open lock " + path.string());
  ::fchmod(fd.get(), lock_file_mode);  // best effort: the umask may have removed group write
  return fd;
}

// True if `fd` is still the file at `path` (not unlinked and replaced by a releasing holder).
bool still_linked(int fd, const std::filesystem::path& path) {
  struct stat by_fd {}, by_path {};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
  return by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

}  // namespace

FileLock::FileLock(const std::filesystem::path& path, const std::function<void()>& on_wait, Mode mode) {
  std::filesystem::create_directories(path.parent_path());
  const int kind = mode == Mode::shared ? LOCK_SH : LOCK_EX;
  bool told = false;
  while (true) {
    UniqueFd fd = open_lock_file(path);
    int rc = ::flock(fd.get(), kind | LOCK_NB);
    if (rc != 0 && errno == EWOULDBLOCK) {
      if (on_wait && !told) on_wait();
      told = true;
      do {
        rc = ::flock(fd.get(), kind);
      } while (rc != 0 && errno == EINTR);
    }
    if (rc != 0) {
      // ENOLCK/ENOSYS: the file system cannot lock (some NFS); huggingface_hub then falls back to a
      // soft lock. We rely on unique temp files and rename for correctness, so go on unlocked.
      if (errno == ENOLCK || errno == ENOSYS || errno == EOPNOTSUPP) {
        fd_ = std::move(fd);
        return;
      }
      throw std::system_error(errno, std::generic_category(), "flock " + path.string());
    }
    if (still_linked(fd.get(), path)) {
      fd_ = std::move(fd);
      return;
    }
  }
}

FileLock::~FileLock() = default;  // closing the descriptor releases the flock

bool FileLock::try_lock_probe(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return true;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return true;
  return false;
}

std::optional<FileLock> FileLock::try_exclusive(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  UniqueFd fd = open_lock_file(path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    // A file system that cannot lock cannot tell either: nobody is known to hold it.
    if (errno != ENOLCK && errno != ENOSYS && errno != EOPNOTSUPP) return std::nullopt;
  } else if (!still_linked(fd.get(), path)) {
    return std::nullopt;  // replaced meanwhile: someone is using the new file
  }
  FileLock lock;
  lock.fd_ = std::move(fd);
  return lock;
}

}  // namespace hfcache::util
