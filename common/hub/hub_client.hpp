#pragma once
// Client of the upstream hub (huggingface.co or anything that answers like it): resolves revisions,
// lists files, fetches file metadata and streams file bytes, the way huggingface_hub does
// (docs/hub-protocol.md "JSON endpoints", "Resolve", "Errors"). Retries 5xx/429 with backoff and
// Retry-After; maps 401/403/404 and X-Error-Code to typed errors (core/errors.hpp). Thread-safe: each thread gets its own
// connections. Never sends the hub token to another host.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/repo_id.hpp"
#include "hub/call_limits.hpp"
#include "hub/upstream_chain.hpp"

namespace hfcache::hub {

struct HubOptions {
  std::string endpoint = "https://huggingface.co";  // no trailing slash
  // The tiers, tried in order (UpstreamChain); empty: `endpoint` alone. The token goes to each.
  std::vector<std::string> endpoints;
  UpstreamChain::Options tier_backoff;
  UpstreamChain::ChangeHook on_tier_change;  // one call per up/down change (log line, metric)
  // This daemon's received-by in Via (docs/interface.md "Tiers"); "" sends no Via (the CLI).
  std::string via_id;
  std::optional<std::string> token;                 // sent as "Authorization: Bearer" to the endpoint's host only
  std::string ca_bundle;                            // PEM file; empty = the system CA store
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
  int max_retries = 5;                              // for 408/429/5xx and network errors
  std::chrono::milliseconds max_backoff{8'000};     // waits 1, 2, 4, 8, 8 s (huggingface_hub)
  std::chrono::milliseconds base_backoff{1'000};
  // Longest wait a Retry-After or RateLimit header may impose (it is waited plus 1 s, then capped).
  std::chrono::milliseconds max_server_wait{60'000};
  std::string user_agent = "hfcache/0.1";
  // Proxy settings; empty = read HTTPS_PROXY/https_proxy, HTTP_PROXY/http_proxy, NO_PROXY/no_proxy
  // (and ALL_PROXY/all_proxy when neither of the first two is given).
  std::optional<std::string> https_proxy, http_proxy, no_proxy;
  // The daemon's stop: a request ends every transfer and retry wait of this client at once
  // (StopRequested is thrown). Default: never stops.
  std::stop_token stop;
};

// One file of a revision, from the tree listing.
struct RemoteFile {
  std::string path;                       // path in repo, '/'-separated
  std::uint64_t size = 0;                 // content size (the real size for LFS files)
  std::string oid;                        // git blob sha1 (of the pointer for LFS files)
  std::optional<std::string> lfs_sha256;  // set for LFS files
  // The blob name huggingface_hub uses: sha256 for LFS files, the git blob sha1 otherwise.
  const std::string& etag() const { return lfs_sha256 ? *lfs_sha256 : oid; }
};

// What a HEAD on the resolve URL says (huggingface_hub get_hf_file_metadata).
struct FileMetadata {
  std::string commit;    // X-Repo-Commit
  std::string etag;      // X-Linked-Etag, else ETag, normalised
  std::uint64_t size = 0;
  std::string location;  // absolute URL to GET the bytes from (the CDN, or the resolve URL itself)
};

// One item of GET /api/{type}s/{id}/refs: `name` as the hub gives it ("main", "v1.0", "refs/pr/1"),
// `ref` the full git ref ("refs/heads/main", "refs/tags/v1.0", "refs/pr/1").
struct GitRef {
  std::string name;
  std::string ref;
  std::string target_commit;
};

struct RepoRefs {
  std::vector<GitRef> branches, converts, tags, pull_requests;
};

// Receives body bytes; return false to abort the transfer.
using ByteSink = std::function<bool(const char* data, std::size_t size)>;

class HubClient {
 public:
  explicit HubClient(HubOptions options);
  ~HubClient();
  HubClient(const HubClient&) = delete;
  HubClient& operator=(const HubClient&) = delete;

  const HubOptions& options() const;

  // The tiers in configured order, and which are up (for /v1/health and metrics).
  std::vector<UpstreamState> upstreams() const;

  // GET /api/{type}s/{id}/revision/{rev}: the 40-hex commit `revision` points at.
  // Throws NotFoundError (repo or revision), AuthError, OfflineError, Error.
  // Every call takes CallLimits (call_limits.hpp): a deadline for the whole call, retries included,
  // and whether an unreachable host is retried; the default is the client's own timeouts and retries.
  std::string resolve_commit(const core::RepoRef& repo, const std::string& revision, const CallLimits& limits = {});

  // GET /api/{type}s/{id}: whether the hub restricts the repo (`private`, `gated` of its repo info).
  struct Visibility {
    bool is_private = false;
    bool gated = false;  // "auto" or "manual" gating
  };
  Visibility repo_visibility(const core::RepoRef& repo, const CallLimits& limits = {});

  // GET /api/{type}s/{id}/auth-check with this client's token (huggingface_hub HfApi.auth_check):
  // returns when the hub lets the token read the repo; throws HubAuthError (GatedRepo, 401/403) or
  // HubNotFoundError (RepoNotFound) when not, OfflineError when the hub cannot be asked.
  void auth_check(const core::RepoRef& repo, const CallLimits& limits = {});

  // A client with the same options but another token (nullopt: none).
  std::unique_ptr<HubClient> with_token(std::optional<std::string> token) const;

  // GET /api/{type}s/{id}/refs?include_prs=1: branches, tags, converts and pull requests.
  RepoRefs list_refs(const core::RepoRef& repo, const CallLimits& limits = {});

  // GET /api/{type}s/{id}/tree/{commit}?recursive=true&expand=false, following Link rel="next".
  std::vector<RemoteFile> list_files(const core::RepoRef& repo, const std::string& commit,
                                     const CallLimits& limits = {});

  // HEAD {endpoint}/{prefix}{id}/resolve/{rev}/{path}: no absolute redirects followed, relative
  // ones (renamed repos) followed. Throws EntryNotFoundError for a missing file.
  FileMetadata file_metadata(const core::RepoRef& repo, const std::string& revision, const std::string& path,
                             const CallLimits& limits = {});

  // The resolve URL of a file: {endpoint}/{prefix}{id}/resolve/{quote(rev, safe="")}/{quote(path)}, on the
  // tier that would be asked first now (download fails over to the others).
  std::string resolve_url(const core::RepoRef& repo, const std::string& revision, const std::string& path) const;

  // GET `url` from byte `offset` (Range: bytes=offset- or offset-(end-1) when `end` is set), following
  // redirects (the token only to the endpoint's host) and retrying the initial response on
  // 408/429/5xx. Streams the body into `sink`. Returns the bytes delivered. A connection lost
  // mid-body throws TransferError with the byte count so far, so the caller can resume. A URL on one
  // of the tiers that fails before any byte is tried on the next tier (same path).
  std::uint64_t download(const std::string& url, std::uint64_t offset, std::optional<std::uint64_t> end,
                         const ByteSink& sink);

 private:
  std::vector<RemoteFile> list_files_on(const std::string& base, const core::RepoRef& repo, const std::string& commit,
                                        const CallLimits& limits);
  FileMetadata file_metadata_on(const std::string& base, const core::RepoRef& repo, const std::string& revision,
                                const std::string& path, const CallLimits& limits);
  std::uint64_t download_once(const std::string& url, std::uint64_t offset, std::optional<std::uint64_t> end,
                              const ByteSink& sink, std::optional<int> max_retries);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Thrown by HubClient::download when the transfer broke after some bytes; retryable by resuming.
struct TransferError : OfflineError {
  TransferError(const std::string& what, std::uint64_t delivered)
      : OfflineError(what, "check the network and run the command again; finished files are kept"),
        bytes_delivered(delivered) {}
  std::uint64_t bytes_delivered;
};

// Thrown by HubClient::download when the sink returned false; nothing is retried.
// The client's stop token was requested (the daemon is shutting down): the call gave up at once.
struct StopRequested : Error {
  StopRequested() : Error(ExitCode::failure, "cancelled: hfcached is stopping") {}
};

// The upstream tier answered 508: the request already passed through it, so the tiers' endpoint
// settings form a loop. Not a failure to fail over from or retry: a configuration to fix.
struct UpstreamLoopError : Error {
  explicit UpstreamLoopError(const std::string& what)
      : Error(ExitCode::failure, what, "fix the endpoint settings of the tiers named in Via so none points back") {}
};

struct DownloadCancelled : Error {
  DownloadCancelled() : Error(ExitCode::failure, "download cancelled") {}
};

// EntryNotFound from the hub; `commit` is X-Repo-Commit when the hub sent it (for .no_exist markers).
struct EntryNotFoundError : NotFoundError {
  EntryNotFoundError(const std::string& what, std::string at_commit)
      : NotFoundError(what, "check the file name and revision"), commit(std::move(at_commit)) {}
  std::string commit;
};

// The hub's X-Error-Code ("RepoNotFound", "RevisionNotFound", "GatedRepo"; "" when it sent none),
// kept so a mirror can pass the same code on to its clients.
struct HubNotFoundError : NotFoundError {
  HubNotFoundError(const std::string& what, std::string hint, std::string code)
      : NotFoundError(what, std::move(hint)), hub_code(std::move(code)) {}
  std::string hub_code;
};
struct HubAuthError : AuthError {
  HubAuthError(const std::string& what, std::string hint, std::string code)
      : AuthError(what, std::move(hint)), hub_code(std::move(code)) {}
  std::string hub_code;
};

}  // namespace hfcache::hub
