// import_local_folder: a local model folder becomes a revision of a repo in the cache.
#include "local_model/local_import.hpp"


#include <algorithm>
#include <map>
#include <set>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/snapshot.hpp"
#include "core/lfs_pointer.hpp"
#include "core/lfs_rules.hpp"
#include "local_model/blob_copy.hpp"
#include "local_model/repo_folder.hpp"
#include "local_model/model_files.hpp"
#include "local_model/source_folder.hpp"
#include "util/hash.hpp"

namespace hfcache::local_model {
namespace {

namespace fs = std::filesystem;

// Bumped if the listing the commit id is computed from ever changes, so old and new ids never mix.
constexpr std::string_view commit_id_domain = "hfcache local import v1\n";

// The tree entry the hub would list for this file: the LFS rule decides which hash is the etag,
// and only that one is computed.
core::TreeEntry describe(const SourceFolder& source, const std::string& path) {
  auto fd = source.open(path);
  auto size = fd_size(fd.get(), path);
  core::TreeEntry entry{path, size, {}, {}};
  bool lfs = core::stored_in_lfs(path, size);
  auto digest = hash_fd(fd.get(), path, size, !lfs);
  if (lfs) {
    entry.blob_id = core::lfs_pointer_blob_id(digest, size);
    entry.lfs_sha256 = digest;
  } else {
    entry.blob_id = digest;
  }
  return entry;
}

// Copy `entry` into blobs/<etag>, verified, under the blob's lock. False when another process stored it meanwhile.
bool store_blob(const core::CacheLayout& layout, const core::RepoRef& repo, const SourceFolder& source,
                const core::TreeEntry& entry) {
  auto fd = source.open(entry.path);
  return store_fd_as_blob(layout, repo, fd.get(), entry.path, entry.etag(), entry.size);
}

void check_request(const LocalImportRequest& request) {
  if (!core::is_valid_repo_id(request.repo.id))
    throw UsageError("invalid repo id '" + request.repo.id + "'", "give it as org/name, such as myorg/my-model");
  core::validate_revision(request.revision);
  if (core::is_commit_hash(request.revision) || request.revision.starts_with("refs/pr/"))
    throw UsageError("cannot import as revision '" + request.revision + "'",
                     "give a branch or tag name such as main; the commit id is derived from the files");
}

// A model folder must say it is one; datasets and spaces need only some file.
void check_content(const LocalImportRequest& request, const std::vector<core::TreeEntry>& entries) {
  auto where = "'" + request.source.string() + "'";
  if (entries.empty())
    throw UsageError("the folder to import " + where + " holds no files", "give the folder save_pretrained wrote");
  if (request.repo.type != core::RepoType::model) return;
  bool model = std::any_of(entries.begin(), entries.end(), [](const core::TreeEntry& e) {
    return is_model_config(e.path) || is_weights_file(e.path);
  });
  if (!model)
    throw UsageError(where + " holds no config.json (nor model_index.json or adapter_config.json) and no model weights",
                     "import the folder save_pretrained or the Trainer wrote, or use --type dataset for data");
}

// A Git LFS pointer is never stored as the file it stands for: the folder is refused, naming each
// pointer and how to get the real file.
void refuse_lfs_pointers(const LocalImportRequest& request, const std::vector<core::TreeEntry>& entries) {
  std::string listed;
  std::size_t count = 0;
  for (const auto& e : entries) {
    if (e.size > core::lfs_pointer_max_size) continue;
    auto pointer = core::read_lfs_pointer_file(request.source / e.path);
    if (!pointer) continue;
    ++count;
    listed += "\n  " + e.path + " (" + std::to_string(pointer->size) + " bytes, sha256 " + pointer->sha256 + ")";
  }
  if (count == 0) return;
  throw NotFoundError(std::to_string(count) + " file(s) in '" + request.source.string() +
                          "' are Git LFS pointer files, not the files themselves (the folder comes from a git clone "
                          "made without git-lfs); nothing was imported:" + listed,
                      "run `git lfs pull` in the clone the folder comes from and import it again, or `hfcache pull` "
                      "the hub repo it is a clone of");
}

std::string plan_line(const core::TreeEntry& e, bool is_new) {
  return std::string(is_new ? "store " : "reuse ") + e.path + " (" + std::to_string(e.size) + " bytes, " +
         (e.lfs_sha256 ? "LFS " : "") + "blob " + e.etag() + ")";
}

}  // namespace

std::string local_commit_id(std::vector<core::TreeEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const core::TreeEntry& a, const core::TreeEntry& b) { return a.path < b.path; });
  util::Hasher hasher(util::HashKind::sha1);
  hasher.update(commit_id_domain);
  for (const auto& e : entries) {
    // Paths hold no NUL or newline (validate_repo_path), so this listing is unambiguous.
    hasher.update(e.path + '\0' + e.etag() + '\0' + std::to_string(e.size) + '\n');
  }
  return hasher.hex_digest();
}

LocalImportResult import_local_folder(const core::CacheLayout& layout, const LocalImportRequest& request) {
  check_request(request);
  SourceFolder source(request.source, layout.root());
  std::vector<core::TreeEntry> entries;
  for (const auto& file : source.list()) entries.push_back(describe(source, file.path));
  check_content(request, entries);
  refuse_lfs_pointers(request, entries);

  LocalImportResult result;
  result.commit = local_commit_id(entries);
  result.snapshot_path = layout.snapshot_dir(request.repo, result.commit);
  result.previous_commit = core::read_ref(layout, request.repo, request.revision).value_or("");
  result.files = entries.size();
  for (const auto& e : entries) {
    result.bytes += e.size;
    if (e.path == "trainer_state.json" || e.path == "optimizer.pt") result.checkpoint = true;
  }

  // Identical content at several paths is one blob.
  std::map<std::string, std::vector<const core::TreeEntry*>> paths_by_etag;
  for (const auto& e : entries) paths_by_etag[e.etag()].push_back(&e);

  if (request.dry_run) {
    std::set<std::string> planned;  // etags already counted: a second path with that content reuses it
    for (const auto& e : entries) {
      bool is_new = planned.insert(e.etag()).second && !core::blob_present(layout, request.repo, e.etag(), e.size);
      if (is_new) ++result.blobs_written;
      result.plan.push_back(plan_line(e, is_new));
    }
    return result;
  }

  bool symlinks = prepare_repo_folder(layout, request.repo, request.write_cachedir_tag, request.disable_symlinks);

  for (const auto& [etag, group] : paths_by_etag) {
    std::vector<const core::TreeEntry*> to_link;
    for (const auto* e : group) {
      // Without links a present file is a complete copy of the same content (same commit, same path).
      if (symlinks || !core::snapshot_file_present(layout, request.repo, result.commit, e->path)) to_link.push_back(e);
    }
    bool blob_is_new = false;
    if (!to_link.empty() && !core::blob_present(layout, request.repo, etag, group.front()->size)) {
      blob_is_new = store_blob(layout, request.repo, source, *group.front());
      if (blob_is_new) ++result.blobs_written;
    }
    // Without links every path but the last gets a copy; the last takes the new blob itself.
    for (std::size_t i = 0; i < to_link.size(); ++i) {
      bool last = i + 1 == to_link.size();
      core::link_snapshot_file(layout, request.repo, result.commit, to_link[i]->path, etag, symlinks,
                               !symlinks && blob_is_new && last);
    }
  }
  fs::create_directories(result.snapshot_path);
  core::write_tree_cache(layout, request.repo, result.commit, entries);
  core::write_ref(layout, request.repo, request.revision, result.commit);
  return result;
}

}  // namespace hfcache::local_model
