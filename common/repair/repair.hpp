#pragma once
// Repair of copied caches (docs/cache-damage.md): recognise every broken form of a snapshot entry
// and of refs, fix it so each snapshot file is a correct relative link into blobs/ again, never lose
// bytes, never link outside the repo folder, idempotent. Used by `hfcache repair` and by import.
//
// Decisions beyond the spec (each reported per entry):
//  - the etag of a copy whose listing is unknown follows etag_rules.hpp (listing, known blob, then the
//    hub's LFS rules: sha256 for LFS-looking files, git sha1 otherwise);
//  - bytes that match no name they should have (a corrupt blob, a copy contradicting its listing) are
//    kept as a blob under their own hash, which huggingface_hub ignores, and never linked;
//  - an entry holding no bytes (placeholder, text link, shortcut, foreign link) whose blob is known but
//    absent becomes a correct link to that missing blob, so `hfcache pull` (which skips present files)
//    and huggingface_hub download into it; an entry whose blob is unknown is left as it is;
//  - stale temp files of interrupted writes (core/temp_sweep.hpp, older than a day) are swept first.
// Crash safety: every change is a rename over the old name (links, refs) or a hard link / verified
// copy into blobs/ before the copy's name is replaced; after an interruption a rerun finishes the job.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::repair {

// What a snapshot entry (or ref) was found to be.
enum class Form {
  ok,                 // a correct relative link to a present, matching blob
  dereferenced,       // a full regular-file copy of a blob
  text_link,          // a small text file holding the link target (git core.symlinks=false)
  windows_link,       // a symlink with backslashes, or to C:\..., UNC, /mnt/c/..., /cygdrive/c/...
  foreign_link,       // a symlink to an absolute path of another machine or cache
  shell_shortcut,     // <name>.lnk (MS-SHLLINK) and no <name>
  empty_placeholder,  // a 0-byte file where a link should be
  broken_link,        // a link whose blob is missing
  outside_link,       // a link that leaves the repo folder
  corrupt,            // content matching no hash it should have
  crlf_ref,           // refs/<name> with whitespace or CRLF
  lfs_pointer,        // a Git LFS pointer file where the content belongs (a clone made without git-lfs)
  windows_name,       // one file named "onnx\model.onnx": a Windows path kept whole (Python zipfile on Linux)
  unknown,
};
std::string_view to_string(Form form);

// Where the etag of a snapshot file can be learnt when its bytes are gone (empty placeholders).
struct KnownFile {
  std::string etag;
  std::uint64_t size = 0;
};
// commit -> path -> file; filled from trees/<commit>.json, an export manifest, or upstream's listing.
using FileCatalog = std::map<std::string, std::map<std::string, KnownFile>>;

struct EntryReport {
  std::string path;  // relative to the repo folder: snapshots/<commit>/<path>, refs/<name>
  Form found = Form::ok;
  std::string action;          // what was (or, with dry_run, would be) done, in plain words
  bool fixed = false;          // now correct (or would be)
  std::uint64_t bytes_freed = 0;
  std::string finish;          // when not fixed: the command that would finish the job ("" if none)
};

// Something a killed command or another tool left in the repo folder (core/temp_sweep.hpp): not
// damage, but not part of the cache either.
struct LeftoverReport {
  std::string path;   // relative to the repo folder ("." for the folder itself)
  std::string kind;   // core::to_string(LeftoverKind): own_temp, deleting_folder, hub_temp, ...
  std::string clear;  // the command that removes it
};

struct RepoReport {
  core::RepoRef repo;
  std::vector<EntryReport> entries;  // every entry that was not already ok
  std::vector<LeftoverReport> leftovers;  // still there after the run
  std::size_t entries_ok = 0;        // entries found correct
  std::uint64_t bytes_freed = 0;
  bool complete = true;              // every entry is (or would be) correct
  std::string finish_command;        // when not complete: the command that would finish the job
};

// The files of one commit as an upstream lists them (path -> etag and size); handed in by the caller
// (built from the hub client for --endpoint), so repair itself never talks to a network. May throw:
// the error is reported in the repo's finish command, and the repair goes on without the listing.
using ListCommitFiles = std::function<std::map<std::string, KnownFile>(const core::RepoRef& repo, const std::string& commit)>;

struct RepairOptions {
  bool dry_run = false;
  std::optional<bool> symlinks;   // nullopt: probe the file system; false: copies (huggingface_hub's Windows mode)
  const FileCatalog* extra_catalog = nullptr;  // e.g. from an export manifest
  ListCommitFiles list_upstream;  // with --endpoint: ask upstream's listing for placeholders (empty: never)
  // Also hash every blob a correct-looking link points at (verify, `repair --verify`). Without it only
  // the blobs a repair is about to link to, and copies, are hashed: a second run reads no file content.
  bool verify_blobs = false;
};

struct RepairReport {
  std::vector<RepoReport> repos;
  std::uint64_t bytes_freed = 0;
  bool changed = false;  // false: nothing to do (a second run says so)
  bool symlinks = true;
  // Every repo is (or would be) correct. False: damage remains, named in its RepoReport.
  bool complete() const;
};

// Repair one repo folder (it need not exist: an empty report). Throws std::system_error on I/O errors
// that stop the run; an entry that cannot be fixed is reported, not thrown.
RepairReport repair_repo(const core::CacheLayout& layout, const core::RepoRef& repo, const RepairOptions& options);
RepairReport repair_cache(const core::CacheLayout& layout, const RepairOptions& options);

}  // namespace hfcache::repair
