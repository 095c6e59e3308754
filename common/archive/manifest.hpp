#pragma once
// hfcache-manifest.json: what a portable archive holds, and the source of truth an importer
// rebuilds every snapshot link from (docs/interface.md "Portable archive").
//
// Format (format_version 1), UTF-8 JSON:
//   {
//     "format": "hfcache-archive",
//     "format_version": 1,
//     "tool": "hfcache 0.1.0",
//     "created": "2025-01-31T12:00:00Z",
//     "repos": [
//       {"type": "model", "id": "hfl/rbt3", "folder": "models--hfl--rbt3",
//        "refs": {"main": "<40-hex commit>", "v1.0": "<commit>"},
//        "revisions": {
//          "<40-hex commit>": {"files": [
//            {"path": "config.json", "blob": "<etag>", "size": 571, "sha256": "<64 hex>",
//             "blob_id": "<40-hex git oid, optional: from trees/<commit>.json>"}]}}}]}
//
// "blob" is the name in blobs/ (sha256 for LFS files, git blob sha1 otherwise); "sha256" is always
// the sha256 of the content (equal to "blob" for LFS files), so a copy can be checked whatever its
// etag. Every ref points at a listed revision. Readers refuse a higher format_version.
//
// Member order in an archive written by hfcache: the manifest first, then per repo its blobs, refs,
// snapshot links and trees/ listings. The importer reads the whole archive before it links anything,
// so it accepts the manifest anywhere (tools that re-pack archives reorder members); when the
// manifest comes first it can skip, unwritten, the blobs the cache already has.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/repo_id.hpp"

namespace hfcache::archive {

inline constexpr std::string_view manifest_name = "hfcache-manifest.json";
inline constexpr int manifest_format_version = 1;
// A manifest is read into memory: refuse anything larger (a million files fit in far less).
inline constexpr std::uint64_t max_manifest_size = 256ull << 20;

struct ManifestFile {
  std::string path;     // in repo, '/'-separated
  std::string blob;     // etag: the name in blobs/
  std::uint64_t size = 0;
  std::string sha256;   // of the content
  std::optional<std::string> blob_id;  // git oid from the tree listing, when known
};

struct ManifestRepo {
  core::RepoRef repo;
  std::map<std::string, std::string> refs;                      // name -> commit
  std::map<std::string, std::vector<ManifestFile>> revisions;   // commit -> files, sorted by path
};

struct Manifest {
  int format_version = manifest_format_version;
  std::string tool;
  std::string created;  // ISO 8601 UTC
  std::vector<ManifestRepo> repos;

  const ManifestRepo* find(const core::RepoRef& repo) const;
};

std::string render_manifest(const Manifest& manifest);

// Parse and validate: repo ids, types, commits, ref names, paths (no "..", no absolute, no
// backslash), etags, sizes and sha256 fields. Throws UsageError (exit 2) naming what is wrong.
Manifest parse_manifest(std::string_view text);

// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_now_iso8601();

}  // namespace hfcache::archive
