#include "mirror/mirror_error.hpp"

#include "core/errors.hpp"
#include "hub/hub_client.hpp"

namespace hfcache::mirror {
namespace {

// hub_errors.cpp gives a RevisionNotFound this hint and gated repos this wording; the typed errors
// carry no X-Error-Code of their own.
constexpr std::string_view revision_hint = "check the branch, tag or commit name";
constexpr std::string_view gated_words = " is gated";

}  // namespace

MirrorError to_mirror_error(const std::exception& error) {
  if (const auto* m = dynamic_cast<const MirrorError*>(&error)) return *m;
  if (const auto* entry = dynamic_cast<const hub::EntryNotFoundError*>(&error)) {
    return MirrorError(404, "EntryNotFound", entry->what(), entry->commit);
  }
  if (const auto* typed = dynamic_cast<const Error*>(&error)) {
    std::string message = typed->what();
    if (!typed->hint().empty()) message += " (" + typed->hint() + ")";
    switch (typed->code()) {
      case ExitCode::not_found:
        return MirrorError(404, typed->hint() == revision_hint ? "RevisionNotFound" : "RepoNotFound", message);
      case ExitCode::auth:
        if (std::string_view(typed->what()).find(gated_words) != std::string_view::npos) {
          return MirrorError(401, "GatedRepo", message);
        }
        return MirrorError(401, "RepoNotFound", message);
      case ExitCode::offline: return MirrorError(status_upstream_unreachable, "", message);
      case ExitCode::usage: return MirrorError(400, "", message);
      case ExitCode::integrity: return MirrorError(502, "", message);
      default: return MirrorError(500, "", message);
    }
  }
  return MirrorError(500, "", std::string("internal error: ") + error.what());
}

}  // namespace hfcache::mirror
