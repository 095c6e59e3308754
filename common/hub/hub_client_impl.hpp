#pragma once
// Internals shared by hub_client.cpp and hub_download.cpp: the parsed endpoint, the transport, the
// retry loop and the header rules (the token only ever goes to the endpoint's origin).
#include <functional>
#include <memory>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "hub/call_limits.hpp"
#include "hub/hub_client.hpp"
#include "hub/hub_errors.hpp"
#include "hub/upstream_chain.hpp"
#include "http/http_transport.hpp"
#include "http/retry_policy.hpp"
#include "http/url.hpp"

namespace hfcache::hub {

// Redirect hops followed at most (huggingface_hub and hf-hub stop at 10 as well).
inline constexpr int max_redirects = 10;

struct HubClient::Impl {
  explicit Impl(HubOptions opts);

  HubOptions options;
  std::vector<std::string> endpoint_texts;  // the tiers in configured order, without trailing slashes
  std::vector<http::Url> endpoint_urls;
  std::string endpoint_text;  // the first tier (messages, the gated-repo link)
  http::Url endpoint;
  // Shared with the clients with_token() makes (one per client token at a tier below): which tier is
  // down is a fact about the network, not about a token.
  std::shared_ptr<UpstreamChain> chain;
  http::RetryPolicy policy;
  http::HttpTransport transport;

  // The tier whose endpoint `url` starts with, if any.
  std::optional<std::size_t> tier_of(std::string_view url) const;

  // Run `call(endpoint_text, limits)` on each tier in the chain's order until one answers: a tier
  // that is unreachable or fails (OfflineError: no connection, 5xx, 429, deadline) is marked down
  // and the next one asked, with no retries unless it is the last one left. An authoritative answer
  // (found, not found, refused) marks it up and ends the call.
  template <class Call>
  auto across_tiers(const CallLimits& limits, Call&& call) -> decltype(call(std::string(), limits)) {
    auto order = chain->order();
    for (std::size_t k = 0;; ++k) {
      const std::size_t tier = order[k];
      const bool last = k + 1 == order.size();
      CallLimits these = limits;
      if (!last) {
        these.retry_unreachable = false;
        these.max_retries = 0;
      }
      try {
        auto answer = call(endpoint_texts[tier], these);
        chain->succeeded(tier);
        return answer;
      } catch (const OfflineError& e) {
        if (chain->size() > 1) chain->failed(tier, e.what());
        if (last || limits.expired()) throw;
      } catch (const StopRequested&) {
        throw;
      } catch (const Error&) {
        chain->succeeded(tier);  // it answered: not found, refused, bad request
        throw;
      }
    }
  }

  bool sends_token_to(const http::Url& url) const;
  bool is_tier(const http::Url& url) const;  // `url` has the origin of one of the tiers
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
