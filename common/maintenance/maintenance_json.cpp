#include "maintenance/maintenance_json.hpp"

namespace hfcache::maintenance {

nlohmann::json remove_plan_json(const RemovePlan& plan, bool dry_run) {
  return {{"type", core::to_string(plan.repo.type)}, {"id", plan.repo.id},         {"commits", plan.commits},
          {"refs", plan.refs},                       {"blobs", plan.blobs.size()}, {"bytes_freed", plan.bytes_freed},
          {"whole_repo", plan.whole_repo},           {"dry_run", dry_run}};
}

nlohmann::json gc_plan_json(const GcPlan& plan, bool dry_run) {
  auto evicted = nlohmann::json::array();
  for (const auto& e : plan.evictions)
    evicted.push_back({{"type", core::to_string(e.repo.type)}, {"id", e.repo.id}, {"commits", e.commits},
                       {"bytes_freed", e.bytes_freed}, {"whole_repo", e.whole_repo}});
  return {{"size_before", plan.size_before},
          {"size_after", plan.size_after},
          {"max_size", plan.max_size},
          {"evicted", std::move(evicted)},
          {"orphan_blobs", plan.orphan_blobs.size()},
          {"skipped", plan.skipped},
          {"fits", plan.fits},
          {"dry_run", dry_run}};
}

}  // namespace hfcache::maintenance
