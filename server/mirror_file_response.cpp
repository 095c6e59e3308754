#include "mirror_file_response.hpp"

#include <httplib.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <vector>

#include "hub/file_metadata.hpp"
#include "mirror/byte_range.hpp"
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
    if (!s.context.http->is_running() || (sink.is_writable && !sink.is_writable())) return 0;
  }
  return s.flight->read(pos, s.buffer.data(), want);
}

std::string strip_etag(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return hub::normalize_etag(v);  // W/ and the quotes, as clients normalise the ETag we send
}

}  // namespace

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto token = strip_etag(rest.substr(0, comma));
    if (token == "*" || token == etag) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

void send_file(const httplib::Request& req, httplib::Response& res, const mirror::FileAnswer& file,
               FileStreamContext context) {
  add_common_headers(res);
  res.set_header("X-Repo-Commit", file.commit);
  res.set_header("ETag", "\"" + file.etag + "\"");
  if (file.etag.size() == 64) res.set_header("X-Linked-Etag", "\"" + file.etag + "\"");
  res.set_header("X-Linked-Size", std::to_string(file.size));
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("X-Cache", file.cache_hit ? "hit" : "miss");
  const bool head = req.method == "HEAD";

  if (req.has_header("If-None-Match") && etag_matches(req.get_header_value("If-None-Match"), file.etag)) {
    res.status = 304;
    return;
  }
  mirror::ResolvedRange range{0, file.size};
  res.status = 200;
  if (auto asked = mirror::parse_range_header(req.get_header_value("Range")); asked && req.has_header("Range")) {
    auto resolved = mirror::resolve_range(*asked, file.size);
    if (!resolved) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(file.size));
      return;
    }
    range = *resolved;
    res.status = 206;
    res.set_header("Content-Range", mirror::content_range(range, file.size));
  }

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
