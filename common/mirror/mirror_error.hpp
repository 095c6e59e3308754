#pragma once
// An answer the mirror gives instead of content, typed the way huggingface.co types it
// (docs/hub-protocol.md "Response shapes", "Typed errors"): HTTP status, X-Error-Code (RepoNotFound, RevisionNotFound,
// EntryNotFound, GatedRepo, or none), the message, and the commit for EntryNotFound (clients write
// .no_exist markers from it, so it is sent on nothing else).
#include <exception>
#include <stdexcept>
#include <string>

namespace hfcache::mirror {

class MirrorError : public std::runtime_error {
 public:
  MirrorError(int status, std::string code, const std::string& message, std::string commit = {})
      : std::runtime_error(message), status_(status), code_(std::move(code)), commit_(std::move(commit)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }      // "" = no X-Error-Code
  const std::string& commit() const { return commit_; }  // EntryNotFound only

 private:
  int status_;
  std::string code_;
  std::string commit_;
};

// Statuses for "cannot answer now": the upstream is unreachable (504) or the daemon runs offline
// (503). Both are 5xx so clients fall back to their own cache, never an HTML 200.
inline constexpr int status_upstream_unreachable = 504;
inline constexpr int status_offline = 503;

// Translate what the hub client or the cache threw into the answer a client must see:
// EntryNotFoundError -> 404 EntryNotFound; a revision not found -> 404 RevisionNotFound; other
// not-found -> 404 RepoNotFound; gated -> 401 GatedRepo; other auth -> 401 RepoNotFound (the hub's
// answer for private repos); OfflineError -> 504; UsageError -> 400; IntegrityError -> 502; the rest 500.
MirrorError to_mirror_error(const std::exception& error);

}  // namespace hfcache::mirror
