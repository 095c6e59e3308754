#pragma once
// Reading what a damaged snapshot entry says about its blob, from text alone (no I/O): the content of
// a text "fake link" (git core.symlinks=false), and the target of a symlink written on another machine
// (backslashes, C:\..., UNC, /mnt/c/..., /cygdrive/c/..., a foreign absolute path). Pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::core {

// A text link is at most this long: a 64-hex etag behind a few dozen "../" and a trailing newline.
inline constexpr std::uint64_t max_text_link_bytes = 512;

// The etag a text link names: the whole content must match ^(\.\.[\\/])+blobs[\\/]<40|64 hex>\s*$.
std::optional<std::string> parse_text_link(std::string_view content);

// What a symlink target says, read as text.
struct TargetInfo {
  enum class Kind {
    canonical,  // exactly snapshot_link_target(path, etag)
    in_repo,    // relative, resolves to blobs/<etag> of this repo, but not spelt canonically
    windows,    // backslashes, drive letter, UNC, /mnt/<drive>/, /cygdrive/<drive>/
    foreign,    // an absolute POSIX path of another machine's cache, ending in blobs/<etag>
    outside,    // any other absolute path, or relative and leaving the repo folder or landing elsewhere than blobs/<etag>
  };
  Kind kind = Kind::outside;
  std::optional<std::string> etag;  // the blob it names (last two parts "blobs/<etag>"), if any
};

// Analyse the target of snapshots/<commit>/<path_in_repo>. Never touches the disk.
TargetInfo analyse_link_target(std::string_view target, std::string_view path_in_repo);

// The blob name in any path that ends in blobs/<etag> (either separator); nullopt otherwise.
std::optional<std::string> blob_name_of(std::string_view target);

}  // namespace hfcache::core
