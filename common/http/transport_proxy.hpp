#pragma once
// Which proxy setting applies to a request, as curl reads its environment: https_proxy/HTTPS_PROXY
// for https URLs, http_proxy/HTTP_PROXY for http URLs, all_proxy/ALL_PROXY as a fallback;
// no_proxy/NO_PROXY is handed to curl, which matches it (names, domains, `*`, addresses and CIDR
// ranges since curl 7.86). The transport passes both explicitly, so curl never reads the
// environment behind our back and a caller can turn proxies off (the CLI's calls to hfcached).
#include <string>
#include <string_view>

#include "http/url.hpp"

namespace hfcache::http {

struct ProxyConfig {
  std::string https_proxy;  // empty = none
  std::string http_proxy;
  std::string all_proxy;
  std::string no_proxy;     // comma-separated, curl's syntax

  // Lower-case variable first, then upper case.
  static ProxyConfig from_env();
};

// The proxy URL for `target` before no_proxy is applied; empty = a direct connection.
const std::string& proxy_setting_for(const ProxyConfig& config, const Url& target);

// "host:port" of a proxy URL, for messages (never the credentials). Throws UsageError when the
// value is not a URL curl can use as a proxy (http, https, socks4, socks4a, socks5, socks5h;
// no scheme means http), naming it without its password.
std::string proxy_display(std::string_view proxy_url);

}  // namespace hfcache::http
