// GET /v1/export: the portable archive of `hfcache export`, streamed as it is written (chunked),
// so memory stays flat whatever the size of the repos.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/export_request.hpp"
#include "api/routes.hpp"
#include "access_check.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "archive/exporter.hpp"
#include "core/errors.hpp"
#include "daemon_context.hpp"

namespace hfcache::server {
namespace {

// The client went away: stop writing the archive.
struct ClientGone : std::runtime_error {
  ClientGone() : std::runtime_error("the client closed the connection") {}
};

}  // namespace

void register_export_routes(httplib::Server& http, ApiServices& api) {
  http.Get(api::routes::export_archive, [&api](const httplib::Request& req, httplib::Response& res) {
    auto request = read_query(req, api::read_export_request);
    const auto& selections = request.selections;
    auto format = request.archive_format();
    auto plan = std::make_shared<archive::ExportPlan>(archive::plan_export(api.context.layout, selections, "hfcached 0.1.0"));
    if (format.zip) {  // refused before the first byte, as the CLI does (400, the list in the message)
      auto problems = archive::windows_problems(*plan);
      auto list = archive::describe(problems);
      if (!problems.empty() && !request.force)
        throw UsageError(std::to_string(problems.size()) + " path(s) cannot be held by Windows:\n" + list.substr(0, list.size() - 1),
                         "rename them upstream, or add force=true to export them anyway");
      if (!problems.empty()) spdlog::warn("export (force): {} path(s) cannot be held by Windows:\n{}", problems.size(), list);
    }
    for (const auto& repo : plan->manifest.repos) require_access(api.context, repo.repo, req.get_header_value("Authorization"));
    // Mark every exported revision in use while the archive streams, so gc and rm leave its blobs alone.
    auto leases = std::make_shared<std::vector<UsageTracker::Lease>>();
    for (const auto& repo : plan->manifest.repos)
      for (const auto& [commit, files] : repo.revisions) leases->push_back(api.context.usage.acquire(repo.repo, commit));
    for (const auto& w : plan->warnings) spdlog::warn("export: {}", w);
    std::string name = selections.size() == 1 ? selections[0].repo.folder_name() : "hfcache-export";
    name += "." + request.suffix();
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_header("X-Hfcache-Blob-Bytes", std::to_string(plan->blob_bytes));
    const char* mime = format.zip                                          ? "application/zip"
                       : format.compression == archive::Compression::none ? "application/x-tar"
                       : format.compression == archive::Compression::gzip ? "application/gzip"
                                                                         : "application/zstd";
    auto* metrics = &api.context.metrics;
    res.set_chunked_content_provider(mime, [plan, leases, format, metrics](std::size_t, httplib::DataSink& sink) {
      try {
        archive::write_export(*plan, [&sink, metrics](const char* data, std::size_t size) {
          if (!sink.write(data, size)) throw ClientGone();
          metrics->bytes_served += size;
        }, format);
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
