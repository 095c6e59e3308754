#pragma once
// POST /v1/verify {"repo"?, "type"?}, POST /v1/repair {"dry_run", "verify", "upstream"} and POST
// /v1/reindex. The answers of verify and repair are the repair::RepairReport, whose JSON (the
// objects `hfcache verify --json` and `repair --json` print) is repair/report_json.hpp; reindex
// answers {"repos": N, "seconds": F}.
#include <cstddef>
#include <optional>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "core/repo_id.hpp"

namespace hfcache::api {

struct VerifyRequest {
  std::optional<core::RepoRef> repo;  // nullopt: the whole cache
};
nlohmann::json to_json(const VerifyRequest& request);
VerifyRequest read_verify_request(ObjectReader& body);

struct RepairRequest {
  bool dry_run = false;
  bool verify = false;    // also hash every blob a correct link points at
  bool upstream = false;  // ask the upstream's file listing for placeholders no local listing explains
};
nlohmann::json to_json(const RepairRequest& request);
RepairRequest read_repair_request(ObjectReader& body);

struct ReindexAnswer {
  std::size_t repos = 0;
  double seconds = 0;
  bool operator==(const ReindexAnswer&) const = default;
};
nlohmann::json to_json(const ReindexAnswer& answer);
ReindexAnswer reindex_answer_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
