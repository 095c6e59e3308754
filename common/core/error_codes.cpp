#include "core/error_codes.hpp"

namespace hfcache::core {

std::string_view error_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::usage: return "bad_request";
    case ExitCode::not_found: return "not_found";
    case ExitCode::auth: return "unauthorized";
    case ExitCode::offline: return "offline";
    case ExitCode::integrity: return "integrity";
    default: return "internal";
  }
}

int http_status_for(ExitCode code) {
  switch (code) {
    case ExitCode::usage: return 400;
    case ExitCode::not_found: return 404;
    case ExitCode::auth: return 401;
    case ExitCode::offline: return 503;
    case ExitCode::integrity: return 409;
    default: return 500;
  }
}

ExitCode exit_code_from_name(std::string_view name, int http_status) {
  if (name == "bad_request") return ExitCode::usage;
  if (name == "not_found") return ExitCode::not_found;
  if (name == "unauthorized" || name == "forbidden") return ExitCode::auth;
  if (name == "offline") return ExitCode::offline;
  if (name == "integrity") return ExitCode::integrity;
  if (name == "internal") return ExitCode::failure;
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

}  // namespace hfcache::core
