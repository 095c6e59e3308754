#include "http/http_transport.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "http/curl_errors.hpp"
#include "http/curl_session.hpp"
#include "http/response_head.hpp"

namespace hfcache::http {
namespace {

using Clock = std::chrono::steady_clock;

// curl's receive buffer: large blocks keep a multi-GB download from being a million small writes.
constexpr long receive_buffer_bytes = 1L << 20;
// The longest curl_multi_poll wait: a stop request wakes it at once, the read timeout needs a tick.
constexpr auto max_poll_wait = std::chrono::milliseconds(1000);

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool has_line_break(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

Slist header_list(const HttpHeaders& headers) {
  curl_slist* list = nullptr;
  auto append = [&](const std::string& line) {
    auto* grown = curl_slist_append(list, line.c_str());
    if (grown == nullptr) {
      curl_slist_free_all(list);
      throw std::bad_alloc();
    }
    list = grown;
  };
  for (const auto& [name, value] : headers.items()) append(value.empty() ? name + ";" : name + ": " + value);
  append("Expect:");  // no 100-continue round trip before a small POST body
  return Slist(list);
}

// The CA store when `ca_bundle` is not set: curl's built-in default, unless SSL_CERT_FILE or
// SSL_CERT_DIR name another (OpenSSL's own variables, which curl does not read).
void set_trust(CURL* easy, const TransportOptions& options) {
  const char* file = options.ca_bundle.empty() ? std::getenv("SSL_CERT_FILE") : options.ca_bundle.c_str();
  if (file != nullptr && *file != '\0') {
    curl_easy_setopt(easy, CURLOPT_CAINFO, file);
    curl_easy_setopt(easy, CURLOPT_PROXY_CAINFO, file);
  }
  const char* dir = options.ca_bundle.empty() ? std::getenv("SSL_CERT_DIR") : nullptr;
  if (dir != nullptr && *dir != '\0') {
    curl_easy_setopt(easy, CURLOPT_CAPATH, dir);
    curl_easy_setopt(easy, CURLOPT_PROXY_CAPATH, dir);
  }
}

// One request's state, reached from curl's callbacks.
struct Exchange {
  const ResponseStartHandler* on_start = nullptr;
  const BodyHandler* on_body = nullptr;
  StreamResult out;
  ResponseHeadReader head;
  bool handler_stopped = false;
  bool received_any = false;
  Clock::time_point last_byte = Clock::now();

  void received() {
    received_any = true;
    last_byte = Clock::now();
  }

  // One line of a response head (response_head.hpp); on_start runs when a final head ends.
  bool header_line(std::string_view line) {
    received();
    if (out.started) return true;  // trailer fields of a chunked body come this way too: not ours
    if (!head.add_line(line)) return true;
    out.started = true;
    out.status = head.status();
    out.headers = head.take_headers();
    if (!(*on_start)(out.status, out.headers)) {
      handler_stopped = true;
      return false;
    }
    return true;
  }

  bool body(const char* data, std::size_t size) {
    received();
    if (!(*on_body)(data, size)) {
      handler_stopped = true;
      return false;
    }
    return true;
  }
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t bytes = size * count;
  return exchange->header_line({data, bytes}) ? bytes : 0;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t bytes = size * count;
  return exchange->body(data, bytes) ? bytes : 0;
}

StreamResult perform(const TransportOptions& options, const std::shared_ptr<const int>& identity,
                     std::string_view method, const Url& url, const HttpHeaders& headers, const std::string* body,
                     const ResponseStartHandler& on_start, const BodyHandler& on_body,
                     const RequestLimits& limits = {}) {
  StreamResult cancelled_result;
  cancelled_result.error = TransportError{TransportError::Kind::cancelled, "request to " + url.authority() +
                                                                               " cancelled: hfcache is stopping"};
  for (const auto& [name, value] : headers.items()) {
    if (has_line_break(name) || has_line_break(value)) {
      StreamResult out;
      out.error = TransportError{TransportError::Kind::other, "the request header '" + name + "' contains a line break"};
      return out;
    }
  }
  if (options.stop.stop_requested()) return cancelled_result;
  auto past_deadline_error = [&] {
    return TransportError{TransportError::Kind::timeout,
                          "response from " + url.authority() + " did not arrive in time (request deadline)"};
  };
  auto connect_timeout = options.connect_timeout;
  if (limits.deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*limits.deadline - Clock::now());
    if (left <= std::chrono::milliseconds(0)) {
      StreamResult out;
      out.error = past_deadline_error();
      return out;
    }
    connect_timeout = std::min(connect_timeout, left);
  }

  auto session = session_for(identity);
  CURL* easy = session->easy;
  curl_easy_reset(easy);
  Exchange exchange;
  exchange.on_start = &on_start;
  exchange.on_body = &on_body;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::string url_text = url.str();
  const std::string method_text(method);
  const std::string& proxy = proxy_setting_for(options.proxy, url);
  auto header_lines = header_list(headers);

  curl_easy_setopt(easy, CURLOPT_URL, url_text.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);  // targets are encoded by us (url.hpp)
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_lines.get());
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, receive_buffer_bytes);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  set_trust(easy, options);
  // Always set, so curl never falls back to the environment: "" means no proxy, no exceptions.
  curl_easy_setopt(easy, CURLOPT_PROXY, proxy.c_str());
  curl_easy_setopt(easy, CURLOPT_NOPROXY, options.proxy.no_proxy.c_str());
  curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &exchange);
  if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method_text.c_str());
  }
  if (body != nullptr) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body->data());
  }

  CURLM* multi = session->multi;
  curl_multi_add_handle(multi, easy);
  std::optional<CURLcode> done;
  bool read_timed_out = false;
  bool stopped = false;
  bool past_deadline = false;
  bool request_sent = false;
  const auto started = Clock::now();
  exchange.last_byte = started;
  {
    std::stop_callback wake(options.stop, [multi] { curl_multi_wakeup(multi); });
    const auto silence_limit = options.read_timeout;
    for (;;) {
      int running = 0;
      if (curl_multi_perform(multi, &running) != CURLM_OK) {
        done = CURLE_OUT_OF_MEMORY;
        break;
      }
      if (running == 0) {
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
          if (message->msg == CURLMSG_DONE && message->easy_handle == easy) done = message->data.result;
        }
        if (!done) done = CURLE_OK;
        break;
      }
      if (options.stop.stop_requested()) {
        stopped = true;
        break;
      }
      // Until connected, connect_timeout (curl's own) runs first; once the request is on its way
      // (pre-transfer time known), silence is measured from then, so a stalled server costs the
      // read timeout, not connect plus read.
      if (!exchange.received_any && !request_sent) {
        curl_off_t pretransfer_us = 0;
        if (curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us) == CURLE_OK && pretransfer_us > 0) {
          request_sent = true;
          exchange.last_byte = started + std::chrono::microseconds(pretransfer_us);
        }
      }
      auto deadline = exchange.last_byte + silence_limit +
                      (exchange.received_any || request_sent ? std::chrono::milliseconds(0) : connect_timeout);
      auto now = Clock::now();
      if (limits.deadline && now >= *limits.deadline) {
        past_deadline = true;
        break;
      }
      if (now >= deadline) {
        read_timed_out = true;
        break;
      }
      if (limits.deadline) deadline = std::min(deadline, *limits.deadline);
      auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                               std::chrono::milliseconds(1),
                           std::chrono::milliseconds(max_poll_wait));
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
    }
  }
  // Removing a handle mid-transfer closes its connection; a finished one goes back to the cache.
  curl_multi_remove_handle(multi, easy);

  StreamResult out = std::move(exchange.out);
  const std::string via = proxy.empty() ? "" : " through proxy " + proxy_display(proxy);
  if (stopped) {
    out.error = cancelled_result.error;
  } else if (past_deadline) {
    out.error = past_deadline_error();
  } else if (read_timed_out) {
    out.error = TransportError{TransportError::Kind::io,
                               "connection to " + url.authority() + via + " lost or timed out while receiving (read timeout " +
                                   duration_text(options.read_timeout) + ")"};
  } else if (exchange.handler_stopped) {
    out.error = TransportError{TransportError::Kind::cancelled, "request to " + url.authority() + " cancelled"};
  } else if (*done != CURLE_OK) {
    FailedTransfer failure{*done, easy, error_buffer, url.authority(), proxy.empty() ? "" : proxy_display(proxy)};
    out.error = describe_failure(failure, options);
  } else if (!out.started) {
    out.error = TransportError{TransportError::Kind::io, "no response from " + url.authority() + via};
  }
  spdlog::debug("hub: {} {} -> {}", method, redact_url(url_text),
                out.started ? std::to_string(out.status) : out.error ? out.error->message : "no response");
  return out;
}

}  // namespace

HttpTransport::HttpTransport(TransportOptions options)
    : options_(std::move(options)), identity_(std::make_shared<const int>(0)) {
  ensure_curl_initialised();
  // Surface an unusable proxy setting now rather than on the first request.
  for (const auto* value : {&options_.proxy.https_proxy, &options_.proxy.http_proxy, &options_.proxy.all_proxy}) {
    if (!value->empty()) proxy_display(*value);
  }
}

HttpTransport::~HttpTransport() {
  // Free this thread's handles now; other threads drop theirs on their next request.
  forget_session(identity_);
}

StreamResult HttpTransport::get_stream(const Url& url, const HttpHeaders& headers,
                                       const ResponseStartHandler& on_start, const BodyHandler& on_body) const {
  return perform(options_, identity_, "GET", url, headers, nullptr, on_start, on_body);
}

HttpResult HttpTransport::request(std::string_view method, const Url& url, const HttpHeaders& headers,
                                  const std::string* body, const RequestLimits& limits) const {
  std::string received;
  bool too_large = false;
  auto result = perform(
      options_, identity_, method, url, headers, body, [](int, const HttpHeaders&) { return true; },
      [&](const char* data, std::size_t size) {
        if (received.size() + size > options_.max_body_bytes) {
          too_large = true;
          return false;
        }
        received.append(data, size);
        return true;
      },
      limits);
  if (too_large) {
    return {std::nullopt, TransportError{TransportError::Kind::too_large,
                                         "response from " + url.authority() + " is larger than " +
                                             std::to_string(options_.max_body_bytes >> 20) + " MiB"}};
  }
  if (result.error) return {std::nullopt, std::move(result.error)};
  return {HttpResponse{result.status, std::move(result.headers), std::move(received)}, std::nullopt};
}

HttpResult HttpTransport::head(const Url& url, const HttpHeaders& headers, const RequestLimits& limits) const {
  return request("HEAD", url, headers, nullptr, limits);
}

HttpResult HttpTransport::get(const Url& url, const HttpHeaders& headers, const RequestLimits& limits) const {
  return request("GET", url, headers, nullptr, limits);
}

}  // namespace hfcache::http
