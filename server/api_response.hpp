#pragma once
// JSON in and out of the management API (docs/rest-api.md "Conventions"): the request's body or
// query as fields the api types read, and the one place where typed errors become
// {"error": {"code", "message", "hint"}} with their status.
#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/object_reader.hpp"
#include "core/errors.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace hfcache::server {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, int status, std::string_view code, const std::string& message,
                const std::string& hint = {});
// Map whatever a handler threw (typed Error, filesystem error, anything else) to a JSON error.
void send_exception(httplib::Response& res, std::exception_ptr error);

// The fields of a request: its JSON body (an empty body is {}; UsageError for invalid JSON or
// anything but an object), or its query parameters (a repeated key is a list).
class RequestFields {
 public:
  static RequestFields body(const httplib::Request& req);
  static RequestFields query(const httplib::Request& req);
  RequestFields(const RequestFields&) = delete;
  RequestFields& operator=(const RequestFields&) = delete;

  api::ObjectReader& reader() { return reader_; }

 private:
  RequestFields(nlohmann::json object, std::string what) : object_(std::move(object)), reader_(object_, std::move(what)) {}
  nlohmann::json object_;
  api::ObjectReader reader_;
};

// The body read by `read` (an api read_* function); a key it did not ask for is a UsageError.
template <class Read>
auto read_body(const httplib::Request& req, Read read) {
  auto fields = RequestFields::body(req);
  auto out = read(fields.reader());
  fields.reader().reject_unknown_keys();
  return out;
}

// The query read by `read`; other parameters are ignored, as web clients add their own.
template <class Read>
auto read_query(const httplib::Request& req, Read read) {
  auto fields = RequestFields::query(req);
  return read(fields.reader());
}

}  // namespace hfcache::server
