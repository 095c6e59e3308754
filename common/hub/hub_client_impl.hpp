#pragma once
// Internals shared by hub_client.cpp and hub_download.cpp: the parsed endpoint, the transport, the
// retry loop and the header rules (the token only ever goes to the endpoint's origin).
#include <functional>
#include <string>
#include <string_view>

#include "hub/call_limits.hpp"
#include "hub/hub_client.hpp"
#include "hub/hub_errors.hpp"
#include "http/http_transport.hpp"
#include "http/retry_policy.hpp"
#include "http/url.hpp"

namespace hfcache::hub {

// Redirect hops followed at most (huggingface_hub and hf-hub stop at 10 as well).
inline constexpr int max_redirects = 10;

struct HubClient::Impl {
  explicit Impl(HubOptions opts);

  HubOptions options;
  std::string endpoint_text;  // options.endpoint without trailing slashes
  http::Url endpoint;
  http::RetryPolicy policy;
  http::HttpTransport transport;

  bool sends_token_to(const http::Url& url) const;
  // User-Agent, and Authorization when `url` has the endpoint's origin.
  http::HttpHeaders headers_for(const http::Url& url) const;
  HubRequestContext context_for(const http::Url& url) const;

  // Run `attempt` until it gives a response that is not worth retrying, sleeping and logging in
  // between, within `limits` (each attempt gets the time left). Returns the last response (possibly a
  // retryable status after the last retry); throws OfflineError (or Error for TLS setup) when no
  // response came, DeadlineExceeded when the deadline ended the call.
  http::HttpResponse with_retries(std::string_view method, const http::Url& url, const CallLimits& limits,
                            const std::function<http::HttpResult(const http::RequestLimits&)>& attempt) const;

  // Sleep `delay` and log why.
  void pause_before_retry(std::string_view method, const http::Url& url, const std::string& reason, int retries_done,
                          std::chrono::milliseconds delay) const;

  struct JsonAnswer {
    http::HttpResponse response;
    http::Url url;  // after redirects, to resolve relative Link URLs against
  };
  // GET a JSON document, following redirects; non-2xx answers are thrown via throw_hub_error.
  JsonAnswer get_json(const http::Url& url, HubRequestContext context, const CallLimits& limits) const;
};

// Throw the error for a request that got no response.
[[noreturn]] void throw_transport_error(const http::TransportError& error);

// Parse a URL we built or were given; UsageError naming it otherwise.
http::Url parse_or_throw(std::string_view text, std::string_view what);

}  // namespace hfcache::hub
