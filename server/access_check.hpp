#pragma once
// The one access check of hfcached (docs/interface.md "Access to gated and private repos"), applied
// by every route that answers about a repo: the admin token is full trust, access "open" lets
// everyone through, and otherwise common/access/ decides from the client's own bearer token.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "access/access_control.hpp"
#include "hub/call_limits.hpp"
#include "core/repo_id.hpp"

namespace hfcache::hub {
class HubClient;
}
namespace hfcache::mirror {
class MirrorError;
}

namespace hfcache::server {

struct Runtime;

struct AccessOutcome {
  bool allowed = false;
  access::Decision decision;
  // What to fetch the repo's content with: the daemon's client, or, when the daemon has no token of
  // its own and the repo is restricted, one carrying the granted client's token. Null when offline.
  std::shared_ptr<hub::HubClient> fetch_hub;
};

class AccessCheck {
 public:
  // `index_db`: the index database (already at the current schema). Throws Error for the secret.
  // `cache_root`: where repo folders are protected (protect_restricted_repos).
  AccessCheck(const std::filesystem::path& state_dir, const std::filesystem::path& index_db,
              const access::AccessOptions& options, std::filesystem::path cache_root = {});
  ~AccessCheck();

  // `authorization`: the request's Authorization header ("" when absent).
  AccessOutcome check(const core::RepoRef& repo, std::string_view authorization, const Runtime& runtime);
  // For listings and the fast lane: may the caller see that `repo` exists, asking nobody. With
  // `learn` (a listing), an unknown or stale status is first learnt from the upstream (one repo info
  // call), within `learn` (one deadline for the whole listing, so a dead upstream costs it once).
  bool may_list(const core::RepoRef& repo, std::string_view authorization, const Runtime& runtime,
                const hub::CallLimits* learn = nullptr);

 private:
  void protect_folder(const core::RepoRef& repo, bool create);

  std::filesystem::path cache_root_;
  std::unique_ptr<access::AccessStore> store_;
  std::unique_ptr<access::AccessControl> control_;
};

class DaemonContext;

// For the /v1 routes: returns when the caller may act on `repo`; throws NotFoundError (private or
// unknown, 404) or AuthError (gated, 401) with the refusal's message otherwise. A context without an
// access check (unit tests) lets everything through. Returns the client to fetch the repo with when
// it is not the daemon's own (no daemon token, restricted repo: one with the caller's token), else null.
std::shared_ptr<hub::HubClient> require_access(DaemonContext& context, const core::RepoRef& repo, std::string_view authorization);

// The hub's own refusal for a denied repo: 401/404 RepoNotFound for a private one, so its existence
// does not leak; 401/403 GatedRepo for a gated one; the message says what to do. A repo whose status
// could not be learnt (upstream away or offline) gets 504/503 like any question the mirror cannot
// answer now, which is the same for every such repo.
mirror::MirrorError access_refusal(const core::RepoRef& repo, const access::Decision& decision);

}  // namespace hfcache::server
