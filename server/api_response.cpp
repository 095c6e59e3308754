#include "api_response.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "api/api_error.hpp"
#include "api/routes.hpp"

namespace hfcache::server {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // Messages quote what clients sent (paths, repo ids): a replacing dump never throws on bytes that
  // are not UTF-8, so every error still gets its answer.
  res.set_content(body.dump(2, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, std::string_view code, const std::string& message,
                const std::string& hint) {
  send_json(res, status, api::error_body({std::string(code), message, hint}));
}

void send_exception(httplib::Response& res, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    auto api_error = api::api_error_of(e);
    send_json(res, api::http_status_of(api_error.code), api::error_body(api_error));
  } catch (const json::exception& e) {
    send_error(res, 400, "bad_request", std::string("bad JSON value: ") + e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    spdlog::error("{}", e.what());
    send_error(res, 500, "internal", e.what(), "check the permissions and free space of the cache folder");
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    send_error(res, 500, "internal", e.what());
  } catch (...) {
    send_error(res, 500, "internal", "unknown error");
  }
}

RequestFields RequestFields::body(const httplib::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return RequestFields(json::object(), "the request body of " + req.path);
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception& e) {
    throw UsageError(std::string("the request body is not valid JSON: ") + e.what(),
                     "send a JSON object, as docs/rest-api.md shows for " + req.path);
  }
  return RequestFields(std::move(body), "the request body of " + req.path);
}

RequestFields RequestFields::query(const httplib::Request& req) {
  api::Query query;
  for (const auto& [key, value] : req.params) query.emplace_back(key, value);
  return RequestFields(api::object_of(query), "the query of " + req.path);
}

}  // namespace hfcache::server
