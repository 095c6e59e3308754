#include "api/pin_call.hpp"

#include <nlohmann/json.hpp>

#include "api/repo_field.hpp"
#include "core/revision.hpp"

namespace hfcache::api {

using nlohmann::json;

json to_json(const PinRequest& request) {
  json j = {{"revision", request.revision}};
  write_repo_field(j, request.repo);
  return j;
}

PinRequest read_pin_request(ObjectReader& reader, bool pinned) {
  auto parsed = read_repo_field(reader, true);
  PinRequest request{parsed.repo, reader.string("revision").value_or(parsed.revision.value_or("main")), pinned};
  core::validate_revision(request.revision);
  return request;
}

json to_json(const PinAnswer& a) {
  json j = {{"commit", a.commit}, {"pinned", a.pinned}};
  write_repo_id(j, a.repo);
  return j;
}

PinAnswer pin_answer_from_json(const json& j) {
  ObjectReader reader(j, "the answer to /v1/pins");
  PinAnswer a;
  a.repo = read_repo_id(reader);
  a.commit = reader.string("commit").value_or("");
  a.pinned = reader.boolean("pinned", false);
  return a;
}

}  // namespace hfcache::api
