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
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::local_model {

struct LocalImportRequest {
  std::filesystem::path source;  // the folder
  core::RepoRef repo;            // --as org/name
  std::string revision = "main";
  bool dry_run = false;
};

struct LocalImportResult {
  std::string commit;
  std::filesystem::path snapshot_path;
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::size_t blobs_written = 0;  // new blobs (others were already in the cache)
  bool checkpoint = false;        // the folder is a Trainer checkpoint
  std::vector<std::string> plan;  // with dry_run: what would be done, one line per file
};

LocalImportResult import_local_folder(const core::CacheLayout& layout, const LocalImportRequest& request);

// What a Trainer checkpoint holds, for `hfcache show`.
struct CheckpointInfo {
  std::vector<std::string> present, missing;  // of optimizer.pt, scheduler.pt, rng_state.pth, trainer_state.json, training_args.bin, model weights
  std::optional<std::int64_t> global_step;
  std::optional<double> epoch;
  std::optional<double> best_metric;
  std::optional<std::string> best_model_checkpoint;
};
// nullopt when the snapshot folder is no checkpoint (no trainer_state.json and no optimizer.pt).
std::optional<CheckpointInfo> checkpoint_info(const std::filesystem::path& snapshot_dir);

}  // namespace hfcache::local_model
