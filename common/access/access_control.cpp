#include "access/access_control.hpp"

namespace hfcache::access {

AccessControl::AccessControl(AccessStore& store, TokenKeyer keyer, AccessOptions options, Clock clock)
    : store_(store), keyer_(std::move(keyer)), options_(options), clock_(std::move(clock)) {}

std::int64_t AccessControl::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Restriction AccessControl::known_restriction(const core::RepoRef& repo) {
  auto folder = repo.folder_name();
  {
    std::lock_guard lock(mutex_);
    if (auto it = restrictions_.find(folder); it != restrictions_.end()) return it->second.restriction;
  }
  auto stored = store_.restriction(folder);
  if (!stored) return Restriction::unknown;
  std::lock_guard lock(mutex_);
  restrictions_[folder] = *stored;
  return stored->restriction;
}

Restriction AccessControl::restriction_for(const core::RepoRef& repo, const Upstream* upstream) {
  auto folder = repo.folder_name();
  std::optional<StoredRestriction> known;
  {
    std::lock_guard lock(mutex_);
    if (auto it = restrictions_.find(folder); it != restrictions_.end()) known = it->second;
  }
  if (!known) {
    known = store_.restriction(folder);
    if (known) {
      std::lock_guard lock(mutex_);
      restrictions_[folder] = *known;
    }
  }
  const bool fresh = known && now() - known->learnt_at < options_.restriction_ttl.count();
  if (fresh || !upstream || !upstream->restriction) return known ? known->restriction : Restriction::unknown;
  auto learnt = upstream->restriction(repo);
  if (!learnt) return known ? known->restriction : Restriction::unknown;  // upstream away: what we knew
  StoredRestriction value{*learnt, now()};
  {
    std::lock_guard lock(mutex_);
    restrictions_[folder] = value;
  }
  store_.put_restriction(folder, value);
  return *learnt;
}

std::optional<StoredGrant> AccessControl::grant_for(const std::string& key, const std::string& folder) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = grants_.find({key, folder}); it != grants_.end()) return it->second;
  }
  auto stored = store_.grant(key, folder);
  if (stored) {
    std::lock_guard lock(mutex_);
    grants_[{key, folder}] = *stored;
  }
  return stored;
}

void AccessControl::remember(const std::string& key, const std::string& folder, const StoredGrant& grant) {
  {
    std::lock_guard lock(mutex_);
    grants_[{key, folder}] = grant;
  }
  store_.put_grant(key, folder, grant);
}

bool AccessControl::remembered_grant(const core::RepoRef& repo, const std::string& token, bool online) {
  if (token.empty()) return false;
  auto grant = grant_for(keyer_.key(token), repo.folder_name());
  if (!grant) return false;
  auto t = now();
  if (online) return grant->granted && t - grant->decided_at < options_.grant_ttl.count();
  return grant->granted_at && t - *grant->granted_at < options_.offline_grace.count();
}

Decision AccessControl::decide(const core::RepoRef& repo, const std::string& token, const Upstream* upstream) {
  Decision d;
  d.token_sent = !token.empty();
  d.offline = upstream == nullptr;
  d.restriction = restriction_for(repo, upstream);
  if (!restricted(d.restriction)) {
    d.allowed = true;
    return d;
  }
  // A status that could not be learnt: the upstream is away (or offline) for this repo.
  if (d.restriction == Restriction::unknown) d.upstream_unreachable = true;
  if (token.empty()) return d;  // the hub refuses a restricted repo to an anonymous client too
  auto key = keyer_.key(token);
  auto folder = repo.folder_name();
  auto grant = grant_for(key, folder);
  auto t = now();
  if (grant && grant->granted && t - grant->decided_at < options_.grant_ttl.count()) {
    d.allowed = true;
    return d;
  }
  if (grant && !grant->granted && t - grant->decided_at < options_.deny_ttl.count()) {
    d.upstream_unreachable = false;  // the upstream said no, recently
    return d;
  }
  if (upstream && upstream->check) {
    auto answer = upstream->check(repo, token);
    if (answer != CheckAnswer::unreachable) {
      StoredGrant next;
      next.granted = answer == CheckAnswer::granted;
      next.decided_at = now();
      if (next.granted) next.granted_at = next.decided_at;  // a refusal clears the offline grace: revoked
      remember(key, folder, next);
      d.allowed = next.granted;
      d.upstream_unreachable = false;
      return d;
    }
  }
  // The upstream cannot be asked: only a recent enough grant counts.
  d.upstream_unreachable = true;
  d.allowed = grant && grant->granted_at && t - *grant->granted_at < options_.offline_grace.count();
  return d;
}

}  // namespace hfcache::access
