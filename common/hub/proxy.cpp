#include "hub/proxy.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/errors.hpp"
#include "util/strings.hpp"

namespace hfcache::hub {
namespace {

std::string env(const char* lower_name, const char* upper_name) {
  for (const char* name : {lower_name, upper_name}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || ptr != text.data() + text.size() || port <= 0 || port > 65535) return std::nullopt;
  return port;
}

// An IPv4 or IPv6 address in network byte order (16 bytes; `size` 4 or 16).
struct IpAddress {
  std::array<unsigned char, 16> bytes{};
  int size = 0;
};

std::optional<IpAddress> parse_ip(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.size = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.size = 16;
    return ip;
  }
  return std::nullopt;
}

bool same_prefix(const IpAddress& a, const IpAddress& b, int bits) {
  if (a.size != b.size || bits < 0 || bits > a.size * 8) return false;
  int full = bits / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<std::size_t>(full)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a.bytes[static_cast<std::size_t>(full)] & mask) == (b.bytes[static_cast<std::size_t>(full)] & mask);
}

// One NO_PROXY entry split into name (or address, or CIDR) and optional port.
struct NoProxyEntry {
  std::string name;
  std::optional<int> port;
};

std::optional<NoProxyEntry> split_entry(std::string_view token) {
  NoProxyEntry entry;
  if (token.front() == '[') {
    auto close = token.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    entry.name = std::string(token.substr(1, close - 1));
    auto after = token.substr(close + 1);
    if (after.starts_with('/')) {  // [::1]/128
      entry.name += std::string(after);
    } else if (after.starts_with(':')) {
      entry.port = parse_port(after.substr(1));
      if (!entry.port) return std::nullopt;
    }
    return entry;
  }
  auto colon = token.find(':');
  if (colon != std::string_view::npos && token.find(':', colon + 1) == std::string_view::npos) {
    entry.name = std::string(token.substr(0, colon));
    entry.port = parse_port(token.substr(colon + 1));
    if (!entry.port) return std::nullopt;
  } else {
    entry.name = std::string(token);  // a name, an IPv4 address or a bare IPv6 address
  }
  return entry;
}

bool entry_matches(const NoProxyEntry& entry, const std::string& host, int port) {
  if (entry.port && *entry.port != port) return false;
  auto host_ip = parse_ip(host);
  if (auto slash = entry.name.find('/'); slash != std::string::npos) {
    auto network = parse_ip(std::string_view(entry.name).substr(0, slash));
    int bits = 0;
    auto bits_text = std::string_view(entry.name).substr(slash + 1);
    auto [ptr, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
    if (!network || !host_ip || ec != std::errc{} || ptr != bits_text.data() + bits_text.size()) return false;
    return same_prefix(*network, *host_ip, bits);
  }
  if (auto entry_ip = parse_ip(entry.name)) {
    return host_ip && host_ip->size == entry_ip->size && same_prefix(*host_ip, *entry_ip, entry_ip->size * 8);
  }
  std::string_view name = entry.name;
  while (name.starts_with('.')) name.remove_prefix(1);
  while (name.ends_with('.')) name.remove_suffix(1);
  std::string_view h = host;
  while (h.ends_with('.')) h.remove_suffix(1);
  if (name.empty()) return false;
  if (h == name) return true;
  return h.size() > name.size() && h.ends_with(name) && h[h.size() - name.size() - 1] == '.';
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

std::string Proxy::display() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Proxy parse_proxy_url(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string_view rest = text;
  if (auto sep = text.find("://"); sep != std::string_view::npos) {
    auto scheme = util::ascii_lower(text.substr(0, sep));
    rest = text.substr(sep + 3);
    if (scheme != "http") {
      throw UsageError("unsupported proxy scheme '" + scheme + "://'",
                       "use an http:// proxy (HTTPS targets are tunnelled with CONNECT)");
    }
  }
  rest = rest.substr(0, rest.find('/'));
  Proxy proxy;
  std::string_view hostport = rest;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    hostport = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    proxy.username = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) proxy.password = percent_decode(userinfo.substr(colon + 1));
  }
  auto bad = [&]() {
    return UsageError("invalid proxy address '" + std::string(hostport) + "'", "write it as http://host:port");
  };
  std::string_view port_text;
  if (hostport.starts_with('[')) {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) throw bad();
    proxy.host = std::string(hostport.substr(1, close - 1));
    auto after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) throw bad();
      port_text = after.substr(1);
    }
  } else {
    auto colon = hostport.rfind(':');
    proxy.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port_text = hostport.substr(colon + 1);
  }
  if (proxy.host.empty()) throw bad();
  if (!port_text.empty()) {
    auto port = parse_port(port_text);
    if (!port) throw bad();
    proxy.port = *port;
  }
  return proxy;
}

bool bypasses_proxy(std::string_view no_proxy, std::string_view host, int port) {
  std::string h = util::ascii_lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::size_t pos = 0;
  while (pos < no_proxy.size()) {
    auto end = no_proxy.find_first_of(", \t", pos);
    if (end == std::string_view::npos) end = no_proxy.size();
    auto token = util::ascii_lower(no_proxy.substr(pos, end - pos));
    pos = end + 1;
    if (token.empty()) continue;
    if (token == "*") return true;
    auto entry = split_entry(token);
    if (entry && entry_matches(*entry, h, port)) return true;
  }
  return false;
}

std::optional<Proxy> select_proxy(const ProxyConfig& config, const Url& target) {
  const std::string& chosen = target.scheme == "https" ? config.https_proxy : config.http_proxy;
  const std::string& value = chosen.empty() ? config.all_proxy : chosen;
  if (value.empty() || bypasses_proxy(config.no_proxy, target.host, target.port)) return std::nullopt;
  return parse_proxy_url(value);
}

}  // namespace hfcache::hub
