#include "api/check_calls.hpp"

#include <nlohmann/json.hpp>

#include "api/repo_field.hpp"

namespace hfcache::api {

using nlohmann::json;

json to_json(const VerifyRequest& request) {
  json j = json::object();
  if (request.repo) write_repo_field(j, *request.repo);
  return j;
}

VerifyRequest read_verify_request(ObjectReader& body) {
  VerifyRequest request;
  if (auto parsed = read_optional_repo_field(body, false)) request.repo = parsed->repo;
  return request;
}

json to_json(const RepairRequest& r) { return {{"dry_run", r.dry_run}, {"verify", r.verify}, {"upstream", r.upstream}}; }

RepairRequest read_repair_request(ObjectReader& body) {
  RepairRequest r;
  r.dry_run = body.boolean("dry_run", false);
  r.verify = body.boolean("verify", false);
  r.upstream = body.boolean("upstream", false);
  return r;
}

json to_json(const ReindexAnswer& a) { return {{"repos", a.repos}, {"seconds", a.seconds}}; }

ReindexAnswer reindex_answer_from_json(const json& j) {
  ObjectReader reader(j, "the answer to POST /v1/reindex");
  return {reader.number("repos"), reader.real("seconds")};
}

}  // namespace hfcache::api
