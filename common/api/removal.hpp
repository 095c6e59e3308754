#pragma once
// DELETE /v1/repos/{type}s/{id}[?revision=REV][&dry_run=1]: what `hfcache rm` asks, and the answer
// {"type", "id", "commits", "refs", "blobs": N, "bytes_freed", "whole_repo", "dry_run"} it prints.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "api/routes.hpp"
#include "maintenance/remove.hpp"

namespace hfcache::api {

struct RemoveRequest {
  core::RepoRef repo;
  std::optional<std::string> revision;  // nullopt: the whole repo
  bool dry_run = false;
};
Target target_of(const RemoveRequest& request);
// `repo` from the route, the rest from the query (revision validated).
RemoveRequest read_remove_request(const core::RepoRef& repo, ObjectReader& query);

struct RemoveAnswer {
  core::RepoRef repo;
  std::vector<std::string> commits, refs;
  std::size_t blobs = 0;
  std::uint64_t bytes_freed = 0;
  bool whole_repo = false;
  bool dry_run = false;
  bool operator==(const RemoveAnswer&) const = default;
};
RemoveAnswer answer_of(const maintenance::RemovePlan& plan, bool dry_run);
nlohmann::json to_json(const RemoveAnswer& answer);
RemoveAnswer remove_answer_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
