#include "http/link_header.hpp"

#include "http/http_message.hpp"

namespace hfcache::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }


// Parse `; name=value; name="quoted, value"` after the URL up to the entry's end (a comma outside
// quotes). Advances `pos` past that comma. Returns the rel value.
std::string parse_params(std::string_view value, std::size_t& pos) {
  std::string rel;
  while (pos < value.size() && value[pos] != ',') {
    if (value[pos] != ';') {
      ++pos;
      continue;
    }
    ++pos;
    auto name_end = value.find_first_of("=;,", pos);
    if (name_end == std::string_view::npos) name_end = value.size();
    auto name = trim_ows(value.substr(pos, name_end - pos));
    pos = name_end;
    std::string param;
    if (pos < value.size() && value[pos] == '=') {
      ++pos;
      while (pos < value.size() && is_space(value[pos])) ++pos;
      if (pos < value.size() && value[pos] == '"') {
        ++pos;
        while (pos < value.size() && value[pos] != '"') {
          if (value[pos] == '\\' && pos + 1 < value.size()) ++pos;
          param += value[pos++];
        }
        if (pos < value.size()) ++pos;  // closing quote
      } else {
        auto end = value.find_first_of(";,", pos);
        if (end == std::string_view::npos) end = value.size();
        param = std::string(trim_ows(value.substr(pos, end - pos)));
        pos = end;
      }
    }
    if (iequals(name, "rel") && rel.empty()) rel = std::move(param);
  }
  if (pos < value.size()) ++pos;  // the comma
  return rel;
}

}  // namespace

std::vector<LinkEntry> parse_link_header(std::string_view value) {
  std::vector<LinkEntry> entries;
  std::size_t pos = 0;
  while (pos < value.size()) {
    while (pos < value.size() && (is_space(value[pos]) || value[pos] == ',')) ++pos;
    if (pos >= value.size()) break;
    if (value[pos] != '<') {
      // Not an entry start: skip to the next comma.
      auto comma = value.find(',', pos);
      pos = comma == std::string_view::npos ? value.size() : comma + 1;
      continue;
    }
    auto close = value.find('>', pos);
    if (close == std::string_view::npos) break;
    LinkEntry entry;
    entry.url = std::string(trim_ows(value.substr(pos + 1, close - pos - 1)));
    pos = close + 1;
    entry.rel = parse_params(value, pos);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::optional<std::string> find_link(std::string_view value, std::string_view rel) {
  for (auto& entry : parse_link_header(value)) {
    std::string_view rels = entry.rel;
    std::size_t start = 0;
    while (start < rels.size()) {
      auto end = rels.find(' ', start);
      if (end == std::string_view::npos) end = rels.size();
      if (iequals(rels.substr(start, end - start), rel)) return entry.url;
      start = end + 1;
    }
  }
  return std::nullopt;
}

}  // namespace hfcache::http
