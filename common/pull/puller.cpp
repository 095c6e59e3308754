#include "pull/puller.hpp"

#include <map>
#include <set>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/snapshot.hpp"
#include "core/temp_sweep.hpp"
#include "core/tree_cache.hpp"
#include "hub/hub_client.hpp"
#include "pull/transfer_engine.hpp"
#include "util/fs.hpp"
#include "util/glob.hpp"

namespace hfcache::pull {
namespace {

bool has_glob_chars(const std::string& pattern) { return pattern.find_first_of("*?[") != std::string::npos; }

std::vector<core::TreeEntry> to_tree_entries(const std::vector<hub::RemoteFile>& files) {
  std::vector<core::TreeEntry> entries;
  entries.reserve(files.size());
  for (const auto& f : files) entries.push_back({f.path, f.size, f.oid, f.lfs_sha256});
  return entries;
}

std::vector<core::TreeEntry> select(const std::vector<core::TreeEntry>& all, const PullRequest& request) {
  std::vector<core::TreeEntry> out;
  for (const auto& e : all) {
    if (util::glob_filter(e.path, request.include, request.exclude)) out.push_back(e);
  }
  return out;
}

// Literal --include names (no glob characters) that no file of the revision matches.
std::vector<std::string> missing_literals(const std::vector<core::TreeEntry>& all, const PullRequest& request) {
  std::set<std::string> paths;
  for (const auto& e : all) paths.insert(e.path);
  std::vector<std::string> missing;
  for (const auto& pattern : request.include) {
    if (has_glob_chars(pattern) || pattern.ends_with('/') || paths.count(pattern)) continue;
    bool is_folder = false;
    for (const auto& p : paths) {
      if (p.starts_with(pattern + "/")) {
        is_folder = true;
        break;
      }
    }
    if (!is_folder) missing.push_back(pattern);
  }
  return missing;
}

std::string where(const PullRequest& r) { return r.repo.display() + "@" + r.revision; }

}  // namespace

Puller::Puller(core::CacheLayout layout, hub::HubClient* hub, PullOptions options)
    : layout_(std::move(layout)), hub_(hub), options_(options) {}

PullResult Puller::pull_offline(const PullRequest& request, const std::string& upstream_error) {
  bool upstream_failed = !upstream_error.empty();
  auto fail = [&](const std::string& what, const std::string& hint) -> PullResult {
    if (upstream_failed) throw OfflineError(what + "; the upstream is unreachable: " + upstream_error, hint);
    throw NotFoundError(what, hint);
  };
  auto commit = core::read_ref(layout_, request.repo, request.revision);
  if (!commit) {
    return fail("no cached revision '" + request.revision + "' of " + request.repo.display() +
                    (upstream_failed ? "" : " (offline)"),
                "run `hfcache pull " + request.repo.display() + "` where the hub can be reached, or import an export");
  }
  PullResult result;
  result.commit = *commit;
  result.snapshot_path = layout_.snapshot_dir(request.repo, *commit);
  result.from_cache_only = true;
  if (!std::filesystem::is_directory(result.snapshot_path)) {
    return fail("the cache has refs/" + request.revision + " of " + request.repo.display() + " but no snapshot " + *commit,
                "run `hfcache pull " + request.repo.display() + " --revision " + request.revision + "` online");
  }
  auto listing = core::read_tree_cache(layout_, request.repo, *commit);
  if (!listing) return result;  // no listing: as complete as huggingface_hub can tell
  std::vector<std::string> missing;
  for (const auto& e : select(*listing, request)) {
    ++result.files;
    result.bytes += e.size;
    if (!core::snapshot_file_present(layout_, request.repo, *commit, e.path)) missing.push_back(e.path);
  }
  if (!missing.empty()) {
    std::string names;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) names += (i ? ", " : "") + missing[i];
    if (missing.size() > 5) names += ", ...";
    return fail(std::to_string(missing.size()) + " file(s) of " + where(request) + " are not cached: " + names,
                "run `hfcache pull " + request.repo.display() + "` where the hub can be reached");
  }
  return result;
}

PullResult Puller::pull(const PullRequest& request, const ProgressFn& progress) {
  // A literal --include may become a .no_exist marker: it must be a path inside the repo.
  for (const auto& pattern : request.include) {
    if (pattern.empty()) throw UsageError("an empty --include pattern", "give a glob such as '*.json'");
    if (!has_glob_chars(pattern)) core::validate_repo_path(pattern.ends_with('/') ? pattern.substr(0, pattern.size() - 1) : pattern);
  }
  if (request.offline || !hub_) return pull_offline(request, {});

  std::string commit;
  try {
    commit = core::is_commit_hash(request.revision) ? request.revision : hub_->resolve_commit(request.repo, request.revision);
  } catch (const OfflineError& e) {
    return pull_offline(request, e.what());  // upstream unreachable: the cache may still answer, as huggingface_hub does
  }
  if (request.on_commit) request.on_commit(commit);
  // Decided before anything is written: our own writes must not make the cache look filled.
  const bool tag_cache = options_.write_cachedir_tag && layout_.cachedir_tag_expected();

  std::vector<core::TreeEntry> listing;
  if (auto cached = core::read_tree_cache(layout_, request.repo, commit)) {
    listing = std::move(*cached);  // a commit's listing never changes
  } else {
    listing = to_tree_entries(hub_->list_files(request.repo, commit));
    for (const auto& e : listing) core::validate_repo_path(e.path);  // never write outside the snapshot
    core::write_tree_cache(layout_, request.repo, commit, listing);
  }

  core::sweep_leftovers(layout_, request.repo);
  core::write_ref(layout_, request.repo, request.revision, commit);

  PullResult result;
  result.commit = commit;
  result.snapshot_path = layout_.snapshot_dir(request.repo, commit);
  result.not_in_repo = missing_literals(listing, request);
  for (const auto& name : result.not_in_repo) core::mark_no_exist(layout_, request.repo, commit, name);
  result.symlinks = !options_.disable_symlinks && util::supports_symlinks(layout_.repo_dir(request.repo));

  // Group by blob: identical content at several paths is downloaded once and linked everywhere.
  std::map<std::string, std::vector<const core::TreeEntry*>> paths_by_etag;
  std::vector<TransferFile> transfers;
  std::uint64_t bytes_to_fetch = 0;
  auto selected = select(listing, request);
  for (const auto& e : selected) {
    ++result.files;
    result.bytes += e.size;
    auto etag = e.etag();
    if (!core::is_etag(etag)) throw Error(ExitCode::failure, "the hub listed " + e.path + " with an invalid blob id '" + etag + "'");
    if (core::snapshot_file_present(layout_, request.repo, commit, e.path)) continue;
    if (core::blob_present(layout_, request.repo, etag, e.size)) {
      core::link_snapshot_file(layout_, request.repo, commit, e.path, etag, result.symlinks, false);
      continue;
    }
    auto& group = paths_by_etag[etag];
    if (group.empty()) {
      transfers.push_back({e.path, etag, e.size, hub_->resolve_url(request.repo, commit, e.path)});
      bytes_to_fetch += e.size;
    }
    group.push_back(&e);
  }

  // The first file's metadata before any lock, temp file, tag or snapshot folder is made, as
  // huggingface_hub's HEAD comes before its writes: a refused repo (gated, token without access)
  // leaves only what huggingface_hub leaves too, refs/ and trees/.
  if (!transfers.empty()) hub_->file_metadata(request.repo, commit, transfers.front().path);
  if (tag_cache) layout_.ensure_cachedir_tag();
  std::filesystem::create_directories(result.snapshot_path);  // the revision is there (and in use) while it downloads

  ProgressTracker tracker(progress, transfers.size(), bytes_to_fetch);
  TransferEngine engine(layout_, request.repo, request.revision, *hub_, options_, tracker);
  std::mutex result_mutex;
  engine.run(transfers, [&](const TransferFile& f, bool downloaded) {
    const auto& group = paths_by_etag.at(f.etag);
    // Without symlinks every path but the last gets a copy; the last takes the new blob itself.
    for (std::size_t i = 0; i < group.size(); ++i) {
      bool last = i + 1 == group.size();
      core::link_snapshot_file(layout_, request.repo, commit, group[i]->path, f.etag, result.symlinks,
                               downloaded && last);
    }
    if (downloaded) {
      std::lock_guard lock(result_mutex);
      ++result.files_downloaded;
      result.bytes_downloaded += f.size;
    }
  });
  tracker.finished();
  return result;
}

}  // namespace hfcache::pull
