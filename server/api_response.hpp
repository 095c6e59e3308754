#pragma once
// JSON in and out of the management API (docs/rest-api.md "Conventions"): bodies, query values and
// the one place where typed errors become {"error": {"code", "message", "hint"}} with their status.
#include <exception>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace hfcache::server {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, int status, std::string_view code, const std::string& message,
                const std::string& hint = {});
void send_error(httplib::Response& res, const Error& error);
// Map whatever a handler threw (typed Error, filesystem error, anything else) to a JSON error.
void send_exception(httplib::Response& res, std::exception_ptr error);

// The request body as a JSON object (an empty body is {}). Throws UsageError for invalid JSON,
// anything but an object, or a key not in `allowed`.
nlohmann::json parse_body(const httplib::Request& req, std::initializer_list<std::string_view> allowed);

// Typed getters for body fields; throw UsageError naming the key and the expected type.
std::optional<std::string> string_field(const nlohmann::json& body, const char* key);
bool bool_field(const nlohmann::json& body, const char* key, bool fallback);

// A query parameter, or nullopt when absent or empty.
std::optional<std::string> query(const httplib::Request& req, const char* key);
bool query_flag(const httplib::Request& req, const char* key);

}  // namespace hfcache::server
