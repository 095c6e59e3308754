#pragma once
// Import of a git clone of a hub repo as that repo at the commit it has checked out, exactly as
// huggingface_hub stores that revision: blobs named by the hub's etags (git blob sha1, or the LFS
// pointer's sha256), snapshot links, trees/<commit>.json from the git tree, refs/ for the branch and
// the tags and branches at that commit. No .git content enters the cache, and an LFS pointer file
// is never stored as content: its real file comes from the clone (git lfs pull'ed), git-lfs's own
// object store, or any repo of the cache holding that sha256; what none of them has is reported
// missing, and the revision is left incomplete as a partial pull leaves it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::local_model {

struct CloneImportRequest {
  std::filesystem::path source;       // the clone's top folder
  std::optional<core::RepoRef> repo;  // --as: overrides the repo the remote names
  std::vector<std::string> hub_hosts; // host[:port]s that are a hub besides huggingface.co (the configured endpoint)
  bool dry_run = false;
  bool force_refs = false;            // move a ref the cache has at another commit
  bool disable_symlinks = false;
  bool write_cachedir_tag = true;
};

struct MissingLfsFile {
  std::string path;
  std::uint64_t size = 0;
  std::string sha256;
};

struct CloneRef {
  std::string name;
  bool kept = false;             // the cache has it at another commit, left there (no --force-refs)
  std::string existing;          // that commit
};

struct CloneImportResult {
  core::RepoRef repo;
  std::string commit;
  std::optional<std::string> branch;  // nullopt: detached HEAD (a clone on a tag)
  std::vector<CloneRef> refs;
  std::string remote;                 // redacted
  std::string remote_endpoint;        // the hub the remote names ("" when --as and no hub remote)
  bool shallow = false;
  std::filesystem::path snapshot_path;
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::size_t blobs_written = 0;
  std::vector<std::string> lfs_from_clone;  // LFS files whose content the clone holds
  std::vector<std::string> lfs_from_cache;  // pointer files resolved from a blob of the cache
  std::vector<MissingLfsFile> missing;      // pointer files nothing here resolves
  std::vector<std::string> untracked;       // work-tree files not in the commit, not imported
};

// Import the clone at `request.source`. Throws UsageError (nothing written) when it names no hub
// repo and no --as is given, when HEAD has no commit, when tracked files have local changes (the
// message names them and how to go on), or when the tree holds a symlink or submodule.
CloneImportResult import_git_clone(const core::CacheLayout& layout, const CloneImportRequest& request);

}  // namespace hfcache::local_model
