#include "http/transport_proxy.hpp"

#include <curl/curl.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "core/errors.hpp"

namespace hfcache::http {
namespace {

std::string env(const char* lower_name, const char* upper_name) {
  for (const char* name : {lower_name, upper_name}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

CurlString part(CURLU* handle, CURLUPart which) {
  char* text = nullptr;
  if (curl_url_get(handle, which, &text, 0) != CURLUE_OK) return nullptr;
  return CurlString(text);
}

// `text` with the password between "user:" and "@" replaced, for messages about a bad value.
std::string without_password(std::string_view text) {
  auto scheme_end = text.find("://");
  auto start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto at = text.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(text);
  auto colon = text.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(text);
  return std::string(text.substr(0, colon + 1)) + "***" + std::string(text.substr(at));
}

}  // namespace

ProxyConfig ProxyConfig::from_env() {
  ProxyConfig config;
  config.https_proxy = env("https_proxy", "HTTPS_PROXY");
  config.http_proxy = env("http_proxy", "HTTP_PROXY");
  config.all_proxy = env("all_proxy", "ALL_PROXY");
  config.no_proxy = env("no_proxy", "NO_PROXY");
  return config;
}

const std::string& proxy_setting_for(const ProxyConfig& config, const Url& target) {
  const std::string& chosen = target.scheme == "https" ? config.https_proxy : config.http_proxy;
  return chosen.empty() ? config.all_proxy : chosen;
}

std::string proxy_display(std::string_view proxy_url) {
  auto bad = [&](const std::string& why) {
    return UsageError("invalid proxy '" + without_password(proxy_url) + "': " + why,
                      "write it as http://host:port or http://user:password@host:port (percent-encode @ and :)");
  };
  std::unique_ptr<CURLU, UrlHandleDeleter> handle(curl_url());
  if (!handle) throw std::bad_alloc();
  std::string text(proxy_url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME) !=
      CURLUE_OK) {
    throw bad("not a URL");
  }
  auto scheme = part(handle.get(), CURLUPART_SCHEME);
  constexpr std::array<std::string_view, 6> usable{"http", "https", "socks4", "socks4a", "socks5", "socks5h"};
  // CURLU_GUESS_SCHEME guesses from the host name ("ftp.example" is ftp); curl uses http for a proxy.
  std::string_view scheme_text = scheme ? scheme.get() : "http";
  if (proxy_url.find("://") == std::string_view::npos) scheme_text = "http";
  bool known = false;
  for (auto name : usable) known = known || name == scheme_text;
  if (!known) throw bad("curl cannot use a " + std::string(scheme_text) + ":// proxy");
  auto host = part(handle.get(), CURLUPART_HOST);
  if (!host || *host.get() == '\0') throw bad("no host name");
  auto port = part(handle.get(), CURLUPART_PORT);
  // curl's default proxy port is 1080 for every scheme but https (443).
  std::string port_text = port ? port.get() : (scheme_text == "https" ? "443" : "1080");
  return std::string(host.get()) + ":" + port_text;
}

}  // namespace hfcache::http
