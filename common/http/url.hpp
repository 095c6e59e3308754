#pragma once
// Absolute http(s) URLs as the hub client needs them: parsing, percent-encoding the way
// huggingface_hub does (Python urllib.parse.quote), resolving redirect Locations, origin checks
// and redaction for logs. Pure functions; nothing here does I/O.
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::http {

struct Url {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; IPv6 literals without brackets
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path and query, always starting with '/'

  // "https://host:443": scheme, host and port; what same-origin checks compare.
  std::string origin() const;
  // The host, IPv6 literals in brackets.
  std::string bracketed_host() const;
  // "host" or "host:port" (port omitted when default), IPv6 in brackets: for messages and Host.
  std::string authority() const;
  std::string path() const;   // target without the query
  std::string query() const;  // after '?', without it; empty if none
  std::string str() const;    // scheme://authority + target
};

// Parse an absolute http:// or https:// URL; nullopt for anything else (no userinfo accepted).
std::optional<Url> parse_url(std::string_view text);

bool same_origin(const Url& a, const Url& b);

// Python quote(text, safe): UTF-8 bytes other than A-Za-z0-9_.-~ and `safe` become %XX (upper hex).
std::string percent_encode(std::string_view text, std::string_view safe);
// quote(revision, safe=""): "refs/pr/1" -> "refs%2Fpr%2F1".
inline std::string quote_revision(std::string_view rev) { return percent_encode(rev, ""); }
// quote(path): slashes kept, "read me.txt" -> "read%20me.txt".
inline std::string quote_path(std::string_view path) { return percent_encode(path, "/"); }
// Decode %XX sequences (invalid ones are kept as they are).
std::string percent_decode(std::string_view text);

// Resolve a Location header against the URL that answered (RFC 3986 reference resolution,
// query of the Location kept). Non-ASCII and blanks in the Location are percent-encoded.
std::optional<Url> resolve_location(const Url& base, std::string_view location);

// True if a Location has no scheme and no host ("/canonical/repo/resolve/main/x").
bool is_relative_location(std::string_view location);

// huggingface_hub's rule for relative redirects on HEAD: keep the requested URL, replace only its
// path with the Location's path (the Location's query is dropped, the original query kept).
Url replace_path(const Url& base, std::string_view location);

// The URL without its query string ("?<redacted>" instead): signed CDN URLs carry credentials.
std::string redact_url(std::string_view url);

}  // namespace hfcache::http
