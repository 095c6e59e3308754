#include "access/hub_upstream.hpp"

#include <spdlog/spdlog.h>

#include "hub/hub_client.hpp"

namespace hfcache::access {

Upstream hub_upstream(std::shared_ptr<hub::HubClient> hub, hub::CallLimits limits) {
  Upstream up;
  up.restriction = [hub, limits](const core::RepoRef& repo) -> std::optional<Restriction> {
    try {
      auto v = hub->repo_visibility(repo, limits);
      return v.is_private ? Restriction::private_repo : v.gated ? Restriction::gated : Restriction::open;
    } catch (const NotFoundError&) {
      return Restriction::private_repo;  // hidden from the daemon's identity: private, or no such repo
    } catch (const hub::HubAuthError& e) {
      // The hub shows a gated repo's info to anyone; an upstream hfcached (tiers) refuses it with
      // GatedRepo to a daemon without a token, which says the same.
      if (e.hub_code == "GatedRepo") return Restriction::gated;
      spdlog::debug("access: the status of {} could not be learnt: {}", repo.display(), e.what());
      return std::nullopt;
    } catch (const hub::UpstreamLoopError&) {
      throw;  // a loop in the tiers is answered 508 along the chain, not taken for an upstream away
    } catch (const std::exception& e) {
      // A refused daemon token or an unreachable hub: keep what is known (unknown = restricted).
      spdlog::debug("access: the status of {} could not be learnt: {}", repo.display(), e.what());
      return std::nullopt;
    }
  };
  up.check = [hub, limits](const core::RepoRef& repo, const std::string& token) {
    try {
      hub->with_token(token)->auth_check(repo, limits);
      return CheckAnswer::granted;
    } catch (const NotFoundError&) {
      return CheckAnswer::refused;
    } catch (const AuthError&) {
      return CheckAnswer::refused;
    } catch (const hub::UpstreamLoopError&) {
      throw;
    } catch (const std::exception& e) {
      spdlog::debug("access: the upstream could not check a token for {}: {}", repo.display(), e.what());
      return CheckAnswer::unreachable;
    }
  };
  return up;
}

}  // namespace hfcache::access
