#include "mirror/mirror_service.hpp"

#include <spdlog/spdlog.h>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/snapshot.hpp"
#include "core/tree_cache.hpp"
#include "hub/hub_client.hpp"
#include "mirror/cache_reader.hpp"
#include "mirror/mirror_error.hpp"
#include "util/file_lock.hpp"
#include "util/fs.hpp"

namespace hfcache::mirror {
namespace {

// The other paths of `listing` whose content is blob `etag` (a listing repeats a blob for copies:
// tokenizer files in several folders, the same weights under two names).
std::vector<std::string> same_blob_paths(const RepoListing& listing, const std::string& path, const std::string& etag) {
  std::vector<std::string> out;
  for (const auto& file : listing.files()) {
    if (file.path != path && file.etag() == etag) out.push_back(file.path);
  }
  return out;
}


// Listings kept in memory; beyond this the memo starts over (they are cheap to re-read from trees/).
constexpr std::size_t max_listings = 256;

std::string key_of(const core::RepoRef& repo, const std::string& name) { return repo.folder_name() + "@" + name; }

std::vector<core::TreeEntry> to_entries(const std::vector<hub::RemoteFile>& files) {
  std::vector<core::TreeEntry> entries;
  entries.reserve(files.size());
  for (const auto& f : files) {
    if (!core::is_etag(f.etag())) continue;  // nothing we could store or serve
    entries.push_back({f.path, f.size, f.oid, f.lfs_sha256});
  }
  return entries;
}

bool no_exist_marked(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& commit,
                     const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(layout.no_exist_path(repo, commit, path), ec);
}

}  // namespace

MirrorService::MirrorService(core::CacheLayout layout, MirrorHooks hooks, MirrorOptions options)
    : layout_(std::move(layout)),
      hooks_(std::move(hooks)),
      options_(options),
      refs_memo_(options.ref_ttl),
      flights_(layout_, hooks_, options.fetch) {}

MirrorService::~MirrorService() = default;

hub::HubClient* MirrorService::usable(hub::HubClient* hub) const { return upstream_for(hub, false); }

hub::HubClient* MirrorService::upstream_for(hub::HubClient* hub, bool has_fallback) const {
  if (!hub) return nullptr;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (now < down_until_ || (has_fallback && now < slow_until_)) return nullptr;
  return hub;
}

hub::CallLimits MirrorService::limits_for(bool has_fallback) const {
  return has_fallback ? hub::CallLimits::within(options_.upstream_request_timeout) : hub::CallLimits::fail_fast();
}

void MirrorService::upstream_failed(const std::exception& e) {
  spdlog::warn("mirror: upstream unreachable, answering from the cache: {}", e.what());
  if (hooks_.upstream_error) hooks_.upstream_error(e.what());
  std::lock_guard lock(mutex_);
  down_until_ = std::chrono::steady_clock::now() + options_.upstream_backoff;
  last_upstream_error_ = e.what();
}

void MirrorService::upstream_slow(const std::exception& e) {
  spdlog::warn("mirror: upstream too slow, answering from the cache and asking again in the background: {}",
               e.what());
  if (hooks_.upstream_error) hooks_.upstream_error(e.what());
  std::lock_guard lock(mutex_);
  slow_until_ = std::chrono::steady_clock::now() + options_.upstream_backoff;
  last_upstream_error_ = e.what();
}

void MirrorService::upstream_answered() {
  std::lock_guard lock(mutex_);
  down_until_ = slow_until_ = {};
}

void MirrorService::not_cached(hub::HubClient* hub, const std::string& what) const {
  if (!hub) {
    throw MirrorError(status_offline, "", what + " is not in the cache and the daemon runs offline");
  }
  std::string why;
  {
    std::lock_guard lock(mutex_);
    why = last_upstream_error_;
  }
  throw MirrorError(status_upstream_unreachable, "",
                    what + " is not in the cache and the upstream " + hub->options().endpoint + " is unreachable" +
                        (why.empty() ? "" : " (" + why + ")") +
                        "; try again once it answers, or pull the repo ahead of time (hfcache pull)");
}

void MirrorService::refresh_later(const std::string& key, const std::shared_ptr<hub::HubClient>& hub,
                                  std::function<void(hub::HubClient&, const hub::CallLimits&)> question) {
  if (!hub) return;
  refresh_.submit(key, [this, key, hub, question = std::move(question)] {
    if (hooks_.upstream_request) hooks_.upstream_request();
    try {
      question(*hub, hub::CallLimits::within(options_.refresh_timeout));
      upstream_answered();
      spdlog::info("mirror: background refresh of {} done", key);
    } catch (const std::exception& e) {
      spdlog::info("mirror: background refresh of {} failed: {}", key, e.what());
    }
  });
}

void MirrorService::remember_ref(const core::RepoRef& repo, const std::string& revision, const std::string& commit) {
  if (revision == commit || core::is_commit_hash(revision)) return;
  if (core::read_ref(layout_, repo, revision) == commit) return;
  try {
    // scan_cache_dir reports refs to missing snapshots: the folder comes first.
    std::filesystem::create_directories(layout_.snapshot_dir(repo, commit));
    core::write_ref(layout_, repo, revision, commit);
  } catch (const std::exception& e) {
    spdlog::warn("mirror: writing refs/{} of {} failed: {}", revision, repo.display(), e.what());
  }
}

void MirrorService::write_refs_for(const core::RepoRef& repo, const std::string& revision, const std::string& commit) {
  std::set<std::string> revisions;
  {
    std::lock_guard lock(mutex_);
    if (auto it = pending_refs_.find(key_of(repo, commit)); it != pending_refs_.end()) {
      revisions.swap(it->second);
      pending_refs_.erase(it);
    }
  }
  revisions.insert(revision);
  for (const auto& rev : revisions) remember_ref(repo, rev, commit);
}

void MirrorService::learned_commit(const core::RepoRef& repo, const std::string& revision, const std::string& commit) {
  refs_memo_.put(key_of(repo, revision), commit);
  std::lock_guard lock(mutex_);
  if (pending_refs_.size() > 10'000) pending_refs_.clear();
  pending_refs_[key_of(repo, commit)].insert(revision);
}

ResolvedRevision MirrorService::resolve(const core::RepoRef& repo, const std::string& revision,
                                        const std::shared_ptr<hub::HubClient>& hub) {
  const std::string rev = revision == "HEAD" ? std::string(core::default_revision) : revision;
  if (core::is_commit_hash(rev)) return {rev, true};
  auto key = key_of(repo, rev);
  if (auto memo = refs_memo_.get(key)) return {*memo, false};
  // refs/ decides how long upstream may take: with an answer at hand, no longer than the deadline.
  const auto cached = cached_commit(layout_, repo, rev);
  if (auto* upstream = upstream_for(hub.get(), cached.has_value())) {
    try {
      if (hooks_.upstream_request) hooks_.upstream_request();
      auto commit = upstream->resolve_commit(repo, rev, limits_for(cached.has_value()));
      learned_commit(repo, rev, commit);
      return {commit, false};
    } catch (const hub::DeadlineExceeded& e) {
      upstream_slow(e);
      refresh_later("revision " + key, hub, [this, repo, rev](hub::HubClient& client, const hub::CallLimits& limits) {
        learned_commit(repo, rev, client.resolve_commit(repo, rev, limits));
      });
    } catch (const OfflineError& e) {
      upstream_failed(e);
    } catch (const std::exception& e) {
      throw to_mirror_error(e);
    }
  }
  if (cached) return {*cached, true};
  not_cached(hub.get(), "revision '" + rev + "' of " + repo.display());
}

std::shared_ptr<const RepoListing> MirrorService::remember_listing(const core::RepoRef& repo, const std::string& commit,
                                                                   std::vector<core::TreeEntry> entries) {
  auto listing = std::make_shared<const RepoListing>(std::move(entries));
  {
    std::lock_guard lock(mutex_);
    if (listings_.size() >= max_listings) listings_.clear();
    listings_[key_of(repo, commit)] = listing;
  }
  try {
    core::write_tree_cache(layout_, repo, commit, listing->files());
  } catch (const std::exception& e) {
    spdlog::warn("mirror: writing trees/{}.json of {} failed: {}", commit, repo.display(), e.what());
  }
  return listing;
}

std::shared_ptr<const RepoListing> MirrorService::listing(const core::RepoRef& repo, const std::string& commit,
                                                          const std::shared_ptr<hub::HubClient>& hub) {
  return listing(repo, commit, hub, true);
}

std::shared_ptr<const RepoListing> MirrorService::listing(const core::RepoRef& repo, const std::string& commit,
                                                          const std::shared_ptr<hub::HubClient>& hub,
                                                          bool snapshot_may_answer) {
  auto key = key_of(repo, commit);
  auto remembered = [&]() -> std::shared_ptr<const RepoListing> {
    std::lock_guard lock(mutex_);
    auto it = listings_.find(key);
    return it == listings_.end() ? nullptr : it->second;
  };
  auto remember = [&](std::vector<core::TreeEntry> entries) {
    auto listing = std::make_shared<const RepoListing>(std::move(entries));
    std::lock_guard lock(mutex_);
    if (listings_.size() >= max_listings) listings_.clear();
    listings_[key] = listing;
    return listing;
  };
  if (auto known = remembered()) return known;
  if (auto cached = core::read_tree_cache(layout_, repo, commit)) return remember(std::move(*cached));
  std::error_code ec;
  const bool snapshot_held = std::filesystem::is_directory(layout_.snapshot_dir(repo, commit), ec);
  const bool fallback = snapshot_may_answer && snapshot_held;
  if (upstream_for(hub.get(), fallback)) {
    auto fetch_lock = listing_lock(key);
    // With a fallback, waiting behind another request's fetch is bounded by the same deadline.
    std::unique_lock fetching(*fetch_lock, std::defer_lock);
    if (fallback) {
      if (!fetching.try_lock_for(options_.upstream_request_timeout)) {
        return std::make_shared<const RepoListing>(listing_from_snapshot(layout_, repo, commit), false);
      }
    } else {
      fetching.lock();
    }
    if (auto known = remembered()) return known;
    // Whoever held the lock before may have found the upstream slow or gone meanwhile.
    if (auto* upstream = upstream_for(hub.get(), fallback)) {
      try {
        if (hooks_.upstream_request) hooks_.upstream_request();
        return remember_listing(repo, commit, to_entries(upstream->list_files(repo, commit, limits_for(fallback))));
      } catch (const hub::DeadlineExceeded& e) {
        upstream_slow(e);
        refresh_later("listing " + key, hub, [this, repo, commit](hub::HubClient& client, const hub::CallLimits& limits) {
          remember_listing(repo, commit, to_entries(client.list_files(repo, commit, limits)));
        });
      } catch (const OfflineError& e) {
        upstream_failed(e);
      } catch (const std::exception& e) {
        throw to_mirror_error(e);
      }
    }
  }
  if (snapshot_held) return std::make_shared<const RepoListing>(listing_from_snapshot(layout_, repo, commit), false);
  not_cached(hub.get(), "the file list of " + repo.display() + " at " + commit);
}

FileAnswer MirrorService::file(const core::RepoRef& repo, const std::string& revision, const std::string& path,
                               const std::shared_ptr<hub::HubClient>& hub, bool want_body) {
  auto resolved = resolve(repo, revision, hub);
  const auto& commit = resolved.commit;
  const std::string rev = revision == "HEAD" ? std::string(core::default_revision) : revision;

  FileAnswer answer;
  answer.commit = commit;
  std::shared_ptr<const RepoListing> known;
  {
    std::lock_guard lock(mutex_);
    if (auto it = listings_.find(key_of(repo, commit)); it != listings_.end()) known = it->second;
  }
  if (!known) {
    // A snapshot file that is a copy (no-symlink caches) is named by the listing; without it, by
    // hashing the whole file on every request. trees/<commit>.json is read once, then remembered.
    if (auto cached = core::read_tree_cache(layout_, repo, commit)) {
      known = std::make_shared<const RepoListing>(std::move(*cached));
      std::lock_guard lock(mutex_);
      if (listings_.size() >= max_listings) listings_.clear();
      listings_.emplace(key_of(repo, commit), known);
    }
  }
  if (auto cached = open_snapshot_file(layout_, repo, commit, path, known.get())) {
    answer.etag = cached->etag;
    answer.size = cached->size;
    answer.cache_hit = true;
    answer.fd = std::make_shared<util::UniqueFd>(std::move(cached->fd));
    if (want_body) write_refs_for(repo, rev, commit);
    return answer;
  }

  // The file is not in the snapshot: only the full listing can answer, so this one waits for upstream.
  // A .no_exist marker already answers a 404: then the listing gets the deadline like any fallback.
  auto listing = this->listing(repo, commit, hub, no_exist_marked(layout_, repo, commit, path));
  const auto* entry = listing->find(path);
  if (!entry) {
    if (listing->complete()) {
      if (!listing->is_folder(path) && may_mark_no_exist(repo, commit)) core::mark_no_exist(layout_, repo, commit, path);
    } else if (!no_exist_marked(layout_, repo, commit, path)) {
      not_cached(hub.get(), "file '" + path + "' of " + repo.display() + " at " + commit);
    }
    throw MirrorError(404, "EntryNotFound", "file '" + path + "' not found in " + repo.display() + " at " + commit,
                      commit);
  }
  answer.etag = entry->etag();
  answer.size = entry->size;
  if (auto blob = open_blob(layout_, repo, answer.etag); blob && blob->size == entry->size) {
    answer.cache_hit = true;
    answer.fd = std::make_shared<util::UniqueFd>(std::move(blob->fd));
    if (want_body) {
      try {
        // Under the blob's lock, as gc deletes orphans under it: a link made now never dangles. Copies
        // where the file system holds no links, as the fetch path decides.
        util::FileLock lock(layout_.lock_path(repo, answer.etag));
        if (core::blob_present(layout_, repo, answer.etag, entry->size)) {
          const bool symlinks = util::supports_symlinks(layout_.repo_dir(repo));
          core::link_snapshot_file(layout_, repo, commit, path, answer.etag, symlinks, false);
          for (const auto& other : same_blob_paths(*listing, path, answer.etag))
            core::link_snapshot_file(layout_, repo, commit, other, answer.etag, symlinks, false);
        }
      } catch (const std::exception& e) {
        spdlog::warn("mirror: linking {} {} failed: {}", repo.display(), path, e.what());
      }
      write_refs_for(repo, rev, commit);
    }
    return answer;
  }
  auto* upstream = usable(hub.get());
  if (!upstream || !listing->complete()) not_cached(hub.get(), "file '" + path + "' of " + repo.display());
  if (!want_body) {
    // The HEAD itself sends no bytes, so it is held to the request deadline like a look-up with a
    // fallback; the GET that follows waits for the fetch.
    // HEAD: no fetch (the GET that follows does it), but ask upstream whether the file may be read
    // (gated repos list their files openly) so the client sees GatedRepo now, as from the hub.
    auto* asked = upstream_for(hub.get(), true);  // none while the upstream is known to be slow
    if (!asked) not_cached(hub.get(), "file '" + path + "' of " + repo.display());
    try {
      if (hooks_.upstream_request) hooks_.upstream_request();
      asked->file_metadata(repo, commit, path, limits_for(true));
    } catch (const hub::DeadlineExceeded& e) {
      upstream_slow(e);
      not_cached(hub.get(), "file '" + path + "' of " + repo.display());
    } catch (const OfflineError& e) {
      upstream_failed(e);
      not_cached(hub.get(), "file '" + path + "' of " + repo.display());
    } catch (const std::exception& e) {
      throw to_mirror_error(e);
    }
    return answer;
  }

  FetchJob job;
  job.repo = repo;
  job.etag = answer.etag;
  job.size = answer.size;
  job.url = upstream->resolve_url(repo, commit, path);
  job.what = path + " of " + repo.display() + "@" + commit;
  job.hub = hub;
  if (hooks_.hold) job.hold = hooks_.hold(repo, commit);
  write_refs_for(repo, rev, commit);
  LinkRequest link{commit, path, rev};
  auto flight = flights_.join_or_start(std::move(job), link);
  if (!flight) throw MirrorError(500, "", "no fetch for " + path);
  // Complete snapshots: every path of the listing with this blob gets its entry when it lands, so a
  // direct reader of the cache (huggingface_hub offline) finds each of them.
  for (const auto& other : same_blob_paths(*listing, path, answer.etag)) {
    if (flight->add_link({commit, other, ""})) continue;
    try {  // the fetch has linked its paths already: the blob is in place
      util::FileLock lock(layout_.lock_path(repo, answer.etag));
      if (core::blob_present(layout_, repo, answer.etag, answer.size))
        core::link_snapshot_file(layout_, repo, commit, other, answer.etag,
                                 util::supports_symlinks(layout_.repo_dir(repo)), false);
    } catch (const std::exception& e) {
      spdlog::warn("mirror: linking {} {} failed: {}", repo.display(), other, e.what());
    }
  }
  answer.flight = flight;
  return answer;
}

std::optional<FileAnswer> MirrorService::cached_file(const core::RepoRef& repo, const std::string& revision,
                                                     const std::string& path, hub::HubClient* hub) {
  const std::string rev = revision == "HEAD" ? std::string(core::default_revision) : revision;
  std::string commit;
  bool ref_known_current = true;  // refs/<rev> already says `commit`: file() would write nothing
  if (core::is_commit_hash(rev)) {
    commit = rev;
  } else if (auto memo = refs_memo_.get(key_of(repo, rev))) {
    commit = *memo;
    ref_known_current = false;
  } else if (!upstream_for(hub, true)) {
    auto cached = cached_commit(layout_, repo, rev);
    if (!cached) return std::nullopt;
    commit = *cached;
  } else {
    return std::nullopt;  // upstream must be asked which commit the branch names now
  }
  std::shared_ptr<const RepoListing> known;
  const auto key = key_of(repo, commit);
  {
    std::lock_guard lock(mutex_);
    if (pending_refs_.count(key)) return std::nullopt;
    if (auto it = listings_.find(key); it != listings_.end()) known = it->second;
  }
  if (!ref_known_current && core::read_ref(layout_, repo, rev) != commit) return std::nullopt;
  auto cached = open_snapshot_file(layout_, repo, commit, path, known.get(), false);
  if (!cached) return std::nullopt;
  FileAnswer answer;
  answer.commit = commit;
  answer.etag = cached->etag;
  answer.size = cached->size;
  answer.cache_hit = true;
  answer.fd = std::make_shared<util::UniqueFd>(std::move(cached->fd));
  return answer;
}

std::shared_ptr<std::timed_mutex> MirrorService::listing_lock(const std::string& key) {
  std::lock_guard lock(mutex_);
  // Dropping the map's entries never destroys a mutex in use: holders keep their shared_ptr.
  if (listing_locks_.size() > 1'000) listing_locks_.clear();
  auto& slot = listing_locks_[key];
  if (!slot) slot = std::make_shared<std::timed_mutex>();
  return slot;
}

bool MirrorService::may_mark_no_exist(const core::RepoRef& repo, const std::string& commit) {
  std::lock_guard lock(mutex_);
  if (no_exist_marked_.size() > 10'000) no_exist_marked_.clear();
  return no_exist_marked_[key_of(repo, commit)]++ < options_.max_no_exist_markers;
}

RevisionFacts MirrorService::facts(const core::RepoRef& repo, const std::string& commit) const {
  return {commit, iso8601(revision_time(layout_, repo, commit))};
}

void MirrorService::learned_refs(const core::RepoRef& repo, const hub::RepoRefs& refs) {
  std::set<std::string> tags;
  for (const auto& t : refs.tags) tags.insert(t.name);
  std::lock_guard lock(mutex_);
  if (tag_names_.size() > 10'000) tag_names_.clear();
  tag_names_[repo.folder_name()] = std::move(tags);
}

hub::RepoRefs MirrorService::refs(const core::RepoRef& repo, const std::shared_ptr<hub::HubClient>& hub) {
  std::error_code ec;
  const bool repo_held = std::filesystem::is_directory(layout_.repo_dir(repo), ec);
  if (auto* upstream = upstream_for(hub.get(), repo_held)) {
    try {
      if (hooks_.upstream_request) hooks_.upstream_request();
      auto answer = upstream->list_refs(repo, limits_for(repo_held));
      learned_refs(repo, answer);
      return answer;
    } catch (const hub::DeadlineExceeded& e) {
      upstream_slow(e);
      refresh_later("refs " + repo.folder_name(), hub, [this, repo](hub::HubClient& client, const hub::CallLimits& limits) {
        learned_refs(repo, client.list_refs(repo, limits));
      });
    } catch (const OfflineError& e) {
      upstream_failed(e);
    } catch (const std::exception& e) {
      throw to_mirror_error(e);
    }
  }
  auto refs = cached_refs(layout_, repo);
  if (refs.empty() && !repo_held) not_cached(hub.get(), repo.display());
  std::set<std::string> tags;
  {
    std::lock_guard lock(mutex_);
    if (auto it = tag_names_.find(repo.folder_name()); it != tag_names_.end()) tags = it->second;
  }
  return refs_from_cache(refs, tags);
}

}  // namespace hfcache::mirror
