#pragma once
// GET /v1/export?repo=R[&repo=R2...][&revision=V][&type=T][&format=tar|tar.gz|tar.zst|zip][&force=true]:
// which repos (REPO@REV selects one revision of each) go into the streamed archive, and in which
// format; `force` writes a zip even with paths Windows cannot hold.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/object_reader.hpp"
#include "archive/exporter.hpp"

namespace hfcache::api {

struct ExportRequest {
  std::vector<archive::ExportSelection> selections;
  std::string format = "tar";  // tar, tar.gz, tar.zst (tgz and tzst are read as those) or zip
  bool force = false;
  archive::Compression compression() const;
  archive::ArchiveFormat archive_format() const { return {format == "zip", compression()}; }
  // The file name suffix of the format, for Content-Disposition.
  const std::string& suffix() const { return format; }
};
nlohmann::json to_json(const ExportRequest& request);
// UsageError for no repo, a malformed one, or an unknown format.
ExportRequest read_export_request(ObjectReader& query);

}  // namespace hfcache::api
