#pragma once
// An exclusive flock() on a lock file, the same kind huggingface_hub takes through filelock
// (open O_RDWR|O_CREAT|O_TRUNC|O_NOFOLLOW mode 0664, flock LOCK_EX), so a Python process and
// hfcache writing one cache exclude each other. Released on destruction. The lock file is left in
// place (older filelock versions do the same); a holder that unlinks it on release is detected by
// comparing inodes after locking, and the lock is taken again on the new file.
#include <filesystem>
#include <functional>
#include <optional>

#include "util/fs.hpp"

namespace hfcache::util {

class FileLock {
 public:
  enum class Mode { exclusive, shared };

  // Blocks until the lock is held. Creates parent folders. Throws std::system_error. When another
  // process holds the lock, `on_wait` is called once before blocking (to tell the user why).
  explicit FileLock(const std::filesystem::path& path, const std::function<void()>& on_wait = {},
                    Mode mode = Mode::exclusive);
  ~FileLock();
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

  // True when nobody holds the lock right now (or there is no lock file); creates nothing, waits for nothing.
  static bool try_lock_probe(const std::filesystem::path& path);
  // The exclusive lock if nobody holds the file (shared or exclusive) right now, without waiting.
  static std::optional<FileLock> try_exclusive(const std::filesystem::path& path);

 private:
  FileLock() = default;
  UniqueFd fd_;
};

}  // namespace hfcache::util
