#include "api_response.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "core/error_codes.hpp"

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
  json error = {{"code", code}, {"message", message}};
  if (!hint.empty()) error["hint"] = hint;
  send_json(res, status, {{"error", error}});
}

void send_error(httplib::Response& res, const Error& error) {
  send_error(res, core::http_status_for(error.code()), core::error_code_name(error.code()), error.what(), error.hint());
}

void send_exception(httplib::Response& res, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    send_error(res, e);
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

json parse_body(const httplib::Request& req, std::initializer_list<std::string_view> allowed) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception& e) {
    throw UsageError(std::string("the request body is not valid JSON: ") + e.what(),
                     "send a JSON object, as docs/rest-api.md shows for " + req.path);
  }
  if (!body.is_object()) throw UsageError("the request body must be a JSON object", "see docs/rest-api.md for " + req.path);
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      std::string keys;
      for (auto a : allowed) keys += (keys.empty() ? "" : ", ") + std::string(a);
      throw UsageError("unknown key '" + key + "' in the request body of " + req.path,
                       keys.empty() ? "send no body" : "the keys are: " + keys);
    }
  }
  return body;
}

std::optional<std::string> string_field(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw UsageError(std::string("'") + key + "' must be a string");
  auto value = it->get<std::string>();
  if (value.empty()) return std::nullopt;
  return value;
}

bool bool_field(const json& body, const char* key, bool fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw UsageError(std::string("'") + key + "' must be true or false");
  return it->get<bool>();
}

std::optional<std::string> query(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) return std::nullopt;
  auto value = req.get_param_value(key);
  if (value.empty()) return std::nullopt;
  return value;
}

bool query_flag(const httplib::Request& req, const char* key) {
  auto value = query(req, key);
  return value && (*value == "1" || *value == "true" || *value == "yes");
}

}  // namespace hfcache::server
