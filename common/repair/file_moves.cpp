#include "repair/file_moves.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/temp_sweep.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

namespace hfcache::repair {
namespace {

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

void fsync_file(const fs::path& path) {
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd || ::fsync(fd.get()) != 0) throw_errno("fsync " + path.string());
}

// Copy src to the fresh temp file `tmp`; returns it (the caller renames or removes it).
fs::path copy_to_temp(const fs::path& src, const fs::path& tmp) {
  try {
    fs::copy_file(src, tmp, fs::copy_options::none);
    fsync_file(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  return tmp;
}

}  // namespace

ContentHashes hash_regular_file(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw_errno("stat " + path.string());
  if (!S_ISREG(st.st_mode)) throw std::system_error(EINVAL, std::generic_category(), "not a regular file: " + path.string());
  auto h = util::hash_file(path.string());
  return {h.sha256, h.git_sha1, h.size};
}

void store_as_blob(const fs::path& copy, const fs::path& blob, std::string_view etag) {
  fs::create_directories(blob.parent_path());
  if (::link(copy.c_str(), blob.c_str()) == 0) {
    util::fsync_dir(blob.parent_path());
    return;
  }
  if (errno == EEXIST) return;  // a blob of that name appeared meanwhile: the caller re-checks it
  // hfcache's own staging name (core/temp_sweep.hpp): never taken for a download's resumable file.
  auto tmp = copy_to_temp(copy, blob.parent_path() / core::own_blob_temp_name());
  try {
    auto h = util::hash_file(tmp.string());
    if (h.sha256 != etag && h.git_sha1 != etag)
      throw std::system_error(EIO, std::generic_category(), "the copy of " + copy.string() + " does not match " + std::string(etag));
    if (::rename(tmp.c_str(), blob.c_str()) != 0) throw_errno("rename to " + blob.string());
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  util::fsync_dir(blob.parent_path());
}

void write_copy_atomically(const fs::path& src, const fs::path& dst) {
  fs::create_directories(dst.parent_path());
  auto tmp = dst;
  tmp += "." + util::random_hex(8) + ".tmp";
  copy_to_temp(src, tmp);
  if (::rename(tmp.c_str(), dst.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "rename to " + dst.string());
  }
  util::fsync_dir(dst.parent_path());
}

void relink(const fs::path& link, const std::string& target) {
  fs::create_directories(link.parent_path());
  util::replace_with_symlink(target, link);
  util::fsync_dir(link.parent_path());
}

std::uint64_t link_count(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_nlink);
}

}  // namespace hfcache::repair
