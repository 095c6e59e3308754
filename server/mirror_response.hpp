#pragma once
// How the mirror's answers go on the wire, the way huggingface.co sends them: typed errors
// (X-Error-Code, X-Error-Message, JSON {"error": ...}, X-Repo-Commit on EntryNotFound only), JSON
// bodies, and the headers every mirror answer carries. Never an X-Xet-* header.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace httplib {
struct Response;
}

namespace hfcache::mirror {
class MirrorError;
}

namespace hfcache::server {

// Access-Control-Expose-Headers, so browser clients (huggingface.js) can read what they need.
inline constexpr std::string_view expose_headers =
    "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,"
    "X-Linked-Size,X-Linked-ETag";

void add_common_headers(httplib::Response& res);

void send_mirror_error(httplib::Response& res, const mirror::MirrorError& error);

void send_json(httplib::Response& res, const nlohmann::json& body);

// A header value safe to send: printable ASCII only, at most `max_chars`.
std::string header_safe(const std::string& text, std::size_t max_chars = 500);

}  // namespace hfcache::server
