#include "request_head.hpp"

#include <algorithm>

#include "hub/http_message.hpp"

namespace hfcache::server {
namespace {

// cpp-httplib 0.11 answers 414 for a longer target and 400 for a longer header line.
constexpr std::size_t httplib_line_limit = 8192;

using hub::iequals;
using hub::trim_ows;

// RFC 9110 token characters (method and field names).
bool is_token(std::string_view v) {
  if (v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); });
}

bool parse_request_line(std::string_view line, RequestHead& head) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return false;
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || target.front() != '/') return false;
  if (std::any_of(target.begin(), target.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) return false;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
  head.method = method;
  head.target = target;
  head.version = version;
  return true;
}

}  // namespace

const std::string* RequestHead::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

std::size_t RequestHead::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(), [&](const auto& field) { return iequals(field.first, name); }));
}

bool RequestHead::bodiless_read() const {
  if (!well_formed || version != "HTTP/1.1" || (method != "GET" && method != "HEAD")) return false;
  if (target.size() > httplib_line_limit || longest_line > httplib_line_limit) return false;
  if (count("Transfer-Encoding") || count("Expect") || count("Upgrade")) return false;
  if (auto n = count("Content-Length"); n > 1 || (n == 1 && *header("Content-Length") != "0")) return false;
  return true;
}

bool RequestHead::wants_close() const {
  const auto* connection = header("Connection");
  return connection && *connection == "close";
}

std::optional<RequestHead> parse_request_head(std::string_view buffer) {
  // The head ends at the first empty line; with bare LF line ends that is "\n\n".
  auto end = buffer.find("\n\r\n");
  auto lf_end = buffer.find("\n\n");
  std::size_t length;
  if (end != std::string_view::npos && (lf_end == std::string_view::npos || end < lf_end)) length = end + 3;
  else if (lf_end != std::string_view::npos) length = lf_end + 2;
  else return std::nullopt;

  RequestHead head;
  head.length = length;
  auto text = buffer.substr(0, length);
  bool ok = true;
  bool first = true;
  while (!text.empty()) {
    auto lf = text.find('\n');
    auto line = text.substr(0, lf);
    text.remove_prefix(lf + 1);
    head.longest_line = std::max(head.longest_line, line.size());
    if (line.empty() || line.back() != '\r') {
      ok = false;  // a bare LF: httplib's business
      if (line.empty()) break;
    } else {
      line.remove_suffix(1);
    }
    if (line.empty()) break;
    if (first) {
      first = false;
      ok = parse_request_line(line, head) && ok;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      ok = false;  // folded (obs-fold) or nameless field
      continue;
    }
    auto value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) ok = false;
    head.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  head.well_formed = ok && !first;
  return head;
}

}  // namespace hfcache::server
