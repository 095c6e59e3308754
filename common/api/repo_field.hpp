#pragma once
// How a request names a repo: `repo` in any form the CLI accepts (org/name, datasets/org/name, a hub
// URL, REPO@REV where the route takes a revision) and an optional `type`; answers name it as `type`
// plus `id`. One reading for every body and query of the API.
#include <optional>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "core/repo_id.hpp"

namespace hfcache::api {

// {"repo": id, "type": "model"}: what a client sends.
void write_repo_field(nlohmann::json& object, const core::RepoRef& repo);
// UsageError when `repo` is missing or malformed.
core::ParsedRepoArg read_repo_field(ObjectReader& reader, bool allow_at_revision);
// The same for calls where the repo is optional (verify): nullopt without `repo`.
std::optional<core::ParsedRepoArg> read_optional_repo_field(ObjectReader& reader, bool allow_at_revision);

// {"type": "model", "id": id}: how an answer names a repo.
void write_repo_id(nlohmann::json& object, const core::RepoRef& repo);
core::RepoRef read_repo_id(ObjectReader& reader);

}  // namespace hfcache::api
