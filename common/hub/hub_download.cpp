// HubClient::download: one streamed GET with manual redirects, retries of the initial response,
// and resume-friendly failure reporting (TransferError carries the bytes delivered).
#include <charconv>

#include "core/errors.hpp"
#include "hub/hub_client_impl.hpp"

namespace hfcache::hub {
namespace {

// Error and redirect bodies are kept for the message only; past this they are cut off.
constexpr std::size_t max_error_body = 64 * 1024;

// The first byte position of a `Content-Range: bytes a-b/total` value.
std::optional<std::uint64_t> content_range_start(std::string_view value) {
  if (!value.starts_with("bytes ")) return std::nullopt;
  value.remove_prefix(6);
  std::uint64_t start = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), start);
  if (ec != std::errc{} || ptr == value.data() + value.size() || *ptr != '-') return std::nullopt;
  return start;
}

// What one attempt saw; filled by the callbacks.
struct Attempt {
  bool body_mode = false;           // a 2xx: bytes go to the sink
  std::uint64_t skip = 0;           // bytes to drop first (200 answered to a ranged request)
  std::optional<std::uint64_t> limit;  // bytes to deliver at most (when `end` is set)
  std::uint64_t delivered = 0;
  bool reached_limit = false;
  bool sink_cancelled = false;
  std::string bad_range;            // a 206 for another range than asked
  std::string error_body;
};

}  // namespace

std::uint64_t HubClient::download(const std::string& url_text, std::uint64_t offset,
                                  std::optional<std::uint64_t> end, const ByteSink& sink) {
  auto tier = impl_->tier_of(url_text);
  if (!tier || impl_->chain->size() < 2) return download_once(url_text, offset, end, sink, std::nullopt);
  // The same path on each tier in turn, the URL's own tier first.
  const std::string suffix = url_text.substr(impl_->endpoint_texts[*tier].size());
  auto order = impl_->chain->order();
  std::erase(order, *tier);
  order.insert(order.begin(), *tier);
  for (std::size_t k = 0;; ++k) {
    const bool last = k + 1 == order.size();
    try {
      auto delivered = download_once(impl_->endpoint_texts[order[k]] + suffix, offset, end, sink,
                                     last ? std::nullopt : std::optional<int>(0));
      impl_->chain->succeeded(order[k]);
      return delivered;
    } catch (const TransferError& e) {
      if (e.bytes_delivered > 0) throw;  // the caller resumes from there
      impl_->chain->failed(order[k], e.what());
      if (last) throw;
    } catch (const OfflineError& e) {
      impl_->chain->failed(order[k], e.what());
      if (last) throw;
    }
  }
}

std::uint64_t HubClient::download_once(const std::string& url_text, std::uint64_t offset,
                                       std::optional<std::uint64_t> end, const ByteSink& sink,
                                       std::optional<int> max_retries) {
  if (end && *end < offset) {
    throw UsageError("invalid byte range " + std::to_string(offset) + "-" + std::to_string(*end));
  }
  if (end && *end == offset) return 0;
  http::Url url = parse_or_throw(url_text, "download URL");
  std::string range;
  if (offset > 0 || end) range = "bytes=" + std::to_string(offset) + "-" + (end ? std::to_string(*end - 1) : "");

  int redirects = 0;
  for (int retries = 0;;) {
    Attempt state;
    auto headers = impl_->headers_for(url);
    // Identity keeps byte offsets meaningful for Range and resume.
    headers.add("Accept-Encoding", "identity");
    if (!range.empty()) headers.add("Range", range);

    auto on_start = [&](int status, const http::HttpHeaders& response_headers) {
      if (status < 200 || status >= 300) return true;  // keep the body for the message
      state.body_mode = true;
      if (status == 206 && !range.empty()) {
        auto content_range = response_headers.value_or("Content-Range");
        auto start = content_range_start(content_range);
        if (start && *start != offset) {
          state.bad_range = content_range;
          return false;
        }
      }
      if (status == 200) state.skip = offset;  // the server ignored Range (CloudFront with gzip does)
      if (end) state.limit = *end - offset;
      return true;
    };
    auto on_body = [&](const char* data, std::size_t size) {
      if (!state.body_mode) {
        auto room = max_error_body - state.error_body.size();
        state.error_body.append(data, std::min(room, size));
        return size <= room;
      }
      if (state.skip > 0) {
        auto dropped = static_cast<std::size_t>(std::min<std::uint64_t>(state.skip, size));
        state.skip -= dropped;
        data += dropped;
        size -= dropped;
      }
      if (state.limit) {
        size = static_cast<std::size_t>(std::min<std::uint64_t>(size, *state.limit - state.delivered));
      }
      if (size > 0 && !sink(data, size)) {
        state.sink_cancelled = true;
        return false;
      }
      state.delivered += size;
      if (state.limit && state.delivered >= *state.limit) {
        state.reached_limit = true;
        return false;  // ends the transfer; the connection is closed, not reused
      }
      return true;
    };

    auto result = impl_->transport.get_stream(url, headers, on_start, on_body);
    if (state.sink_cancelled) throw DownloadCancelled();
    if (!state.bad_range.empty()) {
      throw Error(ExitCode::failure,
                  "asked " + url.authority() + " for " + range + " but got Content-Range " + state.bad_range,
                  "run the command again; the partial download is restarted");
    }

    if (!result.started) {
      const auto& error = *result.error;
      auto decision = error.retryable() ? http::decide_after_network_error(impl_->policy, retries) : http::RetryDecision{};
      if (!decision.retry || (max_retries && retries >= *max_retries)) throw_transport_error(error);
      impl_->pause_before_retry("GET", url, error.message, retries++, decision.delay);
      continue;
    }

    if (state.body_mode) {
      // Stopped mid-body: the daemon is shutting down, not a broken transfer to resume.
      if (result.error && impl_->options.stop.stop_requested()) throw StopRequested();
      if (result.error && !state.reached_limit) {
        throw TransferError("download from " + http::redact_url(url.str()) + " interrupted after " +
                                std::to_string(state.delivered) + " bytes: " + result.error->message,
                            state.delivered);
      }
      if (state.skip > 0) {
        throw Error(ExitCode::failure, "the full response from " + http::redact_url(url.str()) +
                                           " is shorter than the resume offset " + std::to_string(offset),
                    "delete the partial download and run the command again");
      }
      return state.delivered;
    }

    http::HttpResponse response{result.status, result.headers, std::move(state.error_body)};
    auto location = response.headers.get("Location");
    if (response.is_redirect() && location) {
      if (++redirects > max_redirects) {
        throw Error(ExitCode::failure, "too many redirects downloading " + http::redact_url(url_text));
      }
      auto next = http::resolve_location(url, *location);
      if (!next) throw Error(ExitCode::failure, "redirect to a non-http(s) URL from " + http::redact_url(url.str()));
      url = *next;
      continue;
    }
    // A signed CDN URL expires (X-Amz-Expires=3600): the caller resolves again when it resumes.
    if ((response.status == 401 || response.status == 403) && !impl_->is_tier(url)) {
      throw TransferError("the download URL was refused by " + url.authority() + " (" +
                              std::to_string(response.status) + "; a signed URL may have expired)",
                          0);
    }
    http::ServerWaitHints hints{response.headers.get("Retry-After").value_or(""),
                          response.headers.get("RateLimit").value_or("")};
    auto decision = http::decide_after_status(impl_->policy, retries, response.status, hints);
    if (decision.retry && !(max_retries && retries >= *max_retries)) {
      impl_->pause_before_retry("GET", url, "status " + std::to_string(response.status), retries++, decision.delay);
      continue;
    }
    auto context = impl_->context_for(url);
    context.range = range;
    throw_hub_error(context, response);
  }
}

}  // namespace hfcache::hub
