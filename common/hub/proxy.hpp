#pragma once
// Which proxy a request goes through, decided like curl: https_proxy/HTTPS_PROXY for https URLs,
// http_proxy/HTTP_PROXY for http URLs, all_proxy/ALL_PROXY as a fallback, unless the host matches
// no_proxy/NO_PROXY. Only plain http:// proxies (CONNECT for https targets) are supported.
// Pure functions apart from ProxyConfig::from_env.
#include <optional>
#include <string>
#include <string_view>

#include "hub/url.hpp"

namespace hfcache::hub {

struct ProxyConfig {
  std::string https_proxy;  // empty = none
  std::string http_proxy;
  std::string all_proxy;
  std::string no_proxy;     // comma- or space-separated

  // Lower-case variable first, then upper case (curl reads both for all but http_proxy).
  static ProxyConfig from_env();
};

struct Proxy {
  std::string host;
  int port = 1080;  // curl's default when the proxy URL has no port
  std::string username;  // percent-decoded; empty = no authentication
  std::string password;
  // "host:port" for messages (never the credentials).
  std::string display() const;
};

// Parse "http://user:pass@host:port", "host:port" or "host". Throws UsageError for other schemes
// (https://, socks5://) and malformed values, naming the value without its password.
Proxy parse_proxy_url(std::string_view text);

// True if `no_proxy` says `host` (with `port`) must be reached directly. Entries: `*`; host or
// domain names, with or without a leading dot, matching the name and its subdomains; `host:port`;
// IPv4/IPv6 addresses and CIDR ranges (`10.0.0.0/8`, `[::1]`). Case-insensitive; no DNS lookups.
bool bypasses_proxy(std::string_view no_proxy, std::string_view host, int port);

// The proxy for `target`, or nullopt for a direct connection.
std::optional<Proxy> select_proxy(const ProxyConfig& config, const Url& target);

}  // namespace hfcache::hub
