#include "http/via_header.hpp"

#include <cctype>

namespace hfcache::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// RFC 9110 tchar, plus ':' and '[' ']' for host:port and IPv6 literals in received-by.
bool is_received_by_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~': case ':': case '[': case ']':
      return true;
    default:
      return false;
  }
}

bool equal_ascii_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// One word of printable characters other than ',' and '(' (protocol and received-by).
std::string_view word(std::string_view text, std::size_t& pos) {
  auto start = pos;
  while (pos < text.size() && !is_space(text[pos]) && text[pos] != ',' && text[pos] != '(') ++pos;
  return text.substr(start, pos - start);
}

void skip_spaces(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
}

// A comment starting at text[pos] == '(': nested parentheses and quoted-pairs as RFC 9110 5.6.5.
// Returns nullopt when it never closes (pos is then at the end).
std::optional<std::string> comment(std::string_view text, std::size_t& pos) {
  int depth = 0;
  std::string out;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '\\' && pos + 1 < text.size()) {
      out += text[++pos];
      continue;
    }
    if (c == '(') {
      if (depth++ > 0) out += c;
    } else if (c == ')') {
      if (--depth == 0) {
        ++pos;
        return out;
      }
      out += c;
    } else {
      out += c;
    }
  }
  return std::nullopt;
}

// Skip to the character after the next top-level ',' (commas inside comments do not count).
void skip_member(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && text[pos] != ',') {
    if (text[pos] == '(') {
      if (!comment(text, pos)) return;
    } else {
      ++pos;
    }
  }
  if (pos < text.size()) ++pos;
}

}  // namespace

std::vector<ViaEntry> parse_via(std::string_view value) {
  std::vector<ViaEntry> out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    skip_spaces(value, pos);
    if (pos < value.size() && value[pos] == ',') {  // empty list members are allowed
      ++pos;
      continue;
    }
    if (pos >= value.size()) break;
    ViaEntry entry;
    entry.protocol = std::string(word(value, pos));
    skip_spaces(value, pos);
    auto by = word(value, pos);
    bool valid = !entry.protocol.empty() && !by.empty();
    for (char c : by) valid = valid && is_received_by_char(c);
    entry.received_by = std::string(by);
    skip_spaces(value, pos);
    if (pos < value.size() && value[pos] == '(') {
      auto text = comment(value, pos);
      if (!text) break;  // unclosed: the rest of the field is one broken comment
      entry.comment = std::move(*text);
      skip_spaces(value, pos);
    }
    if (pos < value.size() && value[pos] != ',') valid = false;
    skip_member(value, pos);
    if (valid) out.push_back(std::move(entry));
  }
  return out;
}

bool via_contains(std::string_view value, std::string_view received_by) {
  for (const auto& entry : parse_via(value)) {
    if (equal_ascii_nocase(entry.received_by, received_by)) return true;
  }
  return false;
}

std::string append_via(std::string_view value, std::string_view received_by, std::string_view comment_text) {
  std::string out(value);
  while (!out.empty() && (is_space(out.back()) || out.back() == ',')) out.pop_back();
  if (!out.empty()) out += ", ";
  out += "1.1 ";
  out += received_by;
  if (!comment_text.empty()) {
    out += " (";
    for (char c : comment_text) {
      if (c == '(' || c == ')' || c == '\\') out += '\\';
      out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    }
    out += ')';
  }
  return out;
}

std::string via_token(std::string_view name) {
  std::string out;
  for (char c : name) out += is_received_by_char(c) ? c : '-';
  if (out.empty()) out = "hfcached";
  return out;
}

}  // namespace hfcache::http
