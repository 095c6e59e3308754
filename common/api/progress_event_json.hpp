#pragma once
// The `progress` events of GET /v1/pulls/{id}/events: each pull::ProgressEvent the daemon's puller
// reports, as {"kind", "path", "file_done", "file_total", "bytes_done", "bytes_total", "files_done",
// "files_total", "message"}, read back into the same event that drives the CLI's progress bar.
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "pull/progress.hpp"

namespace hfcache::api {

std::string_view to_string(pull::ProgressEvent::Kind kind);
std::optional<pull::ProgressEvent::Kind> progress_kind_from_string(std::string_view text);

nlohmann::json to_json(const pull::ProgressEvent& event);
// Missing fields read as 0 or ""; an unknown kind (a newer daemon) reads as a bytes event.
pull::ProgressEvent progress_event_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
