#include "api/export_request.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/revision.hpp"

namespace hfcache::api {

using nlohmann::json;

archive::Compression ExportRequest::compression() const {
  if (format == "tar.gz") return archive::Compression::gzip;
  if (format == "tar.zst") return archive::Compression::zstd;
  return archive::Compression::none;
}

json to_json(const ExportRequest& request) {
  json repos = json::array();
  for (const auto& s : request.selections)
    repos.push_back(s.repo.display() + (s.revision ? "@" + *s.revision : ""));
  json out{{"repo", std::move(repos)}, {"format", request.format}};
  if (request.force) out["force"] = "true";
  return out;
}

ExportRequest read_export_request(ObjectReader& query) {
  std::optional<core::RepoType> type;
  if (auto t = query.string("type")) type = core::parse_repo_type(*t);
  auto revision = query.string("revision");
  ExportRequest request;
  auto repos = query.strings("repo");
  if (repos.empty()) throw UsageError("'repo' is missing", "give repo=org/name (repeat repo= for several)");
  for (const auto& text : repos) {
    auto parsed = core::parse_repo_arg(text, type, true);
    auto rev = parsed.revision ? parsed.revision : revision;
    if (rev) core::validate_revision(*rev);
    request.selections.push_back({parsed.repo, rev});
  }
  auto format = query.string("format").value_or("tar");
  if (format == "tgz") format = "tar.gz";
  if (format == "tzst") format = "tar.zst";
  if (format != "tar" && format != "tar.gz" && format != "tar.zst" && format != "zip")
    throw UsageError("unknown export format '" + format + "'", "use format=tar, tar.gz, tar.zst or zip");
  request.format = format;
  auto force = query.string("force").value_or("false");
  if (force != "true" && force != "false" && force != "1" && force != "0")
    throw UsageError("'force' must be true or false, not '" + force + "'");
  request.force = force == "true" || force == "1";
  return request;
}

}  // namespace hfcache::api
