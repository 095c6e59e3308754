#include "access_check.hpp"

#include <algorithm>
#include <cctype>

#include "access/hub_upstream.hpp"
#include "admin_auth.hpp"
#include "daemon_context.hpp"
#include "hub/hub_client.hpp"
#include "mirror/mirror_error.hpp"

namespace hfcache::server {

std::string bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return {};
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return std::string(token);
}

AccessCheck::AccessCheck(const std::filesystem::path& state_dir, const std::filesystem::path& index_db,
                         const access::AccessOptions& options)
    : store_(std::make_unique<access::AccessStore>(index_db)),
      control_(std::make_unique<access::AccessControl>(*store_, access::TokenKeyer::from_state_dir(state_dir), options)) {}

AccessCheck::~AccessCheck() = default;

namespace {

bool is_admin(std::string_view authorization, const Runtime& runtime) {
  return !runtime.admin_token.empty() && !authorization.empty() &&
         check_admin(runtime, authorization) == AdminDecision::allowed;
}

}  // namespace

AccessOutcome AccessCheck::check(const core::RepoRef& repo, std::string_view authorization, const Runtime& runtime) {
  AccessOutcome out;
  out.fetch_hub = runtime.hub;
  if (runtime.settings.access == "open" || is_admin(authorization, runtime)) {
    out.allowed = true;
    out.decision.allowed = true;
    return out;
  }
  auto token = bearer_token(authorization);
  access::Upstream upstream;
  if (runtime.hub) {
    auto limits = hub::CallLimits::within(std::chrono::seconds(std::max(runtime.settings.upstream_request_timeout_s, 5)));
    upstream = access::hub_upstream(runtime.hub, limits);
  }
  out.decision = control_->decide(repo, token, runtime.hub ? &upstream : nullptr);
  out.allowed = out.decision.allowed;
  // The daemon's own token fetches content; without one, the granted client's does (the hub
  // client sends it to the endpoint's host only, never to the CDN).
  if (out.allowed && access::restricted(out.decision.restriction) && runtime.hub && !runtime.hub->options().token &&
      !token.empty())
    out.fetch_hub = std::shared_ptr<hub::HubClient>(runtime.hub->with_token(token));
  return out;
}

bool AccessCheck::may_list(const core::RepoRef& repo, std::string_view authorization, const Runtime& runtime,
                           bool learn) {
  if (runtime.settings.access == "open" || is_admin(authorization, runtime)) return true;
  auto known = control_->known_restriction(repo);
  if (learn && runtime.hub) {
    auto limits = hub::CallLimits::within(std::chrono::seconds(std::max(runtime.settings.upstream_request_timeout_s, 5)));
    auto upstream = access::hub_upstream(runtime.hub, limits);
    try {
      known = control_->learn_restriction(repo, &upstream);
    } catch (const hub::UpstreamLoopError&) {
      // A loop in the tiers: a listing shows what is known (unknown = restricted); files answer 508.
    }
  }
  if (!access::restricted(known)) return true;
  return control_->remembered_grant(repo, bearer_token(authorization), runtime.hub != nullptr);
}

std::shared_ptr<hub::HubClient> require_access(DaemonContext& context, const core::RepoRef& repo,
                                               std::string_view authorization) {
  auto runtime = context.runtime();
  if (!context.access || !runtime) return nullptr;
  auto outcome = context.access->check(repo, authorization, *runtime);
  if (outcome.allowed) return outcome.fetch_hub != runtime->hub ? outcome.fetch_hub : nullptr;
  auto refusal = access_refusal(repo, outcome.decision);
  if (refusal.status() >= 500) throw OfflineError(refusal.what(), "try again when the upstream is reachable");
  if (refusal.code() == "GatedRepo") throw AuthError(refusal.what(), "use HF_ENDPOINT with your own token, or the admin token");
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
