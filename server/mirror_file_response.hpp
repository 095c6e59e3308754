#pragma once
// A file of the mirror on the wire: 200 (or 206 for a single Range, 416 when unsatisfiable, 304
// for a matching If-None-Match) with X-Repo-Commit, ETag, X-Linked-Etag (LFS), X-Linked-Size,
// Content-Length and Accept-Ranges, the body streamed in large pread chunks from the blob (memory
// stays flat), or from the growing file of a pull-through in flight, up to its written frontier.
// A failed fetch closes the connection before Content-Length is reached, so clients retry.
#include <atomic>
#include <cstdint>
#include <memory>

#include "mirror/mirror_service.hpp"

namespace httplib {
struct Request;
struct Response;
class Server;
}  // namespace httplib

namespace hfcache::server {

struct FileStreamContext {
  const httplib::Server* http = nullptr;           // streams stop when it stops running
  std::atomic<std::uint64_t>* bytes_served = nullptr;
  std::shared_ptr<void> hold;                      // kept until the body is sent (usage lease)
};

void send_file(const httplib::Request& req, httplib::Response& res, const mirror::FileAnswer& file,
               FileStreamContext context);

// True if an If-None-Match value names `etag` (quoted or not, weak or not, or "*").
bool etag_matches(const std::string& if_none_match, const std::string& etag);

}  // namespace hfcache::server
