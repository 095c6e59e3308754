#pragma once
// Repair of copied caches (docs/cache-damage.md): recognise every broken form of a snapshot entry
// and of refs, fix it so each snapshot file is a correct relative link into blobs/ again, never lose
// bytes, never link outside the repo folder, idempotent. Used by `hfcache repair` and by import.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::hub {
class HubClient;
}

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
};

struct RepoReport {
  core::RepoRef repo;
  std::vector<EntryReport> entries;  // every entry that was not already ok
  std::size_t entries_ok = 0;        // entries found correct
  std::uint64_t bytes_freed = 0;
  bool complete = true;              // every entry is (or would be) correct
  std::string finish_command;        // when not complete: the command that would finish the job
};

struct RepairOptions {
  bool dry_run = false;
  std::optional<bool> symlinks;   // nullopt: probe the file system; false: copies (huggingface_hub's Windows mode)
  const FileCatalog* extra_catalog = nullptr;  // e.g. from an export manifest
  hub::HubClient* hub = nullptr;  // with --endpoint: ask upstream's listing for placeholders
};

struct RepairReport {
  std::vector<RepoReport> repos;
  std::uint64_t bytes_freed = 0;
  bool changed = false;  // false: nothing to do (a second run says so)
  bool symlinks = true;
};

RepairReport repair_repo(const core::CacheLayout& layout, const core::RepoRef& repo, const RepairOptions& options);
RepairReport repair_cache(const core::CacheLayout& layout, const RepairOptions& options);

}  // namespace hfcache::repair
