#include "access_check.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "access/hub_upstream.hpp"
#include "admin_auth.hpp"
#include "daemon_context.hpp"
#include "http/bearer_token.hpp"
#include "hub/hub_client.hpp"
#include "mirror/mirror_error.hpp"

namespace hfcache::server {

AccessCheck::AccessCheck(const std::filesystem::path& state_dir, const std::filesystem::path& index_db,
                         const access::AccessOptions& options, std::filesystem::path cache_root)
    : cache_root_(std::move(cache_root)),
      store_(std::make_unique<access::AccessStore>(index_db)),
      control_(std::make_unique<access::AccessControl>(*store_, access::TokenKeyer::from_state_dir(state_dir), options)) {}

AccessCheck::~AccessCheck() = default;

// protect_restricted_repos: the folder of a gated or private repo is the service user's alone
// (0700), so a local user cannot read its files around the check; the rest of the cache stays as
// readable as before. Created so before the first fetch writes into it; an older folder is closed
// as soon as the repo is known to be restricted.
void AccessCheck::protect_folder(const core::RepoRef& repo, bool create) {
  if (cache_root_.empty()) return;
  auto dir = cache_root_ / repo.folder_name();
  if (create) ::mkdir(dir.c_str(), 0700);  // EEXIST: handled below
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) == 0) return;
  ::chmod(dir.c_str(), 0700);
}

namespace {

bool is_admin(std::string_view authorization, const Runtime& runtime) {
  return !runtime.admin_token.empty() && !authorization.empty() &&
         check_admin(runtime, authorization) == AdminDecision::allowed;
}

}  // namespace

AccessOutcome AccessCheck::check(const core::RepoRef& repo, std::string_view authorization, const Runtime& runtime) {
  AccessOutcome out;
  out.fetch_hub = runtime.hub;
  access::Upstream upstream;
  if (runtime.hub) {
    auto limits = hub::CallLimits::within(std::chrono::seconds(std::max(runtime.settings.upstream_request_timeout_s, 5)));
    upstream = access::hub_upstream(runtime.hub, limits);
  }
  const access::Upstream* asked = runtime.hub ? &upstream : nullptr;
  const bool protect = runtime.settings.protect_restricted_repos;
  auto protect_if_restricted = [&](access::Restriction r, bool create) {
    if (protect && access::restricted(r) && r != access::Restriction::unknown) protect_folder(repo, create);
  };
  if (runtime.settings.access == "open" || is_admin(authorization, runtime)) {
    out.allowed = true;
    out.decision.allowed = true;
    if (protect) protect_if_restricted(control_->learn_restriction(repo, asked), true);
    return out;
  }
  auto token = std::string(http::bearer_token(authorization));
  out.decision = control_->decide(repo, token, asked);
  out.allowed = out.decision.allowed;
  protect_if_restricted(out.decision.restriction, out.allowed);
  // The daemon's own token fetches content; without one, the granted client's does (the hub
  // client sends it to the endpoint's host only, never to the CDN).
  if (out.allowed && access::restricted(out.decision.restriction) && runtime.hub && !runtime.hub->options().token &&
      !token.empty())
    out.fetch_hub = std::shared_ptr<hub::HubClient>(runtime.hub->with_token(token));
  return out;
}

bool AccessCheck::may_list(const core::RepoRef& repo, std::string_view authorization, const Runtime& runtime,
                           const hub::CallLimits* learn) {
  if (runtime.settings.access == "open" || is_admin(authorization, runtime)) return true;
  auto known = control_->known_restriction(repo);
  if (learn && runtime.hub && !learn->expired()) {
    auto upstream = access::hub_upstream(runtime.hub, *learn);
    try {
      known = control_->learn_restriction(repo, &upstream);
    } catch (const hub::UpstreamLoopError&) {
      // A loop in the tiers: a listing shows what is known (unknown = restricted); files answer 508.
    }
  }
  if (!access::restricted(known)) return true;
  return control_->remembered_grant(repo, std::string(http::bearer_token(authorization)), runtime.hub != nullptr);
}

std::shared_ptr<hub::HubClient> require_access(DaemonContext& context, const core::RepoRef& repo,
                                               std::string_view authorization) {
  auto runtime = context.runtime();
  if (!context.access || !runtime) return nullptr;
  auto outcome = context.access->check(repo, authorization, *runtime);
  if (outcome.allowed) return outcome.fetch_hub == runtime->hub ? nullptr : outcome.fetch_hub;
  auto refusal = access_refusal(repo, outcome.decision);
  if (refusal.status() >= 500) throw OfflineError(refusal.what(), "try again when the upstream is reachable");
  if (refusal.code() == "GatedRepo") throw AuthError(refusal.what(),
                    "send the hub token of an account that accepted its conditions (HF_TOKEN or `hf auth login`: "
                    "hfcache and HF_ENDPOINT clients send it), or the admin token");
  throw NotFoundError(refusal.what(), "send `Authorization: Bearer <hub token>` of an account that can read it");
}

mirror::MirrorError access_refusal(const core::RepoRef& repo, const access::Decision& d) {
  std::string away = d.upstream_unreachable
                         ? " The upstream hub cannot be asked now and this token has no recent grant here; try again "
                           "when it is reachable."
                         : "";
  if (d.restriction == access::Restriction::unknown && d.upstream_unreachable)
    return mirror::MirrorError(d.offline ? mirror::status_offline : mirror::status_upstream_unreachable, "",
                               "cannot tell whether " + repo.display() +
                                   " is public: the daemon never learnt it and the upstream cannot be asked now "
                                   "(offline or unreachable); try again when it is reachable");
  if (d.restriction == access::Restriction::gated) {
    if (!d.token_sent)
      return mirror::MirrorError(401, "GatedRepo",
                                 "Access to " + repo.display() + " is restricted. You must have access to it and be "
                                 "authenticated to access it. Please log in (hf auth login, or HF_TOKEN)." + away);
    return mirror::MirrorError(403, "GatedRepo",
                               "Access to " + repo.display() + " is restricted and your token is not in the authorized "
                               "list. Accept its conditions on the hub with the account of this token." + away);
  }
  // Private or unknown: the hub's answer for a repo that does not exist, so nothing leaks.
  return mirror::MirrorError(d.token_sent ? 404 : 401, "RepoNotFound",
                             "Repository not found: " + repo.display() +
                                 ". If it is private, send a hub token that can read it (hf auth login, or HF_TOKEN)." +
                                 away);
}

}  // namespace hfcache::server
