// GET /v1/export: the portable archive of `hfcache export`, streamed as it is written (chunked),
// so memory stays flat whatever the size of the repos.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api_response.hpp"
#include "api_routes.hpp"
#include "archive/exporter.hpp"
#include "core/revision.hpp"
#include "daemon_context.hpp"

namespace hfcache::server {
namespace {

// The client went away: stop writing the archive.
struct ClientGone : std::runtime_error {
  ClientGone() : std::runtime_error("the client closed the connection") {}
};

}  // namespace

void register_export_routes(httplib::Server& http, ApiServices& api) {
  http.Get("/v1/export", [&api](const httplib::Request& req, httplib::Response& res) {
    std::optional<core::RepoType> type;
    if (auto t = query(req, "type")) type = core::parse_repo_type(*t);
    auto revision = query(req, "revision");
    std::vector<archive::ExportSelection> selections;
    auto count = req.get_param_value_count("repo");
    if (count == 0) throw UsageError("'repo' is missing", "give repo=org/name (repeat repo= for several)");
    for (std::size_t i = 0; i < count; ++i) {
      auto parsed = core::parse_repo_arg(req.get_param_value("repo", i), type, true);
      auto rev = parsed.revision ? parsed.revision : revision;
      if (rev) core::validate_revision(*rev);
      selections.push_back({parsed.repo, rev});
    }
    std::string format = query(req, "format").value_or("tar");
    archive::Compression compression;
    if (format == "tar") compression = archive::Compression::none;
    else if (format == "tar.gz" || format == "tgz") compression = archive::Compression::gzip;
    else if (format == "tar.zst" || format == "tzst") compression = archive::Compression::zstd;
    else throw UsageError("unknown export format '" + format + "'", "use format=tar, tar.gz or tar.zst");

    auto plan = std::make_shared<archive::ExportPlan>(archive::plan_export(api.context.layout, selections, "hfcached 0.1.0"));
    // Mark every exported revision in use while the archive streams, so gc and rm leave its blobs alone.
    auto leases = std::make_shared<std::vector<UsageTracker::Lease>>();
    for (const auto& repo : plan->manifest.repos)
      for (const auto& [commit, files] : repo.revisions) leases->push_back(api.context.usage.acquire(repo.repo, commit));
    for (const auto& w : plan->warnings) spdlog::warn("export: {}", w);
    std::string name = selections.size() == 1 ? selections[0].repo.folder_name() : "hfcache-export";
    name += "." + (format == "tgz" ? std::string("tar.gz") : format == "tzst" ? std::string("tar.zst") : format);
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_header("X-Hfcache-Blob-Bytes", std::to_string(plan->blob_bytes));
    const char* mime = compression == archive::Compression::none   ? "application/x-tar"
                       : compression == archive::Compression::gzip ? "application/gzip"
                                                                   : "application/zstd";
    auto* metrics = &api.context.metrics;
    res.set_chunked_content_provider(mime, [plan, leases, compression, metrics](std::size_t, httplib::DataSink& sink) {
      try {
        archive::write_export(*plan, [&sink, metrics](const char* data, std::size_t size) {
          if (!sink.write(data, size)) throw ClientGone();
          metrics->bytes_served += size;
        }, compression);
      } catch (const ClientGone&) {
        return false;
      } catch (const std::exception& e) {
        // Headers are gone already: all we can do is end the stream early, so the client sees a
        // truncated chunked body (an error) rather than a complete-looking archive.
        spdlog::error("export failed mid-stream: {}", e.what());
        return false;
      }
      sink.done();
      return true;
    });
  });
}

}  // namespace hfcache::server
