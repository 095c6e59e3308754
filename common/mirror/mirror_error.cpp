#include "mirror/mirror_error.hpp"

#include "core/errors.hpp"
#include "hub/hub_client.hpp"

namespace hfcache::mirror {
MirrorError to_mirror_error(const std::exception& error) {
  if (const auto* m = dynamic_cast<const MirrorError*>(&error)) return *m;
  if (const auto* entry = dynamic_cast<const hub::EntryNotFoundError*>(&error)) {
    return MirrorError(404, "EntryNotFound", entry->what(), entry->commit);
  }
  if (dynamic_cast<const hub::UpstreamLoopError*>(&error)) return MirrorError(508, "LoopDetected", error.what());
  if (const auto* typed = dynamic_cast<const Error*>(&error)) {
    std::string message = typed->what();
    if (!typed->hint().empty()) message += " (" + typed->hint() + ")";
    switch (typed->code()) {
      case ExitCode::not_found: {
        // The upstream's own code when it sent one; a bare 404 reads as RepoNotFound, as the hub's clients read it.
        const auto* hub_error = dynamic_cast<const hub::HubNotFoundError*>(&error);
        return MirrorError(404, hub_error && !hub_error->hub_code.empty() ? hub_error->hub_code : "RepoNotFound", message);
      }
      case ExitCode::auth: {
        const auto* hub_error = dynamic_cast<const hub::HubAuthError*>(&error);
        return MirrorError(401, hub_error && hub_error->hub_code == "GatedRepo" ? "GatedRepo" : "RepoNotFound", message);
      }
      case ExitCode::offline: return MirrorError(status_upstream_unreachable, "", message);
      case ExitCode::usage: return MirrorError(400, "", message);
      case ExitCode::integrity: return MirrorError(502, "", message);
      default: return MirrorError(500, "", message);
    }
  }
  return MirrorError(500, "", std::string("internal error: ") + error.what());
}

}  // namespace hfcache::mirror
