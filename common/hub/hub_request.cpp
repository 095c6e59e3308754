// HubClient::Impl: endpoint, headers, retries and JSON GETs shared by every hub call.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/errors.hpp"
#include "hub/hub_client_impl.hpp"
#include "hub/request_via.hpp"
#include "http/via_header.hpp"
#include "util/stop_wait.hpp"

namespace hfcache::hub {
namespace {

http::TransportOptions transport_options(const HubOptions& options) {
  http::TransportOptions out;
  out.ca_bundle = options.ca_bundle;
  out.connect_timeout = options.connect_timeout;
  out.read_timeout = options.read_timeout;
  out.proxy = http::ProxyConfig::from_env();
  if (options.https_proxy || options.http_proxy) out.proxy.all_proxy.clear();
  if (options.https_proxy) out.proxy.https_proxy = *options.https_proxy;
  if (options.http_proxy) out.proxy.http_proxy = *options.http_proxy;
  if (options.no_proxy) out.proxy.no_proxy = *options.no_proxy;
  out.stop = options.stop;
  return out;
}

std::string strip_trailing_slashes(std::string text) {
  while (text.ends_with('/')) text.pop_back();
  return text;
}

bool out_of_retries(const CallLimits& limits, int retries_done) {
  return limits.max_retries && retries_done >= *limits.max_retries;
}

std::vector<std::string> tier_endpoints(const HubOptions& options) {
  std::vector<std::string> out;
  for (const auto& e : options.endpoints.empty() ? std::vector<std::string>{options.endpoint} : options.endpoints) {
    out.push_back(strip_trailing_slashes(e));
  }
  return out;
}

}  // namespace

http::Url parse_or_throw(std::string_view text, std::string_view what) {
  auto url = http::parse_url(text);
  if (!url) {
    throw UsageError("invalid " + std::string(what) + " '" + http::redact_url(text) + "'",
                     "use an absolute http:// or https:// URL");
  }
  return *url;
}

void throw_transport_error(const http::TransportError& error) {
  switch (error.kind) {
    case http::TransportError::Kind::tls_setup:
      throw Error(ExitCode::failure, error.message, "check the ca_bundle setting");
    case http::TransportError::Kind::tls_verify:
      throw OfflineError(error.message, "set ca_bundle (or SSL_CERT_FILE) to the CA that signs this certificate");
    case http::TransportError::Kind::cancelled:
      throw StopRequested();
    case http::TransportError::Kind::too_large:
    case http::TransportError::Kind::other:
      throw Error(ExitCode::failure, error.message);
    default:
      throw OfflineError(error.message, "check the network connection and proxy settings (https_proxy, no_proxy)");
  }
}

HubClient::Impl::Impl(HubOptions opts)
    : options(std::move(opts)),
      endpoint_texts(tier_endpoints(options)),
      endpoint_text(endpoint_texts.front()),
      endpoint(parse_or_throw(endpoint_text, "hub endpoint")),
      chain(std::make_shared<UpstreamChain>(endpoint_texts, options.tier_backoff, options.on_tier_change)),
      policy{options.max_retries, options.base_backoff, options.max_backoff, options.max_server_wait},
      transport(transport_options(options)) {
  // A CR or LF would let a header value start a new header.
  auto has_control = [](const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  };
  if (options.token && has_control(*options.token)) {
    throw UsageError("the hub token contains control characters", "check HF_TOKEN or the token file");
  }
  if (has_control(options.user_agent)) throw UsageError("the user agent contains control characters");
  if (has_control(options.via_id)) throw UsageError("the tier id contains control characters");
  for (const auto& text : endpoint_texts) endpoint_urls.push_back(parse_or_throw(text, "hub endpoint"));
}

std::optional<std::size_t> HubClient::Impl::tier_of(std::string_view url) const {
  for (std::size_t i = 0; i < endpoint_texts.size(); ++i) {
    const auto& base = endpoint_texts[i];
    if (url.starts_with(base) && (url.size() == base.size() || url[base.size()] == '/')) return i;
  }
  return std::nullopt;
}

bool HubClient::Impl::sends_token_to(const http::Url& url) const {
  return options.token && !options.token->empty() && is_tier(url);
}

bool HubClient::Impl::is_tier(const http::Url& url) const {
  return std::any_of(endpoint_urls.begin(), endpoint_urls.end(),
                     [&](const http::Url& tier) { return http::same_origin(url, tier); });
}

http::HttpHeaders HubClient::Impl::headers_for(const http::Url& url) const {
  http::HttpHeaders headers{{"User-Agent", options.user_agent}};
  if (sends_token_to(url)) headers.add("Authorization", "Bearer " + *options.token);
  // Every hop adds its entry to the Via of the request it serves (RFC 9110 7.6.3): the next tier
  // refuses a request that already passed through it.
  if (!options.via_id.empty()) headers.add("Via", http::append_via(incoming_via(), options.via_id, "hfcached"));
  return headers;
}

HubRequestContext HubClient::Impl::context_for(const http::Url& url) const {
  HubRequestContext context;
  context.endpoint = endpoint_text;
  context.url = url.str();
  context.token_sent = sends_token_to(url);
  if (options.token) context.token = *options.token;
  return context;
}

void HubClient::Impl::pause_before_retry(std::string_view method, const http::Url& url, const std::string& reason,
                                         int retries_done, std::chrono::milliseconds delay) const {
  spdlog::info("hub: {} {}: {}; retrying in {} ms (retry {}/{})", method, http::redact_url(url.str()), reason,
               delay.count(), retries_done + 1, policy.max_retries);
  if (util::wait_or_stop(options.stop, delay)) throw StopRequested();
}

http::HttpResponse HubClient::Impl::with_retries(std::string_view method, const http::Url& url, const CallLimits& limits,
                                           const std::function<http::HttpResult(const http::RequestLimits&)>& attempt) const {
  auto past_deadline = [&](const std::string& why) {
    return DeadlineExceeded(std::string(method) + " " + http::redact_url(url.str()) + ": no answer before the deadline" +
                            (why.empty() ? "" : " (" + why + ")"));
  };
  for (int retries = 0;; ++retries) {
    if (limits.expired()) throw past_deadline("");
    http::HttpResult result = attempt(http::RequestLimits{limits.deadline});
    if (result.response) {
      const auto& response = *result.response;
      http::ServerWaitHints hints{response.headers.get("Retry-After").value_or(""),
                            response.headers.get("RateLimit").value_or("")};
      // Out of time: the status itself is the answer (a 5xx falls back like an unreachable upstream).
      auto decision = within_deadline(http::decide_after_status(policy, retries, response.status, hints), limits);
      if (!decision.retry || out_of_retries(limits, retries)) return std::move(*result.response);
      pause_before_retry(method, url, "status " + std::to_string(response.status), retries, decision.delay);
      continue;
    }
    const auto& error = *result.error;
    // Refused or unresolved: the caller has a fallback and waiting would not bring the host back.
    if (ends_call_at_once(error, limits)) throw_transport_error(error);
    auto wanted = error.retryable() ? http::decide_after_network_error(policy, retries) : http::RetryDecision{};
    auto decision = within_deadline(wanted, limits);
    if (out_of_retries(limits, retries)) throw_transport_error(error);
    if (!decision.retry) {
      bool out_of_time = wanted.retry || (limits.deadline && *limits.remaining() < min_attempt_time &&
                                          error.retryable());
      if (limits.deadline && out_of_time) throw past_deadline(error.message);
      throw_transport_error(error);
    }
    pause_before_retry(method, url, error.message, retries, decision.delay);
  }
}

HubClient::Impl::JsonAnswer HubClient::Impl::get_json(const http::Url& url, HubRequestContext context,
                                                      const CallLimits& limits) const {
  http::Url current = url;
  for (int hops = 0;; ++hops) {
    auto response = with_retries("GET", current, limits, [&](const http::RequestLimits& request) {
      auto headers = headers_for(current);
      headers.add("Accept", "application/json");
      return transport.get(current, headers, request);
    });
    if (response.is_success()) return {std::move(response), current};
    auto location = response.headers.get("Location");
    context.url = current.str();
    context.token_sent = sends_token_to(current);
    if (!response.is_redirect() || !location) throw_hub_error(context, response);
    if (hops >= max_redirects) {
      throw Error(ExitCode::failure, "too many redirects from " + http::redact_url(url.str()));
    }
    auto next = http::resolve_location(current, *location);
    if (!next) throw Error(ExitCode::failure, "redirect to a non-http(s) URL from " + http::redact_url(current.str()));
    current = *next;
  }
}

}  // namespace hfcache::hub
