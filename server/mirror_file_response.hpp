#pragma once
// A file of the mirror on the wire: 200 (or 206 for a single Range, 416 when unsatisfiable, 304
// for a matching If-None-Match; a zero-length file answers any Range with 200) with X-Repo-Commit,
// ETag, X-Linked-Etag (LFS), X-Linked-Size, Content-Length and Accept-Ranges, the body streamed in
// large pread chunks from the blob (memory stays flat), or from the growing file of a pull-through
// in flight, up to its written frontier.
// A failed fetch closes the connection before Content-Length is reached, so clients retry.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mirror/mirror_service.hpp"

namespace httplib {
struct Request;
struct Response;
class Server;
}  // namespace httplib

namespace hfcache::server {

struct FileStreamContext {
  std::function<bool()> serving;                   // streams stop when it turns false (daemon stopping)
  std::atomic<std::uint64_t>* bytes_served = nullptr;
  std::shared_ptr<void> hold;                      // kept until the body is sent (usage lease)
};

// The answer to a file request before any byte of it is sent: status and header fields, and the
// body's byte range (none for 304 and 416). The same for the httplib path and the fast lane.
struct FilePlan {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  bool has_body() const { return status == 200 || status == 206; }
};

// `range` and `if_none_match`: the request's header values, null when absent.
FilePlan plan_file_response(const mirror::FileAnswer& file, const std::string* range, const std::string* if_none_match);

// The plan as the status line and header fields cpp-httplib would write for it (Content-Type and
// Content-Length included; Connection/Keep-Alive and the final empty line are the front's).
std::string file_response_head(const FilePlan& plan);

void send_file(const httplib::Request& req, httplib::Response& res, const mirror::FileAnswer& file,
               FileStreamContext context);

}  // namespace hfcache::server
