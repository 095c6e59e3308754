#pragma once
// Who may be told about a repo (docs/interface.md "Access to gated and private repos"): public repos
// are open to all at no cost; for a gated or private one (or one whose status is not known) the
// upstream decides per client token, and the decision is remembered per (token key, repo): a grant
// for grant_ttl, a refusal for deny_ttl. While the upstream cannot be asked, a grant made within
// offline_grace still counts and nothing else does. Decisions live in memory and in the index
// (AccessStore), so a restart offline keeps them. Thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "access/access_store.hpp"
#include "access/restriction.hpp"
#include "access/token_key.hpp"
#include "core/repo_id.hpp"

namespace hfcache::access {

struct AccessOptions {
  std::chrono::seconds grant_ttl{600};
  std::chrono::seconds deny_ttl{60};
  std::chrono::seconds offline_grace{30 * 86400};
  // How long a learnt public/gated/private status is trusted before the upstream is asked again.
  std::chrono::seconds restriction_ttl{600};
};

// What the upstream said about a token and a repo.
enum class CheckAnswer { granted, refused, unreachable };

// The upstream, as the policy needs it; both are called without any lock held.
struct Upstream {
  // The repo's status from its repo info (asked with the daemon's own token, if any); nullopt when
  // the upstream could not be asked.
  std::function<std::optional<Restriction>(const core::RepoRef&)> restriction;
  // Whether `token` may read the repo (one small call with that token).
  std::function<CheckAnswer(const core::RepoRef&, const std::string& token)> check;
};

struct Decision {
  bool allowed = false;
  Restriction restriction = Restriction::unknown;
  bool upstream_unreachable = false;  // the upstream could not be asked (or offline)
  bool offline = false;               // no upstream at all (offline setting)
  bool token_sent = false;
};

class AccessControl {
 public:
  using Clock = std::function<std::int64_t()>;  // unix seconds; tests turn it
  AccessControl(AccessStore& store, TokenKeyer keyer, AccessOptions options, Clock clock = {});

  // `token`: the client's bearer token ("" for none). `upstream`: nullptr when offline.
  Decision decide(const core::RepoRef& repo, const std::string& token, const Upstream* upstream);

  // The stored status only, asking nobody (for listings).
  Restriction known_restriction(const core::RepoRef& repo);
  // The status, learnt from the upstream when unknown or stale (for listings; no token check).
  Restriction learn_restriction(const core::RepoRef& repo, const Upstream* upstream) {
    return restriction_for(repo, upstream);
  }
  // Whether a remembered decision lets `token` see `repo` without asking (for listings).
  bool remembered_grant(const core::RepoRef& repo, const std::string& token, bool online);

 private:
  Restriction restriction_for(const core::RepoRef& repo, const Upstream* upstream);
  std::optional<StoredGrant> grant_for(const std::string& key, const std::string& folder);
  void remember(const std::string& key, const std::string& folder, const StoredGrant& grant);
  std::int64_t now() const;

  AccessStore& store_;
  TokenKeyer keyer_;
  AccessOptions options_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, StoredRestriction> restrictions_;                    // by repo folder
  std::map<std::pair<std::string, std::string>, StoredGrant> grants_;       // by (token key, folder)
};

}  // namespace hfcache::access
