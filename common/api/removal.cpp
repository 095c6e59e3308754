#include "api/removal.hpp"

#include <nlohmann/json.hpp>

#include "api/repo_field.hpp"
#include "core/revision.hpp"

namespace hfcache::api {

using nlohmann::json;

Target target_of(const RemoveRequest& request) {
  Target target{repo_route(request.repo)};
  if (request.revision) target.query.emplace_back("revision", *request.revision);
  if (request.dry_run) target.query.emplace_back("dry_run", "1");
  return target;
}

RemoveRequest read_remove_request(const core::RepoRef& repo, ObjectReader& query) {
  RemoveRequest request{repo, query.string("revision"), query.boolean("dry_run", false)};
  if (request.revision) core::validate_revision(*request.revision);
  return request;
}

RemoveAnswer answer_of(const maintenance::RemovePlan& plan, bool dry_run) {
  return {plan.repo, plan.commits, plan.refs, plan.blobs.size(), plan.bytes_freed, plan.whole_repo, dry_run};
}

json to_json(const RemoveAnswer& a) {
  json j = {{"commits", a.commits},         {"refs", a.refs},   {"blobs", a.blobs}, {"bytes_freed", a.bytes_freed},
            {"whole_repo", a.whole_repo}, {"dry_run", a.dry_run}};
  write_repo_id(j, a.repo);
  return j;
}

RemoveAnswer remove_answer_from_json(const json& j) {
  ObjectReader reader(j, "the answer to DELETE /v1/repos");
  RemoveAnswer a;
  a.repo = read_repo_id(reader);
  a.commits = reader.strings("commits");
  a.refs = reader.strings("refs");
  a.blobs = reader.number("blobs");
  a.bytes_freed = reader.number("bytes_freed");
  a.whole_repo = reader.boolean("whole_repo", false);
  a.dry_run = reader.boolean("dry_run", false);
  return a;
}

}  // namespace hfcache::api
