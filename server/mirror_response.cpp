#include "mirror_response.hpp"

#include <httplib.h>

#include "mirror/mirror_error.hpp"

namespace hfcache::server {

void add_common_headers(httplib::Response& res) { res.set_header("Access-Control-Expose-Headers", std::string(expose_headers)); }

std::string header_safe(const std::string& text, std::size_t max_chars) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_chars) break;
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return out;
}

void send_mirror_error(httplib::Response& res, const mirror::MirrorError& error) {
  // An error may come after a file's headers were set (a fetch that failed before its first byte).
  res.headers.clear();
  res.status = error.status();
  add_common_headers(res);
  if (!error.code().empty()) res.set_header("X-Error-Code", error.code());
  res.set_header("X-Error-Message", header_safe(error.what()));
  if (error.code() == "EntryNotFound" && !error.commit().empty()) res.set_header("X-Repo-Commit", error.commit());
  send_json(res, {{"error", error.what()}});
}

void send_json(httplib::Response& res, const nlohmann::json& body) {
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

}  // namespace hfcache::server
