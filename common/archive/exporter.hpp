#pragma once
// hfcache export: repos (all their revisions, or one) from the cache into a portable archive.
// Layout of a tar (docs/interface.md "Portable archive"): hfcache-manifest.json first, then per
// repo, under its folder name: blobs/<etag> (each once), refs/<name> for the refs that point at
// exported revisions, snapshots/<commit>/<path> as relative symlinks, trees/<commit>.json if cached,
// the .no_exist/<commit>/<path> markers.
//
// A zip is the layout huggingface_hub leaves on Windows without symlinks (file_download.py,
// _create_symlink: a new blob is *moved* into the snapshot): the manifest as
// .locks/hfcache-manifest.json (scan_cache_dir skips .locks/), then per repo an empty blobs/,
// snapshots/<commit>/<path> as the files themselves, refs/, trees/ and .no_exist/ as in the tar.
//
// The manifest goes first, so it needs every sha256 before any blob is streamed: LFS blobs are named
// by theirs, and the others (git-stored files: configs, tokenizers, code, small by the hub's rules)
// are hashed in a first pass. That pass reads only non-LFS blobs, so the extra I/O is small.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive_writer.hpp"
#include "archive/manifest.hpp"
#include "archive/windows_paths.hpp"
#include "archive/zip_writer.hpp"
#include "core/cache_layout.hpp"

namespace hfcache::archive {

struct ExportSelection {
  core::RepoRef repo;
  std::optional<std::string> revision;  // a ref name or commit; nullopt: every revision
};

struct ExportBlob {
  std::string member;            // name in the archive
  std::filesystem::path source;  // file to stream
  std::uint64_t size = 0;
};

// The members of one repo, in archive order.
struct ExportRepoMembers {
  std::vector<ExportBlob> blobs;
  std::vector<std::pair<std::string, std::string>> refs;   // name, commit
  std::vector<std::pair<std::string, std::string>> links;  // name, target
  std::vector<std::pair<std::string, std::string>> trees;  // name, content
  std::vector<ExportBlob> files;       // the snapshot entries with their bytes (parallel to links), for a zip
  std::vector<std::string> no_exist;   // names of the empty .no_exist markers
  std::string blobs_dir;               // "<folder>/blobs/"
};

struct ExportPlan {
  Manifest manifest;
  std::vector<ExportRepoMembers> repos;  // parallel to manifest.repos
  std::vector<std::string> warnings;     // entries left out (broken links, ...)
  std::uint64_t blob_bytes = 0;
  std::size_t blob_count = 0;
  std::size_t file_count = 0;
};

// What export writes: a pax tar (compressed or not) or a zip in Windows layout.
struct ArchiveFormat {
  bool zip = false;
  Compression compression = Compression::none;  // of a tar
};
// From the output name: .zip, else as compression_for. Throws UsageError for anything else.
ArchiveFormat archive_format_for(const std::filesystem::path& file);

// Where the manifest goes in a zip: not at its root, where scan_cache_dir would report a stray file.
inline constexpr std::string_view zip_manifest_member = ".locks/hfcache-manifest.json";

// Throws NotFoundError (exit 3) for a repo or revision the cache does not hold, IntegrityError
// (exit 6) for a git-stored blob whose bytes do not match its name.
ExportPlan plan_export(const core::CacheLayout& layout, const std::vector<ExportSelection>& selections,
                       const std::string& tool);

// Every member of a zip of `plan` that Windows could not hold, and why (a zip export refuses them
// unless forced).
std::vector<WindowsPathProblem> windows_problems(const ExportPlan& plan);

// Stream the archive into `sink` (manifest, then each repo's members in the order above). `patch`,
// for a seekable output, lets a zip be written with one read of each file.
void write_export(const ExportPlan& plan, const Sink& sink, ArchiveFormat format, const Patch& patch = {});
inline void write_export(const ExportPlan& plan, const Sink& sink, Compression compression) {
  write_export(plan, sink, ArchiveFormat{false, compression});
}

// Write to `output` through a temp file beside it, renamed into place only when complete.
// Throws Error(failure) when the output cannot be written.
std::uint64_t write_export_file(const ExportPlan& plan, const std::filesystem::path& output);

}  // namespace hfcache::archive
