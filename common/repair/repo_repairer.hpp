#pragma once
// The repair of one repo folder (repair.hpp has the contract). Internal to common/repair.
//
// Two passes over snapshots/ so each file is handled on its own terms whatever the mix:
//  1. copies (dereferenced files, huggingface_hub's no-symlink mode): hashed, stored in blobs/ under
//     their etag (etag_rules.hpp) unless that blob is already there and matches, then replaced by a link;
//  2. everything else (text links, foreign and Windows links, shortcuts, placeholders, broken and outside
//     links): relinked to a blob that is present and matches its name, which pass 1 may just have filled.
// In copy mode (no symlinks) pass 1 keeps the copies and pass 2 writes copies instead of links.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "repair/etag_rules.hpp"
#include "repair/repair.hpp"

namespace hfcache::repair {

class RepoRepairer {
 public:
  RepoRepairer(const core::CacheLayout& layout, core::RepoRef repo, const RepairOptions& options, bool symlinks);
  RepoReport run();
  bool changed() const { return changed_; }  // the run changed the disk (dry run: would have)

 private:
  struct Item {
    std::string commit;
    std::string path;  // in repo; for a shortcut, the name without ".lnk"
    std::filesystem::path abs;  // the entry on disk (the .lnk itself for a shortcut)
    Form form = Form::unknown;
    std::optional<std::string> etag;  // the blob it names or should name
    std::optional<ContentHashes> content;  // copies, once hashed
    std::uint64_t size = 0;
    std::string found;  // details for the report: the link target, the shortcut's path
    bool name_taken = false;  // shortcut: <name> exists beside <name>.lnk
    std::string lfs_sha256;   // lfs_pointer: the real file's sha256, as the pointer names it
  };
  enum class BlobState { absent, valid, corrupt };

  void repair_refs();
  // What killed runs and file managers left (core/temp_sweep.hpp) that is still there: reported, and
  // never taken for a damaged entry.
  void report_leftovers();
  bool is_leftover(const std::filesystem::path& p) const { return leftover_paths_.contains(p); }
  void scan();
  std::optional<std::filesystem::path> split_windows_name(const std::filesystem::path& abs, const std::filesystem::path& commit_dir,
                                                          std::string& path);
  void classify(const std::filesystem::path& abs, const std::string& commit, const std::string& path);
  void hash_copies();
  void handle_copy(Item& item);
  void handle_other(Item& item);
  void handle_copy_mode(Item& item);
  void handle_corrupt_link(Item& item);

  std::optional<std::string> listed_etag(const std::string& commit, const std::string& path, bool ask_upstream);
  void load_listing(const std::string& commit, bool ask_upstream);
  BlobState blob_state(const std::string& etag);
  bool blob_on_disk(const std::string& etag) const;
  void set_aside_corrupt(const std::string& etag);
  // Make the entry a link (or, in copy mode, a copy) of blobs/<etag>.
  void link_entry(const Item& item, const std::string& etag);
  // Turn an entry that holds no bytes into a link to the missing blob, so that pull restores it.
  void dangle(Item& item, const std::string& etag, EntryReport& rep, const std::string& why);
  std::string pull_command(const std::string& commit) const;
  std::string rel(const std::filesystem::path& p) const;
  void add(EntryReport rep);

  const core::CacheLayout& layout_;
  core::RepoRef repo_;
  const RepairOptions& options_;
  bool symlinks_;
  std::filesystem::path dir_;
  RepoReport report_;
  bool changed_ = false;
  std::vector<Item> items_;
  std::map<std::string, std::map<std::string, KnownFile>> listing_;  // commit -> path -> file
  std::set<std::string> listing_loaded_, upstream_asked_;
  std::set<std::string> known_etags_;
  std::map<std::string, BlobState> blob_states_;
  std::map<std::string, ContentHashes> corrupt_content_;
  std::set<std::string> planned_blobs_;    // stored by this run (or, dry run, would be)
  std::set<std::string> initial_blobs_;    // present before the run
  std::set<std::filesystem::path> leftover_paths_;
  std::map<std::string, const Item*> copy_by_hash_;  // content hash -> a copy holding those bytes
  bool copies_hashed_ = false;
  std::string upstream_error_;
};

}  // namespace hfcache::repair
