#pragma once
// The daemon's listen address (`listen` setting, --listen HOST:PORT) and whether it is loopback:
// off loopback, admin calls always need the admin token.
#include <string>
#include <string_view>

namespace hfcache::server {

struct ListenAddress {
  std::string host;  // as given to bind(): "127.0.0.1", "0.0.0.0", "::1" (no brackets)
  int port = 0;
  bool loopback = true;

  // "127.0.0.1:8765", "[::1]:8765"
  std::string text() const;
};

// Parse HOST:PORT ("[v6]:PORT" for IPv6; "localhost" counts as loopback). Throws UsageError.
ListenAddress parse_listen_address(std::string_view text);

}  // namespace hfcache::server
