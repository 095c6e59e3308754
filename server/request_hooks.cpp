#include "request_hooks.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

#include "admin_auth.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "daemon_context.hpp"
#include "util/utf8.hpp"

namespace hfcache::server {
namespace {

using Clock = std::chrono::steady_clock;

// A request is handled start to end on one thread, so the start time can live there.
thread_local Clock::time_point request_started;

bool is_api_path(const std::string& path) { return path.starts_with("/v1/") || path == "/metrics"; }

// What of an API request is not UTF-8 once percent-decoded (the path, or the first such query
// parameter, named), or empty. Every handler, its errors and the JSON they write take text as UTF-8.
std::string non_utf8_part(const httplib::Request& req) {
  if (!util::is_valid_utf8(req.path)) return "the request path";
  for (const auto& [name, value] : req.params) {
    if (!util::is_valid_utf8(name)) return "a query parameter name";
    if (!util::is_valid_utf8(value)) return "query parameter '" + name + "'";
  }
  return {};
}

httplib::Server::HandlerResponse refuse(httplib::Response& res, AdminDecision decision, const Runtime& runtime) {
  switch (decision) {
    case AdminDecision::missing_token:
      send_error(res, 401, "unauthorized", "this call changes the cache and needs the admin token",
                 "send `Authorization: Bearer <token>` (the hfcache CLI sends HFCACHE_ADMIN_TOKEN or the content of "
                 "admin_token_file)");
      break;
    case AdminDecision::wrong_token:
      // Also a user's hub token (the CLI sends it when it has no admin token): not the admin's.
      send_error(res, 401, "unauthorized", "this call changes the cache and needs the admin token; the token sent is not it",
                 "send the token in the daemon's admin_token_file as `Authorization: Bearer <token>` (the hfcache "
                 "CLI sends HFCACHE_ADMIN_TOKEN or the content of admin_token_file)");
      break;
    case AdminDecision::cross_site:
      send_error(res, 403, "forbidden", "refused: admin calls are not taken from web pages or other sites",
                 "call the daemon from the hfcache CLI or curl at 127.0.0.1 or localhost, without an Origin header");
      break;
    default:
      send_error(res, 403, "forbidden",
                 "admin calls are refused: the daemon listens on " + runtime.settings.listen +
                     " (not loopback) and no admin token is configured",
                 "set admin_token_file in the daemon's config and reload it (SIGHUP), or listen on 127.0.0.1");
      break;
  }
  res.set_header("WWW-Authenticate", "Bearer");
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

void install_request_hooks(httplib::Server& http, ApiServices& api, MirrorHandler mirror) {
  http.set_pre_routing_handler([&api, mirror = std::move(mirror)](const httplib::Request& req, httplib::Response& res) {
    request_started = Clock::now();
    if (!is_api_path(req.path)) {
      if (!mirror || (req.method != "GET" && req.method != "HEAD")) return httplib::Server::HandlerResponse::Unhandled;
      mirror(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    api.context.metrics.requests_api++;
    if (auto part = non_utf8_part(req); !part.empty()) {
      send_error(res, 400, "bad_request", part + " is not valid UTF-8 once percent-decoded",
                 "percent-encode the UTF-8 bytes of the text (for example %C3%A9 for \u00e9)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!is_admin_call(req.method, req.path)) return httplib::Server::HandlerResponse::Unhandled;
    auto runtime = api.context.runtime();
    auto decision = looks_cross_site(*runtime, req.get_header_value("Host"), req.get_header_value("Origin"),
                                     req.get_header_value("Sec-Fetch-Site"))
                        ? AdminDecision::cross_site
                        : check_admin(*runtime, req.get_header_value("Authorization"));
    if (decision == AdminDecision::allowed) return httplib::Server::HandlerResponse::Unhandled;
    // Off loopback without a token, the start-up warning already said so: one line per refusal
    // would only repeat it. Missing and wrong tokens are worth a warning each (someone is trying).
    auto level = decision == AdminDecision::no_token_configured ? spdlog::level::debug : spdlog::level::warn;
    spdlog::log(level, "refused {} {} from {}: {}", req.method, req.path, req.remote_addr,
                decision == AdminDecision::missing_token ? "no admin token"
                : decision == AdminDecision::cross_site  ? "a cross-site request (a web page, or DNS rebinding)"
                : decision == AdminDecision::wrong_token ? "wrong admin token"
                                                         : "admin calls disabled off loopback without a token");
    return refuse(res, decision, *runtime);
  });

  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    send_exception(res, error);
  });

  // Unknown /v1 routes and bodiless errors get the JSON error shape; the mirror's own errors
  // (hub-style, possibly bodiless for HEAD) are left alone.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!is_api_path(req.path) || !res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 404) send_error(res, 404, "not_found", "no such route: " + req.method + " " + req.path,
                                      "see docs/rest-api.md for the routes");
    else if (res.status == 405) send_error(res, 405, "bad_request", "method not allowed: " + req.method + " " + req.path);
    else return httplib::Server::HandlerResponse::Unhandled;
    return httplib::Server::HandlerResponse::Handled;
  }));

  // Counted before the response goes out (httplib calls this just before writing the status line): a
  // client that reads /metrics right after an error must see it counted; the logger runs after.
  http.set_post_routing_handler([&api](const httplib::Request& req, httplib::Response& res) {
    auto& metrics = api.context.metrics;
    if (res.status >= 500) metrics.responses_5xx++;
    else if (res.status >= 400) metrics.responses_4xx++;
    if (is_api_path(req.path)) metrics.bytes_served += res.body.size();
  });

  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - request_started).count();
    auto level = res.status >= 500 ? spdlog::level::warn : spdlog::level::debug;
    if (!spdlog::should_log(level)) return;
    spdlog::log(level, "{} {} {} {} bytes {} ms{}", req.method, req.path, res.status, res.body.size(), ms,
                res.get_header_value("X-Cache").empty() ? "" : " " + res.get_header_value("X-Cache"));
  });
}

}  // namespace hfcache::server
