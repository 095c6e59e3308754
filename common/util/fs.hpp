#pragma once
// File-system helpers with one crash-safety rule: write a unique temp file in the target's
// folder, fsync, rename, fsync the folder. Nothing here knows about the hub cache.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::util {

namespace fs = std::filesystem;

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// `n` random lowercase hex characters (for unique temp names).
std::string random_hex(std::size_t n);

// Atomically replace `path` with `content` (temp + fsync + rename + fsync dir). Throws std::system_error.
// The temp file is `<path>.<temp_tag><8 hex>.tmp`.
void atomic_write_file(const fs::path& path, std::string_view content, std::string_view temp_tag = {});

// fsync a directory so a rename in it is durable.
void fsync_dir(const fs::path& dir);

// Read a whole small file; nullopt if it does not exist or is larger than `max_size`.
std::optional<std::string> read_small_file(const fs::path& path, std::size_t max_size = 1 << 20);

// The relative path from directory `from_dir` to `target`, both absolute and lexically normal.
fs::path relative_to(const fs::path& target, const fs::path& from_dir);

// Create `link` as a symlink to `target`, replacing whatever is there (regular file or link) atomically.
void replace_with_symlink(const fs::path& target, const fs::path& link);

// True if `dir` can hold symlinks (probe once with a temp link).
bool supports_symlinks(const fs::path& dir);

// Free bytes for unprivileged users on the file system holding `path`.
std::uint64_t free_space(const fs::path& path);

// A file time as unix seconds (what the index stores and the API reports).
std::int64_t unix_seconds(fs::file_time_type time);

}  // namespace hfcache::util
