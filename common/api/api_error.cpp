#include "api/api_error.hpp"

#include <nlohmann/json.hpp>

namespace hfcache::api {

using nlohmann::json;

namespace {

std::string_view code_of(ExitCode code) {
  switch (code) {
    case ExitCode::usage: return "bad_request";
    case ExitCode::not_found: return "not_found";
    case ExitCode::auth: return "unauthorized";
    case ExitCode::offline: return "offline";
    case ExitCode::integrity: return "integrity";
    default: return "internal";
  }
}

std::string text_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

json to_json(const ApiError& error) { return {{"code", error.code}, {"message", error.message}, {"hint", error.hint}}; }

ApiError api_error_from_json(const json& j) {
  ApiError error;
  if (j.is_string()) {
    error.message = j.get<std::string>();
    error.code.clear();
    return error;
  }
  if (!j.is_object()) return error;
  error.code = text_field(j, "code");
  error.message = text_field(j, "message");
  error.hint = text_field(j, "hint");
  return error;
}

ApiError api_error_of(const Error& error) {
  std::string code(dynamic_cast<const InUseError*>(&error) ? "in_use" : code_of(error.code()));
  return {code, error.what(), error.hint()};
}

int http_status_of(std::string_view code) {
  if (code == "bad_request") return 400;
  if (code == "unauthorized") return 401;
  if (code == "forbidden") return 403;
  if (code == "not_found") return 404;
  if (code == "in_use" || code == "integrity") return 409;
  if (code == "offline") return 503;
  return 500;
}

ExitCode exit_code_of(std::string_view code, int http_status) {
  if (code == "bad_request") return ExitCode::usage;
  if (code == "not_found") return ExitCode::not_found;
  if (code == "unauthorized" || code == "forbidden") return ExitCode::auth;
  if (code == "offline") return ExitCode::offline;
  if (code == "integrity") return ExitCode::integrity;
  if (code == "internal" || code == "in_use") return ExitCode::failure;
  switch (http_status) {
    case 400: return ExitCode::usage;
    case 401:
    case 403: return ExitCode::auth;
    case 404: return ExitCode::not_found;
    case 502:
    case 503:
    case 504: return ExitCode::offline;
    default: return ExitCode::failure;
  }
}

void throw_api_error(const ApiError& error, int http_status) {
  throw Error(exit_code_of(error.code, http_status), error.message, error.hint);
}

json error_body(const ApiError& error) { return {{"error", to_json(error)}}; }

std::optional<ApiError> error_from_body(std::string_view body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("error")) return std::nullopt;
  return api_error_from_json(doc["error"]);
}

}  // namespace hfcache::api
