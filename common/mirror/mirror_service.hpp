#pragma once
// The mirror's domain logic, independent of HTTP: which commit a revision names, a commit's
// listing, and where a file's bytes come from (the cache, or a single-flight pull-through).
// Online it asks upstream (memoised briefly) and stores what it learns the way huggingface_hub
// would (refs/, trees/<commit>.json, blobs/, snapshot links); when the upstream is unreachable or
// the daemon is offline it answers from the cache alone, and what the cache cannot answer becomes
// a fast 5xx (or a typed 404 when the cache knows the file does not exist). Throws MirrorError.
// Thread-safe; one instance per daemon.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/cache_layout.hpp"
#include "mirror/api_json.hpp"
#include "mirror/background_refresh.hpp"
#include "mirror/fetch_flight.hpp"
#include "mirror/ref_memo.hpp"
#include "mirror/repo_listing.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::mirror {

struct MirrorHooks : FetchHooks {
  // Keeps a revision marked as in use (gc must not evict it) while the returned object lives.
  std::function<std::shared_ptr<void>(const core::RepoRef&, const std::string& commit)> hold;
};

struct MirrorOptions {
  std::chrono::milliseconds ref_ttl{20'000};       // how long a branch -> commit answer is reused
  std::chrono::milliseconds upstream_backoff{5'000};  // after an unreachable upstream, answer from the cache alone
  // The longest an upstream call may take, retries included, when the cache holds an answer (refs,
  // a listing); past it the cache answers, and for `upstream_backoff` calls that have a fallback go
  // to the cache straight away while the question is asked again in the background, with
  // `refresh_timeout`. Calls without a fallback (a file or repo the cache lacks) keep the hub
  // client's own timeouts. Refused or unresolved upstreams fail at once either way.
  std::chrono::milliseconds upstream_request_timeout{2'000};
  std::chrono::milliseconds refresh_timeout{8'000};
  // .no_exist markers written per revision by this process. Anyone who may read the mirror can ask
  // for made-up paths; each would otherwise leave an empty file in the cache. Clients probe a dozen or
  // so optional files per model; past the cap the answer is still 404, just not remembered on disk.
  std::size_t max_no_exist_markers = 256;
  FetchOptions fetch;
};

struct ResolvedRevision {
  std::string commit;
  bool from_cache = false;  // upstream not asked or unreachable
};

// A file ready to serve: from the cache (`fd`) or being fetched (`flight`); neither for metadata-only
// answers (HEAD of a file not cached yet).
struct FileAnswer {
  std::string commit;
  std::string etag;
  std::uint64_t size = 0;
  bool cache_hit = false;
  std::shared_ptr<util::UniqueFd> fd;
  std::shared_ptr<Flight> flight;
};

class MirrorService {
 public:
  MirrorService(core::CacheLayout layout, MirrorHooks hooks, MirrorOptions options = {});
  ~MirrorService();

  const core::CacheLayout& layout() const { return layout_; }

  // The commit `revision` names ("HEAD" means main). `hub` null: offline.
  ResolvedRevision resolve(const core::RepoRef& repo, const std::string& revision,
                           const std::shared_ptr<hub::HubClient>& hub);

  // The listing of `commit`: memory, trees/<commit>.json, upstream (then stored), else what the
  // snapshot folder holds (marked incomplete).
  std::shared_ptr<const RepoListing> listing(const core::RepoRef& repo, const std::string& commit,
                                             const std::shared_ptr<hub::HubClient>& hub);

  // The file at `path` of `revision`. With `want_body` a missing blob is fetched (single flight);
  // without (HEAD) only its metadata is looked up.
  FileAnswer file(const core::RepoRef& repo, const std::string& revision, const std::string& path,
                  const std::shared_ptr<hub::HubClient>& hub, bool want_body);

  // The same file when the cache alone answers it at once, for a server's fast lane: the revision
  // resolves without asking upstream, the snapshot holds the file, its etag is known without hashing,
  // and serving it writes nothing (no ref left to record). nullopt otherwise (file() does the work).
  // Never touches the network, never waits on a lock held across I/O.
  std::optional<FileAnswer> cached_file(const core::RepoRef& repo, const std::string& revision,
                                        const std::string& path, hub::HubClient* hub);

  RevisionFacts facts(const core::RepoRef& repo, const std::string& commit) const;

  // The repo's refs: upstream's answer when reachable (its tag names remembered), else what refs/
  // holds, tags told apart by the names upstream called tags earlier in this process.
  hub::RepoRefs refs(const core::RepoRef& repo, const std::shared_ptr<hub::HubClient>& hub);

  std::size_t active_fetches() const { return flights_.active(); }
  // Upstream questions waiting or running in the background (tests, metrics).
  std::size_t pending_refreshes() const { return refresh_.pending(); }
  void wait_for_refreshes() { refresh_.wait_idle(); }

 private:
  // `snapshot_may_answer`: the snapshot folder's files are an acceptable (incomplete) answer, so the
  // upstream gets only the deadline; false when a file missing from the snapshot is looked for.
  std::shared_ptr<const RepoListing> listing(const core::RepoRef& repo, const std::string& commit,
                                             const std::shared_ptr<hub::HubClient>& hub, bool snapshot_may_answer);
  hub::HubClient* usable(hub::HubClient* hub) const;  // null while the upstream is known down
  // `hub` unless the upstream is known down, or known slow and the cache holds a fallback.
  hub::HubClient* upstream_for(hub::HubClient* hub, bool has_fallback) const;
  // A deadline when the cache could answer instead, else the client's own timeouts; never a retry
  // of a refused connection.
  hub::CallLimits limits_for(bool has_fallback) const;
  void upstream_failed(const std::exception& e);
  void upstream_slow(const std::exception& e);
  void upstream_answered();  // a background question got its answer: no longer down or slow
  void learned_commit(const core::RepoRef& repo, const std::string& revision, const std::string& commit);
  std::shared_ptr<const RepoListing> remember_listing(const core::RepoRef& repo, const std::string& commit,
                                                      std::vector<core::TreeEntry> entries);
  void learned_refs(const core::RepoRef& repo, const hub::RepoRefs& refs);
  // Ask `question` again off the request path, under `key`, with refresh_timeout.
  void refresh_later(const std::string& key, const std::shared_ptr<hub::HubClient>& hub,
                     std::function<void(hub::HubClient&, const hub::CallLimits&)> question);
  [[noreturn]] void not_cached(hub::HubClient* hub, const std::string& what) const;
  // Write refs/<revision> -> commit (creating the snapshot folder first, as huggingface_hub does).
  void remember_ref(const core::RepoRef& repo, const std::string& revision, const std::string& commit);
  // A file of `commit` is being served: write `revision` and every branch that resolved upstream to
  // that commit (clients that resolve first, then download by commit, never name the branch again).
  void write_refs_for(const core::RepoRef& repo, const std::string& revision, const std::string& commit);
  bool may_mark_no_exist(const core::RepoRef& repo, const std::string& commit);

  const core::CacheLayout layout_;
  const MirrorHooks hooks_;
  const MirrorOptions options_;
  RefMemo refs_memo_;
  mutable std::mutex mutex_;  // listings_, pending_refs_, down_until_, no_exist_marked_, tag_names_
  std::map<std::string, std::shared_ptr<const RepoListing>> listings_;
  std::map<std::string, std::set<std::string>> pending_refs_;  // repo@commit -> revisions resolved to it
  std::chrono::steady_clock::time_point down_until_{};
  std::chrono::steady_clock::time_point slow_until_{};  // calls with a fallback skip the upstream until then
  std::string last_upstream_error_;                     // why it was last unreachable, for 504 messages
  std::map<std::string, std::size_t> no_exist_marked_;  // repo@commit -> markers written
  std::map<std::string, std::set<std::string>> tag_names_;  // repo folder -> names upstream listed as tags
  // One upstream listing fetch per repo@commit at a time: concurrent first requests for the same
  // revision share it, while other repos' listings go ahead (a slow one must not hold up the rest).
  std::shared_ptr<std::timed_mutex> listing_lock(const std::string& key);
  std::map<std::string, std::shared_ptr<std::timed_mutex>> listing_locks_;  // under mutex_
  FlightRegistry flights_;
  // Last: its thread runs questions that use the members above, so it is joined before they go.
  BackgroundRefresh refresh_;
};

}  // namespace hfcache::mirror
