#include "core/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

#include "core/write_lock.hpp"
#include "util/fs.hpp"

namespace hfcache::core {

LinkOutcome link_snapshot_file(const CacheLayout& layout, const RepoRef& repo, std::string_view commit,
                               std::string_view path, std::string_view etag, bool symlinks, bool blob_is_new) {
  RepoWriteLock writing(layout, repo);  // its temp link or copy is ours until renamed
  return link_snapshot_file(writing, layout, repo, commit, path, etag, symlinks, blob_is_new);
}

LinkOutcome link_snapshot_file(const RepoWriteLock& /*held*/, const CacheLayout& layout, const RepoRef& repo,
                               std::string_view commit, std::string_view path, std::string_view etag, bool symlinks,
                               bool blob_is_new) {
  auto link = layout.snapshot_file(repo, commit, path);
  fs::create_directories(link.parent_path());
  if (symlinks) {
    auto target = snapshot_link_target(path, etag);
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(link, ec)) && fs::read_symlink(link, ec).string() == target) {
      return LinkOutcome::already_correct;
    }
    util::replace_with_symlink(target, link);
    return LinkOutcome::created;
  }
  // No symlinks: a new blob moves into the snapshot, an existing one is copied (it may be shared).
  auto blob = layout.blob_path(repo, etag);
  auto tmp = link;
  tmp += "." + util::random_hex(8) + ".tmp";
  if (blob_is_new) {
    fs::rename(blob, link);
  } else {
    try {
      fs::copy_file(blob, tmp, fs::copy_options::overwrite_existing);
      util::UniqueFd fd(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd || ::fsync(fd.get()) != 0) throw std::system_error(errno, std::generic_category(), "fsync " + tmp.string());
      fs::rename(tmp, link);
    } catch (...) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw;
    }
  }
  util::fsync_dir(link.parent_path());
  return LinkOutcome::copied;
}

bool snapshot_file_present(const CacheLayout& layout, const RepoRef& repo, std::string_view commit,
                           std::string_view path) {
  struct stat st {};
  auto file = layout.snapshot_file(repo, commit, path);
  return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void mark_no_exist(const CacheLayout& layout, const RepoRef& repo, std::string_view commit, std::string_view path) {
  auto marker = layout.no_exist_path(repo, commit, path);
  std::error_code ec;
  fs::create_directories(marker.parent_path(), ec);
  if (ec) return;
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd >= 0) ::close(fd);
}

}  // namespace hfcache::core
