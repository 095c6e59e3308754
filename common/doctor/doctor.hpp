#pragma once
// `hfcache doctor`: would from_pretrained(REPO, revision=REV) (and hf_hub_download / snapshot_download)
// load offline (HF_HUB_OFFLINE=1) from this cache, and if not, exactly why and which command fixes it.
// Follows huggingface_hub's offline resolution (docs/cache-layout.md "Reading the cache offline"): revision -> commit via
// refs/<revision> read verbatim, then snapshots/<commit>/<path> opened through its link; trees/<commit>.json
// says which files the revision has (and their sizes), .no_exist/ which the hub said it lacks.
// Read-only and offline: nothing is written, nothing is hashed (`hfcache verify` hashes).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_layout.hpp"
#include "doctor/diagnosis.hpp"

namespace hfcache::doctor {

struct DoctorOptions {
  std::optional<std::string> file;  // --file: judge hf_hub_download of this one file
  bool copies_expected = false;     // HF_HUB_DISABLE_SYMLINKS: copies are how files should be, not worth a note
  bool token_available = true;      // a hub token is set: gated/private repos can be pulled
  std::string command_suffix;       // appended to every hfcache command in a fix, e.g. " --cache-dir /data/hub"
};

// Diagnose one revision (a branch, tag, refs/pr/N or 40-hex commit). Throws UsageError for a --file
// that is not a plain relative path; every other problem is a finding.
Diagnosis diagnose(const core::CacheLayout& layout, const core::RepoRef& repo, std::string_view revision,
                   const DoctorOptions& options);

// One diagnosis of the main ref of every repo folder in the cache, sorted by type then id.
std::vector<Diagnosis> diagnose_cache(const core::CacheLayout& layout, const DoctorOptions& options);

}  // namespace hfcache::doctor
