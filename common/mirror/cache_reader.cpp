#include "mirror/cache_reader.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <system_error>

#include "core/entry_place.hpp"
#include "core/lfs_rules.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "mirror/mirror_error.hpp"
#include "mirror/repo_listing.hpp"
#include "core/link_target.hpp"
#include "util/hash.hpp"

namespace hfcache::mirror {
namespace {

namespace fs = std::filesystem;

// The link target of `entry` ("" when it is not a link).
std::string link_target_of(int dirfd, const char* path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlinkat(dirfd, path, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

enum class Beneath { opened, absent, undecided };

// The common case in one kernel walk: openat2 with RESOLVE_BENEATH follows `relative`'s links but
// refuses any step out of `dir`. `undecided` (a link leaving the folder or absolute, an old kernel)
// sends the caller to the realpath checks, which also accept the shared blob store.
Beneath open_beneath(const fs::path& dir, const std::string& relative, OpenedFile& out, std::string* link_target) {
  util::UniqueFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) return errno == ENOENT ? Beneath::absent : Beneath::undecided;
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;  // a FIFO planted in a snapshot must not block the open
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, dirfd.get(), relative.c_str(), &how, sizeof how);
  if (fd < 0) return errno == ENOENT ? Beneath::absent : Beneath::undecided;
  out.fd = util::UniqueFd(static_cast<int>(fd));
  struct stat st {};
  if (::fstat(out.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return Beneath::absent;
  out.size = static_cast<std::uint64_t>(st.st_size);
  if (link_target) *link_target = link_target_of(dirfd.get(), relative.c_str());
  return Beneath::opened;
}

// Open `entry` (a snapshot entry or blob path) if it resolves to a regular file inside the repo
// folder or the cache's shared blob store; O_NOFOLLOW on the resolved path so it cannot be swapped.
// `link_target`, when given, receives the entry's own link target ("" for a plain file).
std::optional<OpenedFile> open_inside(const core::CacheLayout& layout, const core::RepoRef& repo, const fs::path& entry,
                                      const std::string& shown, std::string* link_target = nullptr) {
  const auto repo_dir = layout.repo_dir(repo);
  const auto& entry_text = entry.native();
  if (entry_text.size() > repo_dir.native().size() + 1 && entry_text.starts_with(repo_dir.native() + "/")) {
    OpenedFile out;
    switch (open_beneath(repo_dir, entry_text.substr(repo_dir.native().size() + 1), out, link_target)) {
      case Beneath::opened: return out;
      case Beneath::absent: return std::nullopt;
      case Beneath::undecided: break;
    }
  }
  auto resolved = core::resolve_entry(layout, repo, entry);
  switch (resolved.place) {
    case core::EntryPlace::absent:
    case core::EntryPlace::dangling: return std::nullopt;  // not cached
    case core::EntryPlace::outside:
      throw MirrorError(403, "", "refused to serve " + shown + " of " + repo.display() +
                                     ": it resolves outside the repo folder (run `hfcache repair`)");
    case core::EntryPlace::inside: break;
  }
  struct stat st {};
  OpenedFile out;
  out.fd = util::UniqueFd(::open(resolved.real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!out.fd || ::fstat(out.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  out.size = static_cast<std::uint64_t>(st.st_size);
  if (link_target) *link_target = link_target_of(AT_FDCWD, entry.c_str());
  return out;
}

std::string etag_by_hashing(int fd, const std::string& path, std::uint64_t size) {
  auto hashes = util::hash_file("/proc/self/fd/" + std::to_string(fd));
  return core::stored_in_lfs(path, size) ? hashes.sha256 : hashes.git_sha1;
}

void collect_refs(const fs::path& dir, const std::string& prefix, std::map<std::string, std::string>& out, int depth) {
  std::error_code ec;
  if (depth > 8) return;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = prefix + entry.path().filename().string();
    if (entry.is_directory(ec)) {
      collect_refs(entry.path(), name + "/", out, depth + 1);
    } else if (auto text = util::read_small_file(entry.path(), 256)) {
      std::string commit;
      for (char c : *text) {
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') commit += c;
      }
      if (core::is_commit_hash(commit)) out.emplace(name, commit);
    }
  }
}

}  // namespace

std::optional<std::string> cached_commit(const core::CacheLayout& layout, const core::RepoRef& repo,
                                         const std::string& revision) {
  std::error_code ec;
  if (core::is_commit_hash(revision)) {
    if (fs::is_directory(layout.snapshot_dir(repo, revision), ec) ||
        fs::is_regular_file(layout.tree_cache_path(repo, revision), ec)) {
      return revision;
    }
    return std::nullopt;
  }
  auto commit = core::read_ref(layout, repo, revision);
  if (commit && !core::is_commit_hash(*commit)) return std::nullopt;
  return commit;
}

std::map<std::string, std::string> cached_refs(const core::CacheLayout& layout, const core::RepoRef& repo) {
  std::map<std::string, std::string> out;
  collect_refs(layout.repo_dir(repo) / "refs", "", out, 0);
  return out;
}

std::vector<core::TreeEntry> listing_from_snapshot(const core::CacheLayout& layout, const core::RepoRef& repo,
                                                   const std::string& commit) {
  std::vector<core::TreeEntry> entries;
  auto root = layout.snapshot_dir(repo, commit);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    auto rel = it->path().lexically_relative(root).generic_string();  // not fs::relative: it follows links
    std::optional<OpenedFile> file;
    try {
      file = open_snapshot_file(layout, repo, commit, rel, nullptr);
    } catch (const std::exception&) {
      continue;  // refused or not a valid path: not part of what we serve
    }
    if (!file || !core::is_etag(file->etag)) continue;
    core::TreeEntry e;
    e.path = rel;
    e.size = file->size;
    if (file->etag.size() == 64) {
      e.lfs_sha256 = file->etag;
      e.blob_id = core::lfs_pointer_blob_id(file->etag, file->size);
    } else {
      e.blob_id = file->etag;
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::time_t revision_time(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& commit) {
  struct stat st {};
  if (::stat(layout.snapshot_dir(repo, commit).c_str(), &st) == 0) return st.st_mtime;
  if (::stat(layout.tree_cache_path(repo, commit).c_str(), &st) == 0) return st.st_mtime;
  return std::time(nullptr);
}

std::optional<OpenedFile> open_snapshot_file(const core::CacheLayout& layout, const core::RepoRef& repo,
                                             const std::string& commit, const std::string& path,
                                             const RepoListing* listing, bool may_hash) {
  auto entry = layout.snapshot_file(repo, commit, path);  // validates `path`
  std::string link_target;
  auto file = open_inside(layout, repo, entry, path, &link_target);
  if (!file) return std::nullopt;
  if (!link_target.empty()) {
    if (auto etag = core::blob_name_of(link_target); etag && core::is_etag(*etag)) {
      file->etag = *etag;
      return file;
    }
  }
  if (listing) {
    if (const auto* known = listing->find(path); known && known->size == file->size) {
      file->etag = known->etag();
      return file;
    }
  }
  if (!may_hash) return std::nullopt;
  file->etag = etag_by_hashing(file->fd.get(), path, file->size);
  return file;
}

std::optional<OpenedFile> open_blob(const core::CacheLayout& layout, const core::RepoRef& repo,
                                    const std::string& etag) {
  auto file = open_inside(layout, repo, layout.blob_path(repo, etag), "blob " + etag);
  if (file) file->etag = etag;
  return file;
}

}  // namespace hfcache::mirror
