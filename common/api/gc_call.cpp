#include "api/gc_call.hpp"

#include <nlohmann/json.hpp>

#include "api/repo_field.hpp"
#include "core/errors.hpp"

namespace hfcache::api {

using nlohmann::json;

json to_json(const GcRequest& request) {
  json j = {{"dry_run", request.dry_run}};
  if (request.max_size) j["max_size"] = *request.max_size;
  return j;
}

GcRequest read_gc_request(ObjectReader& body) {
  GcRequest request;
  if (const auto* max = body.value("max_size")) {
    if (max->is_number_unsigned()) request.max_size = max->get<std::uint64_t>();
    else if (max->is_string()) request.max_size = maintenance::parse_size(max->get<std::string>());
    else throw UsageError("'max_size' must be a size such as \"10G\" or a number of bytes");
  }
  request.dry_run = body.boolean("dry_run", false);
  return request;
}

GcAnswer answer_of(const maintenance::GcPlan& plan, bool dry_run) {
  GcAnswer a;
  a.size_before = plan.size_before;
  a.size_after = plan.size_after;
  a.max_size = plan.max_size;
  for (const auto& e : plan.evictions) a.evicted.push_back({e.repo, e.commits, e.bytes_freed, e.whole_repo});
  a.orphan_blobs = plan.orphan_blobs.size();
  a.skipped = plan.skipped;
  a.fits = plan.fits;
  a.dry_run = dry_run;
  return a;
}

json to_json(const GcAnswer& a) {
  json evicted = json::array();
  for (const auto& e : a.evicted) {
    json j = {{"commits", e.commits}, {"bytes_freed", e.bytes_freed}, {"whole_repo", e.whole_repo}};
    write_repo_id(j, e.repo);
    evicted.push_back(std::move(j));
  }
  return {{"size_before", a.size_before}, {"size_after", a.size_after},     {"max_size", a.max_size},
          {"evicted", std::move(evicted)}, {"orphan_blobs", a.orphan_blobs}, {"skipped", a.skipped},
          {"fits", a.fits},                {"dry_run", a.dry_run}};
}

GcAnswer gc_answer_from_json(const json& j) {
  ObjectReader reader(j, "the answer to POST /v1/gc");
  GcAnswer a;
  a.size_before = reader.number("size_before");
  a.size_after = reader.number("size_after");
  a.max_size = reader.number("max_size");
  if (const auto* evicted = reader.value("evicted")) {
    for (const auto& e : *evicted) {
      ObjectReader item(e, "an eviction");
      a.evicted.push_back(
          {read_repo_id(item), item.strings("commits"), item.number("bytes_freed"), item.boolean("whole_repo", false)});
    }
  }
  a.orphan_blobs = reader.number("orphan_blobs");
  a.skipped = reader.strings("skipped");
  a.fits = reader.boolean("fits", true);
  a.dry_run = reader.boolean("dry_run", false);
  return a;
}

}  // namespace hfcache::api
