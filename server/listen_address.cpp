#include "listen_address.hpp"

#include <charconv>

#include "core/errors.hpp"

namespace hfcache::server {
namespace {

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::string ListenAddress::text() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(std::string_view text) {
  const std::string hint = "give HOST:PORT, for example 127.0.0.1:8765 or [::1]:8765";
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    throw UsageError("bad listen address '" + std::string(text) + "'", hint);
  std::string_view host = text.substr(0, colon), port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) throw UsageError("bad listen address '" + std::string(text) + "'", hint);
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    throw UsageError("bad listen address '" + std::string(text) + "': put an IPv6 host in brackets", hint);
  }
  ListenAddress out;
  out.host = std::string(host);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), out.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || out.port < 1 || out.port > 65535)
    throw UsageError("bad port in listen address '" + std::string(text) + "'", hint);
  out.loopback = is_loopback_host(out.host);
  return out;
}

}  // namespace hfcache::server
