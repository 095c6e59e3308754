#pragma once
// The first phase of an import: read every member once, refuse anything hostile, and stage file
// contents as temp files inside the target repo's blobs/ (<etag>.<8hex>.incomplete: huggingface_hub
// ignores the pattern, our temp sweep removes stale ones), hashed on the way in (sha256 and git blob
// sha1, on a thread of their own while this one reads and writes). Their writeback starts as they
// are written; they are fsynced together, before the first rename (Staging::make_durable), so that
// no member waits for the disk to take the previous one. Nothing visible changes in this phase: no blob, link, ref or listing is written, and
// Staging removes every temp file and every folder it created unless the import commits.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "archive/import_limits.hpp"
#include "archive/import_source.hpp"
#include "archive/manifest.hpp"
#include "core/cache_layout.hpp"
#include "core/write_lock.hpp"

namespace hfcache::archive {

// Temp files and folders an import created; all removed on destruction unless committed.
class Staging {
 public:
  explicit Staging(const core::CacheLayout& layout) : layout_(layout) {}
  ~Staging();
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;

  // Create blobs/ of `repo` (and the repo folder), remembering what did not exist.
  void ensure_blobs_dir(const core::RepoRef& repo);
  // Sweep the repo folder's leftovers (once), then hold its write lock until the import ends.
  void hold(const core::RepoRef& repo);
  // The write lock hold() took for `repo` (it must have been called).
  const core::RepoWriteLock& lock_of(const core::RepoRef& repo) const { return *held_.at(repo.folder_name()); }
  void track(const std::filesystem::path& file) { files_.insert(file); }
  void forget(const std::filesystem::path& file) { files_.erase(file); }
  void remove(const std::filesystem::path& file);
  // fsync every staged file still tracked: called once before the first one is renamed to its
  // final name. Refuses (cleanly: nothing renamed yet) when the disk fills up meanwhile.
  void make_durable();
  // Keep the folders; remove the temp files still tracked (content that was not needed).
  void commit();

 private:
  void create_dirs(const std::filesystem::path& dir);

  const core::CacheLayout& layout_;
  std::set<std::filesystem::path> files_;
  std::vector<std::filesystem::path> created_dirs_;
  std::vector<std::filesystem::path> created_lock_files_;
  std::map<std::string, std::optional<core::RepoWriteLock>> held_;  // by repo folder
  bool committed_ = false;
};

// One file's bytes, staged (or only hashed, in a dry run).
struct Content {
  std::uint64_t size = 0;
  std::string sha256;
  std::string sha1;                  // git blob sha1; "" when the size was not announced and not staged
  std::filesystem::path staged;      // temp file; empty in a dry run or when the cache has it already
  std::string head;                  // the first bytes (up to 513), to recognise text links
};

struct SnapshotEntry {
  std::string link_etag;  // a link into blobs/<etag>
  std::string sha256;     // or: a file with these bytes (a key of RepoInput::contents)
  bool skipped = false;   // bytes not read: the manifest names a blob the cache already has
};

struct RepoInput {
  core::RepoRef repo;
  std::map<std::string, Content> contents;               // sha256 -> content
  std::map<std::string, std::string> sha1_to_sha256;
  std::set<std::string> blob_members;                    // etags of blobs/<etag> members
  std::map<std::string, std::map<std::string, SnapshotEntry>> snapshots;  // commit -> path -> entry
  std::map<std::string, std::string> refs;               // name -> commit
  std::map<std::string, std::string> trees;              // commit -> listing text
  std::map<std::string, std::string> member_sha256;      // name in repo -> sha256 (hardlink targets)
  std::vector<std::pair<std::string, std::string>> no_exist;  // commit, path of .no_exist markers
};

struct Collected {
  std::optional<Manifest> manifest;
  bool manifest_first = false;
  std::map<std::string, RepoInput> repos;  // by folder name
  std::vector<std::string> warnings;
};

// Read `source` to the end. Throws UsageError (exit 2) for hostile or damaged input and
// IntegrityError (exit 6) for a blobs/<etag> member whose bytes do not match its name.
Collected collect_members(const core::CacheLayout& layout, MemberSource& source, Staging& staging,
                          ExpansionGuard& guard, bool dry_run);

}  // namespace hfcache::archive
