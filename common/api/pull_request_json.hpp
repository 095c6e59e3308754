#pragma once
// POST /v1/pulls: the pull::PullRequest itself travels, as {"repo", "type", "revision", "include",
// "exclude"}; `offline` and `on_commit` stay on the side that runs the pull (the daemon pulls with
// its own upstream). The key a daemon shares identical pulls by is derived from the same fields.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "pull/puller.hpp"

namespace hfcache::api {

nlohmann::json to_json(const pull::PullRequest& request);
// Validates as the CLI does (repo id, revision; REPO@REV accepted); UsageError naming the field.
pull::PullRequest read_pull_request(ObjectReader& reader);

// Equal for pulls that fetch the same thing: type, repo, revision, include and exclude.
std::string pull_identity(const pull::PullRequest& request);

}  // namespace hfcache::api
