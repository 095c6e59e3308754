#pragma once
// POST /v1/pins {"repo", "type", "revision"} and DELETE /v1/pins?repo=R&type=T&revision=V: what
// `hfcache pin`/`unpin` ask, and the answer {"type", "id", "commit", "pinned"} they print.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "core/repo_id.hpp"

namespace hfcache::api {

struct PinRequest {
  core::RepoRef repo;
  std::string revision = "main";  // a branch, tag, refs/pr/N or commit, resolved in the cache
  bool pinned = true;             // false: unpin (DELETE)
};
// The body of POST, or the query of DELETE (api::query_of); `pinned` travels as the method.
nlohmann::json to_json(const PinRequest& request);
// REPO@REV accepted; revision validated.
PinRequest read_pin_request(ObjectReader& reader, bool pinned);

struct PinAnswer {
  core::RepoRef repo;
  std::string commit;
  bool pinned = false;
  bool operator==(const PinAnswer&) const = default;
};
nlohmann::json to_json(const PinAnswer& answer);
PinAnswer pin_answer_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
