// import_git_clone: a clone of a hub repo becomes that repo's revision in the cache.
#include "local_model/clone_import.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/lfs_pointer.hpp"
#include "core/refs.hpp"
#include "core/repo_id.hpp"
#include "core/snapshot.hpp"
#include "core/tree_cache.hpp"
#include "local_model/blob_copy.hpp"
#include "local_model/repo_folder.hpp"
#include "local_model/git_clone.hpp"
#include "local_model/source_folder.hpp"

namespace hfcache::local_model {
namespace {

namespace fs = std::filesystem;

// Where the content of one file of the commit comes from.
struct Source {
  enum class Kind { work_tree, file, in_cache, missing } kind = Kind::missing;
  fs::path file;  // Kind::file: git-lfs's object, or another repo's blob
};

struct Planned {
  core::TreeEntry entry;
  Source source;
};

util::UniqueFd open_plain(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
  return util::UniqueFd(fd);
}

bool regular_file_of_size(const fs::path& path, std::uint64_t size) {
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(path, ec)) && fs::file_size(path, ec) == size && !ec;
}

// A blob of that sha256 in any repo of the cache: LFS content is the same whatever repo holds it.
std::optional<fs::path> blob_elsewhere(const core::CacheLayout& layout, const std::string& sha256, std::uint64_t size) {
  std::error_code ec;
  for (fs::directory_iterator it(layout.root(), ec), end; !ec && it != end; it.increment(ec)) {
    auto repo = core::repo_from_folder_name(it->path().filename().string());
    if (!repo) continue;
    auto blob = layout.blob_path(*repo, sha256);
    if (regular_file_of_size(blob, size)) return blob;
  }
  return std::nullopt;
}

// git-lfs keeps fetched objects in .git/lfs/objects/aa/bb/<oid> even before they are checked out.
fs::path lfs_object_path(const fs::path& clone, const std::string& sha256) {
  return clone / ".git" / "lfs" / "objects" / sha256.substr(0, 2) / sha256.substr(2, 2) / sha256;
}

core::RepoRef repo_of(const CloneImportRequest& request, const GitClone& clone, std::string& endpoint) {
  auto remote = parse_hub_remote(clone.remote_url, request.hub_hosts);
  if (remote) endpoint = remote->endpoint;
  if (request.repo) return *request.repo;
  if (remote) return remote->repo;
  auto where = "'" + request.source.string() + "'";
  if (clone.remote_url.empty())
    throw UsageError("the git clone " + where + " has no remote, so it names no hub repo",
                     "give the repo it is a clone of with --as ORG/NAME");
  throw UsageError("the remote of the git clone " + where + " (" + redact_url(clone.remote_url) +
                       ") names no hub repo",
                   "give the hub repo it is a clone of with --as ORG/NAME (or --endpoint URL when that host is a hub mirror)");
}

std::string list_some(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 10; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 10) out += " and " + std::to_string(names.size() - 10) + " more";
  return out;
}

}  // namespace

CloneImportResult import_git_clone(const core::CacheLayout& layout, const CloneImportRequest& request) {
  GitRepository git(request.source);
  auto clone = git.read();
  CloneImportResult result;
  result.repo = repo_of(request, clone, result.remote_endpoint);
  if (!core::is_valid_repo_id(result.repo.id))
    throw UsageError("invalid repo id '" + result.repo.id + "'", "give it as org/name, such as myorg/my-model");
  result.commit = clone.commit;
  result.branch = clone.branch;
  result.remote = redact_url(clone.remote_url);
  result.shallow = clone.shallow;
  result.snapshot_path = layout.snapshot_dir(result.repo, result.commit);
  if (clone.files.empty())
    throw UsageError("commit " + clone.commit + " of the git clone '" + request.source.string() + "' holds no files");

  // Compare the work tree with the commit before anything is written: the cache gets the commit
  // exactly, or nothing.
  SourceFolder work(request.source, layout.root());
  std::vector<Planned> plan;
  std::vector<std::string> changed;
  for (const auto& f : clone.files) {
    Planned p;
    p.entry = core::TreeEntry{f.path, f.lfs ? f.lfs->size : f.size, f.blob_id, {}};
    if (f.lfs) p.entry.lfs_sha256 = f.lfs->sha256;
    util::UniqueFd fd;
    try {
      fd = work.open(f.path);
    } catch (const std::exception&) {
      changed.push_back(f.path + " (deleted)");
      continue;
    }
    auto size = fd_size(fd.get(), f.path);
    if (!f.lfs) {
      if (size != f.size || hash_fd(fd.get(), f.path, size, true) != f.blob_id) changed.push_back(f.path + " (modified)");
      else p.source.kind = Source::Kind::work_tree;
    } else if (size <= core::lfs_pointer_max_size && core::read_lfs_pointer_file(request.source / f.path)) {
      // Not fetched: the pointer itself is checked out (the same one, or the file is changed).
      auto here = core::read_lfs_pointer_file(request.source / f.path);
      if (here->sha256 != f.lfs->sha256 || here->size != f.lfs->size) changed.push_back(f.path + " (modified)");
    } else if (size != f.lfs->size || hash_fd(fd.get(), f.path, size, false) != f.lfs->sha256) {
      changed.push_back(f.path + " (modified)");
    } else {
      p.source.kind = Source::Kind::work_tree;
      result.lfs_from_clone.push_back(f.path);
    }
    plan.push_back(std::move(p));
  }
  if (!changed.empty())
    throw UsageError("the git clone '" + request.source.string() + "' has local changes not in its commit " +
                         clone.commit + ": " + list_some(changed),
                     "import the commit as the hub has it after `git stash` (or `git checkout -- .`) in the clone; "
                     "or import the folder as it is as a local model: hfcache import FOLDER --as ORG/NAME --no-git");

  // Pointer files: git-lfs's object store, this repo's blobs, any repo's blobs; else missing.
  for (auto& p : plan) {
    if (p.source.kind != Source::Kind::missing || !p.entry.lfs_sha256) continue;
    const auto& sha = *p.entry.lfs_sha256;
    if (auto obj = lfs_object_path(request.source, sha); regular_file_of_size(obj, p.entry.size)) {
      p.source = {Source::Kind::file, obj};
      result.lfs_from_clone.push_back(p.entry.path);
    } else if (core::blob_present(layout, result.repo, sha, p.entry.size)) {
      p.source.kind = Source::Kind::in_cache;
      result.lfs_from_cache.push_back(p.entry.path);
    } else if (auto other = blob_elsewhere(layout, sha, p.entry.size)) {
      p.source = {Source::Kind::file, *other};
      result.lfs_from_cache.push_back(p.entry.path);
    } else {
      result.missing.push_back({p.entry.path, p.entry.size, sha});
    }
  }
  // Work-tree files the commit lacks and git does not ignore: not part of the revision.
  std::set<std::string> tracked;
  for (const auto& f : clone.files) tracked.insert(f.path);
  for (const auto& file : work.list())
    if (!tracked.contains(file.path) && !git.ignored(file.path)) result.untracked.push_back(file.path);
  result.files = plan.size();
  for (const auto& p : plan) result.bytes += p.entry.size;

  for (const auto& name : clone.refs_at_commit) {
    CloneRef ref{name, false, core::read_ref(layout, result.repo, name).value_or("")};
    ref.kept = !ref.existing.empty() && ref.existing != result.commit && !request.force_refs;
    result.refs.push_back(std::move(ref));
  }
  if (request.dry_run) return result;

  bool symlinks = prepare_repo_folder(layout, result.repo, request.write_cachedir_tag, request.disable_symlinks);

  // Identical content at several paths is one blob.
  std::map<std::string, std::vector<const Planned*>> by_etag;
  for (const auto& p : plan)
    if (p.source.kind != Source::Kind::missing) by_etag[p.entry.etag()].push_back(&p);
  for (const auto& [etag, group] : by_etag) {
    std::vector<const Planned*> to_link;
    for (const auto* p : group)
      if (symlinks || !core::snapshot_file_present(layout, result.repo, result.commit, p->entry.path)) to_link.push_back(p);
    bool blob_is_new = false;
    const auto& first = *group.front();
    if (!to_link.empty() && !core::blob_present(layout, result.repo, etag, first.entry.size)) {
      const Planned* from = &first;
      for (const auto* p : group)
        if (p->source.kind != Source::Kind::in_cache) from = p;
      if (from->source.kind == Source::Kind::work_tree) {
        auto fd = work.open(from->entry.path);
        blob_is_new = store_fd_as_blob(layout, result.repo, fd.get(), from->entry.path, etag, from->entry.size);
      } else if (from->source.kind == Source::Kind::file) {
        auto fd = open_plain(from->source.file);
        blob_is_new = store_fd_as_blob(layout, result.repo, fd.get(), from->source.file.string(), etag, from->entry.size);
      }
      if (blob_is_new) ++result.blobs_written;
    }
    for (std::size_t i = 0; i < to_link.size(); ++i) {
      bool last = i + 1 == to_link.size();
      core::link_snapshot_file(layout, result.repo, result.commit, to_link[i]->entry.path, etag, symlinks,
                               !symlinks && blob_is_new && last);
    }
  }
  fs::create_directories(result.snapshot_path);
  std::vector<core::TreeEntry> entries;
  for (const auto& p : plan) entries.push_back(p.entry);
  // The whole listing, missing files too: the revision then reads as incomplete, as a partial pull.
  core::write_tree_cache(layout, result.repo, result.commit, entries);
  for (const auto& ref : result.refs)
    if (!ref.kept) core::write_ref(layout, result.repo, ref.name, result.commit);
  return result;
}

}  // namespace hfcache::local_model
