#pragma once
// Import of a local model folder (written by save_pretrained, or a Trainer checkpoint-N folder) as a
// revision of a repo in the cache, so from_pretrained("org/name") loads it offline and the daemon
// serves it: blobs named by their etag (sha256 for LFS-type files, git blob sha1 otherwise, by the
// hub's .gitattributes rules), a stable commit id derived from the content, refs/<revision>,
// snapshot links and trees/<commit>.json.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_layout.hpp"
#include "core/tree_cache.hpp"

namespace hfcache::local_model {

struct LocalImportRequest {
  std::filesystem::path source;  // the folder
  core::RepoRef repo;            // --as org/name
  std::string revision = "main";
  bool dry_run = false;
  bool disable_symlinks = false;    // HF_HUB_DISABLE_SYMLINKS: snapshot files as copies
  bool write_cachedir_tag = true;   // CACHEDIR.TAG at the cache root, as huggingface_hub >= 1.9
};

struct LocalImportResult {
  std::string commit;
  std::filesystem::path snapshot_path;
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::size_t blobs_written = 0;  // new blobs (others were already in the cache)
  bool checkpoint = false;        // the folder is a Trainer checkpoint
  std::vector<std::string> plan;  // with dry_run: what would be done, one line per file
  std::string previous_commit;    // what refs/<revision> held before ("" if nothing)
};

// Import `request.source` into the cache. Reads only below the source folder (links that leave it,
// links to folders, devices, FIFOs and sockets are refused with UsageError before anything is
// written); skips .git/, .cache/huggingface/, __pycache__/ and .DS_Store. A model folder must hold
// config.json, model_index.json, adapter_config.json or a weights file (UsageError otherwise).
// Blobs are written verified (temp file, hash, fsync, rename) under huggingface_hub's lock, then
// snapshot links, trees/<commit>.json, and refs/<revision> last: after a crash the ref still names
// the previous complete import. Throws IntegrityError if a file changes while it is imported.
LocalImportResult import_local_folder(const core::CacheLayout& layout, const LocalImportRequest& request);

// The commit id of an import: sha1 over a versioned, path-sorted listing of path, etag and size.
// The same files give the same id whatever their order or the folder's name; any change gives another.
std::string local_commit_id(std::vector<core::TreeEntry> entries);

// What a Trainer checkpoint holds, for `hfcache show`.
struct CheckpointInfo {
  std::vector<std::string> present, missing;  // of optimizer.pt, scheduler.pt, rng_state.pth, trainer_state.json, training_args.bin, model weights
  std::optional<std::int64_t> global_step;
  std::optional<double> epoch;
  std::optional<double> best_metric;
  std::optional<std::string> best_model_checkpoint;
  std::string trainer_state_error;  // why trainer_state.json could not be read ("" when it was)
};
// The name `missing` uses when no weights file is there.
inline constexpr std::string_view missing_weights = "model weights";
// nullopt when the snapshot folder is no checkpoint (no trainer_state.json and no optimizer.pt).
std::optional<CheckpointInfo> checkpoint_info(const std::filesystem::path& snapshot_dir);

}  // namespace hfcache::local_model
