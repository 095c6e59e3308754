#pragma once
// GET /v1/path?repo=R&revision=V&file=F&type=T: the question `hfcache path` answers from the cache
// folder, and the answer {"path", "commit"} (or the bare path and a newline for Accept: text/plain).
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "core/repo_id.hpp"

namespace hfcache::api {

struct PathRequest {
  core::RepoRef repo;
  std::string revision = "main";
  std::optional<std::string> file;  // nullopt: the snapshot folder
};
nlohmann::json to_json(const PathRequest& request);
// REPO@REV accepted; revision and file validated (UsageError).
PathRequest read_path_request(ObjectReader& query);

struct PathAnswer {
  std::string path;
  std::string commit;
  bool operator==(const PathAnswer&) const = default;
};
nlohmann::json to_json(const PathAnswer& answer);
PathAnswer path_answer_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
