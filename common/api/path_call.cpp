#include "api/path_call.hpp"

#include <nlohmann/json.hpp>

#include "api/repo_field.hpp"
#include "core/cache_layout.hpp"
#include "core/revision.hpp"

namespace hfcache::api {

using nlohmann::json;

json to_json(const PathRequest& request) {
  json j = {{"revision", request.revision}};
  write_repo_field(j, request.repo);
  if (request.file) j["file"] = *request.file;
  return j;
}

PathRequest read_path_request(ObjectReader& query) {
  auto parsed = read_repo_field(query, true);
  PathRequest request{parsed.repo, query.string("revision").value_or(parsed.revision.value_or("main")),
                      query.string("file")};
  core::validate_revision(request.revision);
  if (request.file) core::validate_repo_path(*request.file);
  return request;
}

json to_json(const PathAnswer& a) { return {{"path", a.path}, {"commit", a.commit}}; }

PathAnswer path_answer_from_json(const json& j) {
  ObjectReader reader(j, "the answer to GET /v1/path");
  return {reader.string("path").value_or(""), reader.string("commit").value_or("")};
}

}  // namespace hfcache::api
