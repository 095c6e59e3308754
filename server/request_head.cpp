#include "request_head.hpp"

#include <algorithm>

#include "http_syntax.hpp"
#include "util/strings.hpp"

namespace hfcache::server {
namespace {

using util::iequals;

constexpr Refusal bare_lf{400, "a line of the head ends in a bare LF (CRLF is required)"};
constexpr Refusal bare_cr{400, "a CR inside a line of the head"};
constexpr Refusal long_request_line{414, "the request line is longer than 8192 bytes"};
constexpr Refusal long_field_line{431, "a header field line is longer than 8192 bytes"};
constexpr Refusal large_section{431, "the request head is larger than http_max_header_bytes"};
constexpr Refusal many_fields{431, "more header fields than http_max_headers"};

// The methods cpp-httplib routes (it answers 400 for CONNECT, TRACE and PRI, which need no support here).
bool known_method(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    if (m == known) return true;
  return false;
}

Refusal parse_request_line(std::string_view line, RequestHead& head) {
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return {400, "the request line is not METHOD SP TARGET SP VERSION"};
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (!is_token(method)) return {400, "the method is not a token"};
  if (target.empty() ||
      std::any_of(target.begin(), target.end(), [](unsigned char c) { return c < 0x21 || c == 0x7f; }))
    return {400, "the request target is empty or holds control characters"};
  // HTTP-version = "HTTP/" DIGIT "." DIGIT
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || !version.starts_with("HTTP/") || !digit(version[5]) || version[6] != '.' ||
      !digit(version[7]))
    return {400, "the request line has no valid HTTP version"};
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return {505, "only HTTP/1.0 and HTTP/1.1 are served"};
  if (!known_method(method)) return {501, "the method is not implemented"};
  head.method = method;
  head.target = target;
  head.version = version;
  return {};
}

// The fields whose value decides where the body ends must be written plainly: "Name: value", at most
// one space after the colon and no tab or trailing space, because parsers differ on what they trim
// (a proxy reading "Transfer-Encoding:\tchunked" as no transfer coding frames the body differently).
bool plainly_written(std::string_view raw_value) {
  if (raw_value.starts_with(' ')) raw_value.remove_prefix(1);
  if (raw_value.empty()) return true;
  return raw_value.find('\t') == std::string_view::npos && raw_value.front() != ' ' && raw_value.back() != ' ';
}

Refusal parse_field_line(std::string_view line, RequestHead& head) {
  if (line.front() == ' ' || line.front() == '\t') return {400, "a folded header line (obs-fold)"};
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return {400, "a header line without a colon"};
  auto name = line.substr(0, colon);
  if (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
    return {400, "whitespace between a header field name and its colon"};
  if (!is_token(name)) return {400, "a header field name is not a token"};
  auto raw_value = line.substr(colon + 1);
  auto value = util::trim(raw_value, " \t");
  if (!is_field_value(value)) return {400, "a header field value holds control characters"};
  if ((iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) && !plainly_written(raw_value))
    return {400, "Content-Length or Transfer-Encoding written with tabs or extra spaces"};
  // The canonical line handed to httplib is "name: value" and must stay within its limit too.
  if (name.size() + 2 + value.size() + 2 > HeadLimits::field_line) return long_field_line;
  head.headers.emplace_back(std::string(name), std::string(value));
  return {};
}

// The lines of a complete head (every line end already checked to be CRLF), judged one by one.
Refusal parse_lines(std::string_view text, RequestHead& head) {
  bool first = true;
  while (!text.empty()) {
    auto end = text.find("\r\n");
    auto line = text.substr(0, end);
    text.remove_prefix(end + 2);
    if (line.empty()) break;  // the empty line ending the head
    if (line.find('\r') != std::string_view::npos) return bare_cr;
    auto refusal = first ? parse_request_line(line, head) : parse_field_line(line, head);
    if (refusal) return refusal;
    first = false;
  }
  return {};
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
  if (version != "HTTP/1.1" || (method != "GET" && method != "HEAD")) return false;
  if (count("Transfer-Encoding") || count("Expect") || count("Upgrade")) return false;
  if (auto n = count("Content-Length"); n > 1 || (n == 1 && *header("Content-Length") != "0")) return false;
  return true;
}

bool RequestHead::wants_close() const {
  const auto* connection = header("Connection");
  return connection && *connection == "close";
}

HeadParse parse_request_head(std::string_view buffer, const HeadLimits& limits, HeadScan& scan) {
  HeadParse out;
  auto refuse = [&out](Refusal r) {
    out.state = HeadParse::State::refused;
    out.refusal = r;
    return out;
  };
  while (true) {
    if (!scan.started) {
      // Empty lines before the request line are skipped; they still count towards the head's size.
      while (buffer.substr(scan.position).starts_with("\r\n")) scan.position += 2;
      if (scan.position > limits.section) return refuse(large_section);
      if (scan.position == buffer.size() || buffer.substr(scan.position) == "\r") return out;
      if (buffer[scan.position] == '\n') return refuse(bare_lf);
      scan.started = true;
      scan.line_start = scan.request_line = scan.position;
    }
    auto line_limit = scan.lines == 0 ? HeadLimits::request_line : HeadLimits::field_line;
    auto lf = buffer.find('\n', scan.position);
    if (lf == std::string_view::npos) {
      scan.position = buffer.size();
      // The line still arriving will end in at least one more byte.
      if (buffer.size() - scan.line_start + 1 > line_limit)
        return refuse(scan.lines == 0 ? long_request_line : long_field_line);
      if (buffer.size() > limits.section) return refuse(large_section);
      return out;
    }
    if (lf == 0 || buffer[lf - 1] != '\r') return refuse(bare_lf);
    auto line_length = lf + 1 - scan.line_start;
    if (lf + 1 > limits.section) return refuse(large_section);
    if (line_length == 2 && scan.lines > 0) {
      out.head.length = lf + 1;
      auto text = buffer.substr(scan.request_line, out.head.length - scan.request_line);
      if (auto refusal = parse_lines(text, out.head)) return refuse(refusal);
      out.state = HeadParse::State::complete;
      return out;
    }
    if (line_length > line_limit) return refuse(scan.lines == 0 ? long_request_line : long_field_line);
    if (scan.lines > limits.fields) return refuse(many_fields);  // this line would be one field too many
    scan.lines++;
    scan.position = scan.line_start = lf + 1;
  }
}

HeadParse parse_request_head(std::string_view buffer, const HeadLimits& limits) {
  HeadScan scan;
  return parse_request_head(buffer, limits, scan);
}

}  // namespace hfcache::server
