#include "mirror_file_response.hpp"

#include <httplib.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <vector>

#include "http/etag_match.hpp"
#include "hub/file_metadata.hpp"
#include "http/http_message.hpp"
#include "http/byte_range.hpp"
#include "mirror/mirror_error.hpp"
#include "mirror_response.hpp"

namespace hfcache::server {
namespace {

// Big reads keep syscalls few on multi-GB files while memory per stream stays bounded.
constexpr std::size_t stream_chunk = 1 << 20;
// How long a follower waits for the next bytes before checking whether it should give up.
constexpr std::chrono::milliseconds follow_poll{250};
// How long the first bytes of a pull-through may take before the headers go out anyway.
constexpr std::chrono::seconds first_bytes_wait{30};
// An empty file in flight is answered once it is in place (there is nothing to stream).
constexpr std::chrono::seconds empty_file_wait{60};

struct StreamState {
  std::shared_ptr<util::UniqueFd> fd;
  std::shared_ptr<mirror::Flight> flight;
  std::uint64_t start = 0;
  std::vector<char> buffer;
  FileStreamContext context;
};

// Next bytes at `pos`: from the blob, or from the flight once they are written. 0 = stop.
std::size_t next_bytes(StreamState& s, std::uint64_t pos, std::size_t want, httplib::DataSink& sink) {
  if (!s.flight) {
    while (true) {
      ssize_t n = ::pread(s.fd->get(), s.buffer.data(), want, static_cast<off_t>(pos));
      if (n < 0 && errno == EINTR) continue;
      return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
  }
  while (s.flight->wait_beyond(pos, follow_poll) <= pos) {
    if ((s.context.serving && !s.context.serving()) || (sink.is_writable && !sink.is_writable())) return 0;
  }
  return s.flight->read(pos, s.buffer.data(), want);
}

}  // namespace


FilePlan plan_file_response(const mirror::FileAnswer& file, const std::string* range, const std::string* if_none_match) {
  FilePlan plan;
  plan.headers = {{"Access-Control-Expose-Headers", std::string(expose_headers)},
                  {"X-Repo-Commit", file.commit},
                  {"ETag", "\"" + file.etag + "\""}};
  if (file.etag.size() == 64) plan.headers.emplace_back("X-Linked-Etag", "\"" + file.etag + "\"");
  plan.headers.emplace_back("X-Linked-Size", std::to_string(file.size));
  plan.headers.emplace_back("Accept-Ranges", "bytes");
  plan.headers.emplace_back("X-Cache", file.cache_hit ? "HIT" : "MISS");

  if (if_none_match && http::etag_matches(*if_none_match, file.etag)) {
    plan.status = 304;
    return plan;
  }
  http::ResolvedRange resolved_range{0, file.size};
  if (auto asked = range ? http::parse_range_header(*range) : std::nullopt; asked && file.size == 0) {
    // No byte of a zero-length file can be selected, and RFC 9110 section 14.2 lets a server ignore
    // Range: 200 with the empty body, where a 416 made @huggingface/hub and hf-hub 0.4 abort the whole
    // download. Both read the total size from Content-Range after their `bytes=0-0` probe whatever
    // the status; the field has no meaning on a 200 (section 14.4), so other clients ignore it.
    plan.headers.emplace_back("Content-Range", "bytes */0");
  } else if (asked) {
    auto resolved = http::resolve_range(*asked, file.size);
    if (!resolved) {
      plan.status = 416;
      plan.headers.emplace_back("Content-Range", "bytes */" + std::to_string(file.size));
      return plan;
    }
    resolved_range = *resolved;
    plan.status = 206;
    plan.headers.emplace_back("Content-Range", http::content_range(resolved_range, file.size));
  }
  plan.start = resolved_range.start;
  plan.length = resolved_range.length;
  return plan;
}

std::string file_response_head(const FilePlan& plan) {
  std::string head = "HTTP/1.1 " + std::to_string(plan.status) + " ";
  switch (plan.status) {
    case 200: head += "OK"; break;
    case 206: head += "Partial Content"; break;
    case 304: head += "Not Modified"; break;
    case 416: head += "Range Not Satisfiable"; break;
    default: head += "Unknown"; break;
  }
  head += "\r\n";
  for (const auto& [name, value] : plan.headers) head += name + ": " + value + "\r\n";
  if (plan.has_body() && plan.length > 0) head += "Content-Type: application/octet-stream\r\n";
  head += "Content-Length: " + std::to_string(plan.has_body() ? plan.length : 0) + "\r\n";
  return head;
}

void send_file(const httplib::Request& req, httplib::Response& res, const mirror::FileAnswer& file,
               FileStreamContext context) {
  const bool head = req.method == "HEAD";
  auto range_header = req.get_header_value("Range");
  auto inm_header = req.get_header_value("If-None-Match");
  auto plan = plan_file_response(file, req.has_header("Range") ? &range_header : nullptr,
                                 req.has_header("If-None-Match") ? &inm_header : nullptr);
  for (const auto& [name, value] : plan.headers) res.set_header(name, value);
  res.status = plan.status;
  if (!plan.has_body()) return;
  http::ResolvedRange range{plan.start, plan.length};

  auto state = std::make_shared<StreamState>();
  state->fd = file.fd;
  state->flight = file.flight;
  state->start = range.start;
  state->context = std::move(context);
  if (state->flight && !head) {
    if (file.size == 0) {
      if (!state->flight->wait_done(empty_file_wait)) throw mirror::MirrorError(504, "", "the upstream is too slow");
      state->flight.reset();
    } else {
      // Fail with a proper status when the fetch cannot even start; otherwise stream as bytes arrive.
      state->flight->wait_beyond(range.start, first_bytes_wait);
    }
  }
  if (range.length == 0) return;  // an empty file: Content-Length: 0
  if (head) {
    res.set_content_provider(range.length, "application/octet-stream",
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
    return;
  }
  state->buffer.resize(std::min<std::uint64_t>(stream_chunk, range.length));
  res.set_content_provider(range.length, "application/octet-stream",
                           [state](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             try {
                               auto want = std::min(length, state->buffer.size());
                               auto n = next_bytes(*state, state->start + offset, want, sink);
                               if (n == 0 || !sink.write(state->buffer.data(), n)) return false;
                               if (state->context.bytes_served) *state->context.bytes_served += n;
                               return true;
                             } catch (const std::exception& e) {
                               spdlog::warn("mirror: stream stopped: {}", e.what());
                               return false;
                             }
                           });
}

}  // namespace hfcache::server
