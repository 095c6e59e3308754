#pragma once
// POST /v1/gc: the body {"max_size": "10G" | N, "dry_run"} `hfcache gc` sends, and the answer
// {"size_before", "size_after", "max_size", "evicted": [...], "orphan_blobs": N, "skipped", "fits",
// "dry_run"} it prints.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "maintenance/gc.hpp"

namespace hfcache::api {

struct GcRequest {
  std::optional<std::uint64_t> max_size;  // nullopt: only orphan blobs and stale temp files go
  bool dry_run = false;
};
nlohmann::json to_json(const GcRequest& request);
// `max_size` as bytes or a size text ("10G"); UsageError for anything else.
GcRequest read_gc_request(ObjectReader& body);

struct Eviction {
  core::RepoRef repo;
  std::vector<std::string> commits;
  std::uint64_t bytes_freed = 0;
  bool whole_repo = false;
  bool operator==(const Eviction&) const = default;
};

struct GcAnswer {
  std::uint64_t size_before = 0, size_after = 0, max_size = 0;
  std::vector<Eviction> evicted;
  std::size_t orphan_blobs = 0;
  std::vector<std::string> skipped;  // "repo@commit: pinned" / ": in use"
  bool fits = true;
  bool dry_run = false;
  bool operator==(const GcAnswer&) const = default;
};
GcAnswer answer_of(const maintenance::GcPlan& plan, bool dry_run);
nlohmann::json to_json(const GcAnswer& answer);
GcAnswer gc_answer_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
