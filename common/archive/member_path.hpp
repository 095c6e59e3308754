#pragma once
// Names inside an archive or copied folder, checked before anything is decided from them. An import
// never uses a member name as a file-system path: it maps each name to (repo, place in the repo)
// and writes only to paths CacheLayout computes, so these checks are what stands between a hostile
// archive and the disk.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/repo_id.hpp"

namespace hfcache::archive {

// Throw UsageError (exit 2) for input that is malformed or hostile; nothing has been imported.
[[noreturn]] void refuse(const std::string& what);
// Throw an Error of exit 1 for an import the cache's file system has no room for (ENOSPC, EDQUOT
// or the free-space checks): a disk problem, not bad input; nothing has been imported.
[[noreturn]] void refuse_for_space(const std::string& what);

// '\' -> '/', leading "./" and trailing '/' dropped, empty parts collapsed. Refuses absolute names,
// drive letters (C:), UNC names, ".." parts, NUL and control characters.
std::string normalize_member_name(std::string_view raw);

struct MemberPlace {
  core::RepoRef repo;
  std::string in_repo;  // e.g. "blobs/<etag>", "snapshots/<commit>/a/b.txt", "" for the folder itself
};

// The repo folder a normalized name lies in: the first part named like one (models--org--name, ...)
// with anything before it (hub/, a user's folder) dropped. nullopt for names outside any repo folder
// (the manifest, CACHEDIR.TAG, .locks/...).
std::optional<MemberPlace> locate_member(std::string_view normalized);

// Where a snapshot link leads. `link_in_repo` is "snapshots/<commit>/<path>", `target` the link text
// as stored (backslashes allowed). Returns the etag for a link into blobs/<etag>; nullopt for a link
// that stays in the repo folder but does not name a blob. Refuses absolute targets and targets that
// leave the repo folder. With `repo_folder` (models--org--name), an absolute target that ends in
// <repo_folder>/blobs/<etag> (C:\...\hub\models--org--name\blobs\<etag>, UNC, /mnt/c/..., another
// machine's cache) is the copied-from-Windows damage of docs/cache-damage.md: it names that blob (it is
// never followed). Any other absolute target is refused.
std::optional<std::string> link_target_blob(std::string_view link_in_repo, std::string_view target,
                                            std::string_view repo_folder = {});

// A small file holding a link's text (git checkouts with core.symlinks=false, some copy tools):
// "../../blobs/<etag>" with '/' or '\', surrounding whitespace allowed. nullopt if it is not one.
std::optional<std::string> text_link_target(std::string_view content);

}  // namespace hfcache::archive

namespace hfcache::archive {

// The etag the hub most likely gave a file known only by its bytes (a dereferenced copy with no
// listing to ask): sha256 for what the hub's default .gitattributes stores in LFS (weights,
// archives, arrays, by extension) or anything of 10 MiB or more, else the git blob sha1. A wrong
// guess costs a re-download when online, never a wrong file: the snapshot link still resolves.
std::string guess_etag(std::string_view path, std::uint64_t size, const std::string& sha256, const std::string& git_sha1);

}  // namespace hfcache::archive
