#pragma once
// What one snapshot entry (snapshots/<commit>/<path>) is, seen the way huggingface_hub reads it
// offline: os.path.exists / open follow the link, so a link that resolves to the right bytes loads and
// anything else does not. Reads metadata (lstat, stat, readlink) and at most a small file's content;
// never hashes a blob (that is `hfcache verify`).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/cache_layout.hpp"

namespace hfcache::doctor {

enum class EntryKind {
  link,           // a link inside the repo folder to a blob of the expected size
  copy,           // a regular file of the expected size (no-symlink mode, or a dereferenced copy)
  missing,        // nothing there
  partial,        // nothing there, but blobs/<etag>[.<hex>].incomplete holds part of it
  blob_unlinked,  // nothing there, but the complete blob is in blobs/
  shortcut,       // <name>.lnk (a Windows shortcut) instead of the file
  broken_link,    // a link that does not resolve
  outside_link,   // a link that leaves the repo folder (it may still resolve)
  text_link,      // a small text file holding a link target (git core.symlinks=false)
  placeholder,    // a 0-byte file where content belongs
  wrong_size,     // resolves to a file whose size differs from the listing (truncated or wrong blob)
  unreadable,     // exists but cannot be opened (permissions)
  not_a_file,     // a folder or special file
  lfs_pointer,    // a Git LFS pointer file where the content belongs (a clone made without git-lfs)
};
std::string_view to_string(EntryKind kind);

// What trees/<commit>.json says the entry should be.
struct ExpectedFile {
  std::string etag;
  std::uint64_t size = 0;
};

struct EntryState {
  EntryKind kind = EntryKind::missing;
  bool loads = false;          // opening the path gives the expected bytes (as far as sizes tell)
  std::uint64_t size = 0;      // bytes found: the file, or the partial download
  std::string target;          // the link target, or the target a text link / shortcut names
  std::string blob;            // the etag the entry names or should name ("" when unknown)
  bool blob_present = false;   // blobs/<blob> is a complete file (so repair can relink without a download)
  std::string resolved;        // the file that opening the entry reaches ("" when none)
  std::string lfs_sha256;      // lfs_pointer: the real file's sha256 and size, as the pointer says
  std::uint64_t lfs_size = 0;
};

// Inspect snapshots/<commit>/<path>. `expected` comes from the listing; without one, sizes are not
// checked and a 0-byte regular file counts as a placeholder.
EntryState inspect_entry(const core::CacheLayout& layout, const core::RepoRef& repo, std::string_view commit,
                         std::string_view path, const std::optional<ExpectedFile>& expected);

}  // namespace hfcache::doctor
