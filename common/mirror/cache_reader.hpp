#pragma once
// What the cache folder alone says about a repo, for answers without the upstream: the commit of a
// revision, a commit's listing rebuilt from its snapshot folder, the refs, and snapshot files
// opened for serving only after checking they resolve inside the repo folder (or the shared blob
// store of newer huggingface_hub, docs/cache-layout.md "Shared blob store"). Never writes.
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"
#include "core/tree_cache.hpp"
#include "util/fs.hpp"

namespace hfcache::mirror {

class RepoListing;

// The commit `revision` names in the cache: a 40-hex commit with a snapshot folder or a cached
// listing, else the content of refs/<revision>. nullopt when the cache does not know it.
std::optional<std::string> cached_commit(const core::CacheLayout& layout, const core::RepoRef& repo,
                                         const std::string& revision);

// Every refs/ name (nested ones such as refs/pr/1 too) with its commit.
std::map<std::string, std::string> cached_refs(const core::CacheLayout& layout, const core::RepoRef& repo);

// The listing of snapshots/<commit>/ as far as the cache holds it: etags from the link targets,
// sizes from the blobs, LFS pointer ids computed. Copies (no-symlink caches) are hashed.
std::vector<core::TreeEntry> listing_from_snapshot(const core::CacheLayout& layout, const core::RepoRef& repo,
                                                   const std::string& commit);

// When the revision was last written here (snapshot folder, else the listing), for lastModified.
std::time_t revision_time(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& commit);

struct OpenedFile {
  util::UniqueFd fd;
  std::uint64_t size = 0;
  std::string etag;
};

// snapshots/<commit>/<path> opened read-only; nullopt when the cache does not hold it. The etag
// comes from the link target, else from `listing`, else from hashing the file (unless `may_hash` is
// false: then nullopt). Throws MirrorError (403) when the entry resolves outside the repo folder:
// such a file is never served.
std::optional<OpenedFile> open_snapshot_file(const core::CacheLayout& layout, const core::RepoRef& repo,
                                             const std::string& commit, const std::string& path,
                                             const RepoListing* listing, bool may_hash = true);

// blobs/<etag> opened read-only (after the same containment check); nullopt when absent.
std::optional<OpenedFile> open_blob(const core::CacheLayout& layout, const core::RepoRef& repo,
                                    const std::string& etag);

}  // namespace hfcache::mirror
