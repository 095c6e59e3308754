#pragma once
// Which blob name a snapshot file's bytes get (docs/cache-damage.md "Knowing a blob's name"). Pure.
//
// The hub names a blob by the sha256 of its content when the file is stored in LFS, by its git blob
// sha1 otherwise. For a copy found in a snapshot, in this order:
//  1. the listing of its commit (trees/<commit>.json, an export manifest, upstream) knows the path: its etag,
//     provided one of the content's two hashes equals it; if neither does, the bytes are not what the
//     commit holds (nullopt: the caller keeps them aside and relinks to the listed etag);
//  2. one of the content's hashes is an etag the repo already knows (any listing, or a blob present and
//     matching its name): that one, so identical content shares one blob;
//  3. no listing: sha256 when the hub would store the file in LFS (>= 10 MiB, or a suffix its default
//     .gitattributes sends to LFS: .bin .safetensors .onnx ...), else the git blob sha1. A guess that
//     is wrong only costs a duplicate blob later: the bytes stay reachable and verified either way.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/lfs_rules.hpp"

namespace hfcache::repair {

using core::lfs_size_threshold;

struct ContentHashes {
  std::string sha256;
  std::string git_sha1;
  std::uint64_t size = 0;
};

enum class EtagSource { listing, known_blob, lfs_rule, git_rule };
std::string_view to_string(EtagSource source);

struct EtagChoice {
  std::string etag;
  EtagSource source = EtagSource::git_rule;
};

// Apply the rules above. `listed` is the listing's etag for this path, if any; `known` says whether an
// etag is known to the repo. nullopt: the content contradicts the listing.
std::optional<EtagChoice> choose_etag(const ContentHashes& content, std::string_view path_in_repo,
                                      const std::optional<std::string>& listed,
                                      const std::function<bool(const std::string&)>& known);

// True if `etag` names `content` (sha256 for 64 hex, git blob sha1 for 40 hex).
inline bool names_content(std::string_view etag, const ContentHashes& content) {
  return etag == content.sha256 || etag == content.git_sha1;
}

}  // namespace hfcache::repair
