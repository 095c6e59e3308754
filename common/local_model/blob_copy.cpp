// Hash and verified copy of source files for the folder imports.
#include "local_model/blob_copy.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "util/file_lock.hpp"

namespace hfcache::local_model {
namespace {

// Large enough for full-speed sequential reads, flat memory.
constexpr std::size_t io_buffer_size = 1 << 20;

[[noreturn]] void changed_while_importing(const std::string& name) {
  throw IntegrityError(name + " changed while it was being imported; nothing of it was kept",
                       "run the import again once the files are no longer being written (for example after training)");
}

template <typename Sink>
void read_range(int fd, const std::string& name, std::uint64_t offset, std::uint64_t size, Sink&& sink) {
  std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(io_buffer_size, std::max<std::uint64_t>(size, 1))));
  while (offset < size) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - offset));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "read " + name);
    if (n == 0) changed_while_importing(name);
    sink(buf.data(), static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

std::uint64_t fd_size(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::system_error(errno, std::generic_category(), "stat " + name);
  return static_cast<std::uint64_t>(st.st_size);
}

std::string hash_fd(int fd, const std::string& name, std::uint64_t size, bool git_blob) {
  util::Hasher hasher(git_blob ? util::HashKind::sha1 : util::HashKind::sha256);
  if (git_blob) hasher.update("blob " + std::to_string(size) + std::string(1, '\0'));
  read_range(fd, name, 0, size, [&](const char* data, std::size_t n) { hasher.update(data, n); });
  if (fd_size(fd, name) != size) changed_while_importing(name);
  return hasher.hex_digest();
}

bool store_fd_as_blob(const core::CacheLayout& layout, const core::RepoRef& repo, int fd, const std::string& name,
                      const std::string& etag, std::uint64_t size) {
  util::FileLock lock(layout.lock_path(repo, etag));
  if (core::blob_present(layout, repo, etag, size)) return false;
  if (fd_size(fd, name) != size) changed_while_importing(name);
  core::BlobWriter writer(layout, repo, etag, size, core::BlobWriter::Mode::sequential);
  auto offset = writer.resume_offset();
  read_range(fd, name, offset, size, [&](const char* data, std::size_t n) {
    writer.write_at(offset, data, n);
    offset += n;
  });
  try {
    writer.commit();  // verifies the bytes against the etag
  } catch (const IntegrityError&) {
    changed_while_importing(name);
  }
  return true;
}

}  // namespace hfcache::local_model
