#include "http/url.hpp"

#include <charconv>
#include <vector>

#include "http/http_message.hpp"
#include "util/strings.hpp"

namespace hfcache::http {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// Percent-encode what may not appear raw in a request target: blanks, controls, non-ASCII.
std::string encode_unsafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' ||
        c == '{' || c == '|' || c == '}') {
      out += '%';
      out += hex_digits[c >> 4];
      out += hex_digits[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string_view strip_fragment(std::string_view text) { return text.substr(0, text.find('#')); }


// RFC 3986 section 5.2.4: remove "." and ".." segments from an absolute path.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // path starts with '/'
  bool trailing_slash = false;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    auto segment = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    trailing_slash = false;
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else if (segment == ".") {
      trailing_slash = true;
    } else {
      out.push_back(segment);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  std::string result;
  for (auto segment : out) {
    result += '/';
    result += segment;
  }
  if (trailing_slash || result.empty()) result += '/';
  return result;
}

// Merge a relative path reference with the directory of `base_path` (RFC 3986 section 5.2.3).
std::string merge_path(std::string_view base_path, std::string_view reference) {
  auto slash = base_path.rfind('/');
  std::string merged(base_path.substr(0, slash == std::string_view::npos ? 0 : slash + 1));
  if (merged.empty()) merged = "/";
  merged += reference;
  return merged;
}

bool has_scheme(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto first = text.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false;
  for (char c : text.substr(0, colon)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Split "path?query" into an absolute, dot-free path and the "?query" part.
std::string normalised_target(const Url& base, std::string_view reference) {
  auto q = reference.find('?');
  auto ref_path = reference.substr(0, q);
  auto ref_query = q == std::string_view::npos ? std::string_view{} : reference.substr(q);
  std::string path;
  if (ref_path.empty()) {
    path = base.path();
    if (ref_query.empty()) ref_query = base.target.substr(base.path().size());
  } else if (ref_path.front() == '/') {
    path = remove_dot_segments(ref_path);
  } else {
    path = remove_dot_segments(merge_path(base.path(), ref_path));
  }
  return encode_unsafe(path) + encode_unsafe(ref_query);
}

}  // namespace

std::string Url::bracketed_host() const { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

std::string Url::origin() const { return scheme + "://" + bracketed_host() + ":" + std::to_string(port); }

std::string Url::authority() const {
  if (port == default_port(scheme)) return bracketed_host();
  return bracketed_host() + ":" + std::to_string(port);
}

std::string Url::path() const { return target.substr(0, target.find('?')); }

std::string Url::query() const {
  auto q = target.find('?');
  return q == std::string::npos ? std::string{} : target.substr(q + 1);
}

std::string Url::str() const { return scheme + "://" + authority() + target; }

std::optional<Url> parse_url(std::string_view text) {
  text = trim_ows(text);
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  Url url;
  url.scheme = util::ascii_lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") return std::nullopt;
  auto rest = strip_fragment(text.substr(sep + 3));
  auto authority_end = rest.find_first_of("/?");
  auto authority = rest.substr(0, authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host = authority;
  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  url.host = util::ascii_lower(host);
  url.port = default_port(url.scheme);
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
      return std::nullopt;
    }
    url.port = port;
  }
  auto target = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  url.target = encode_unsafe(target);
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");
  return url;
}

bool same_origin(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

std::string percent_encode(std::string_view text, std::string_view safe) {
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (is_unreserved(c) || (c < 0x80 && safe.find(static_cast<char>(c)) != std::string_view::npos)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex_digits[c >> 4];
      out += hex_digits[c & 15];
    }
  }
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

bool is_relative_location(std::string_view location) {
  location = trim_ows(location);
  return !location.starts_with("//") && !has_scheme(location);
}

std::optional<Url> resolve_location(const Url& base, std::string_view location) {
  location = strip_fragment(trim_ows(location));
  if (location.starts_with("//")) return parse_url(base.scheme + ":" + std::string(location));
  if (has_scheme(location)) return parse_url(location);
  Url url = base;
  url.target = normalised_target(base, location);
  return url;
}

Url replace_path(const Url& base, std::string_view location) {
  location = strip_fragment(trim_ows(location));
  auto path = location.substr(0, location.find('?'));
  Url url = base;
  auto query = base.target.substr(base.path().size());
  if (path.empty()) return url;
  std::string absolute = path.front() == '/' ? std::string(path) : merge_path(base.path(), path);
  url.target = encode_unsafe(remove_dot_segments(absolute)) + query;
  return url;
}

std::string redact_url(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, q)) + "?<redacted>";
}

}  // namespace hfcache::http
