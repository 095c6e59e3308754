#include "util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <system_error>

namespace hfcache::util {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(what);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

std::string random_hex(std::size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (auto& c : out) c = hex[rng() & 15];
  return out;
}

void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open directory " + dir.string());
  // Some file systems (e.g. some FUSE mounts) refuse fsync on directories; the rename still happened.
  if (::fsync(fd.get()) != 0 && errno != EINVAL && errno != EROFS) throw_errno("fsync " + dir.string());
}

void atomic_write_file(const fs::path& path, std::string_view content, std::string_view temp_tag) {
  fs::path tmp = path;
  tmp += "." + std::string(temp_tag) + random_hex(8) + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666));
    if (!fd) throw_errno("create " + tmp.string());
    try {
      write_all(fd.get(), content, "write " + tmp.string());
      if (::fsync(fd.get()) != 0) throw_errno("fsync " + tmp.string());
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "rename to " + path.string());
  }
  fsync_dir(path.parent_path());
}

std::optional<std::string> read_small_file(const fs::path& path, std::size_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > max_size)
    return std::nullopt;
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

fs::path relative_to(const fs::path& target, const fs::path& from_dir) {
  return target.lexically_normal().lexically_relative(from_dir.lexically_normal());
}

void replace_with_symlink(const fs::path& target, const fs::path& link) {
  fs::path tmp = link;
  tmp += "." + random_hex(8) + ".tmp";
  if (::symlink(target.c_str(), tmp.c_str()) != 0) throw_errno("symlink " + link.string());
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "rename to " + link.string());
  }
}

bool supports_symlinks(const fs::path& dir) {
  fs::path probe = dir / (".hfcache-symlink-probe." + random_hex(8));
  if (::symlink("probe-target", probe.c_str()) == 0) {
    ::unlink(probe.c_str());
    return true;
  }
  // Only "this file system has no symlinks" means copies; a read-only or foreign folder is an error.
  if (errno == EPERM || errno == ENOTSUP || errno == ENOSYS) return false;
  throw_errno("create a test link in " + dir.string());
}

std::uint64_t free_space(const fs::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) throw_errno("statvfs " + path.string());
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::int64_t unix_seconds(fs::file_time_type time) {
  auto sys = std::chrono::file_clock::to_sys(time);
  return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

}  // namespace hfcache::util
