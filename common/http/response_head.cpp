#include "http/response_head.hpp"

#include <charconv>

namespace hfcache::http {

bool ResponseHeadReader::add_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    fields_.clear();
    status_ = 0;
    auto space = line.find(' ');
    if (space != std::string_view::npos) {
      int code = 0;
      auto [end, ec] = std::from_chars(line.data() + space + 1, line.data() + line.size(), code);
      if (ec == std::errc{} && code >= 100 && code <= 999) status_ = code;
    }
    return false;
  }
  if (line.empty()) {
    if (status_ >= 100 && status_ < 200) {  // interim: the real head follows
      fields_.clear();
      return false;
    }
    return true;
  }
  if (line.front() == ' ' || line.front() == '\t') {
    auto more = trim_ows(line);
    if (fields_.empty() || more.empty()) return false;
    auto& value = fields_.back().second;
    value += value.empty() ? std::string(more) : " " + std::string(more);
    return false;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  // A field name is a token: a line whose "name" holds blanks or control bytes is no field.
  for (char c : line.substr(0, colon)) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  fields_.emplace_back(std::string(line.substr(0, colon)), std::string(trim_ows(line.substr(colon + 1))));
  return false;
}

HttpHeaders ResponseHeadReader::take_headers() {
  HttpHeaders out;
  for (auto& [name, value] : fields_) out.add(std::move(name), std::move(value));
  fields_.clear();
  return out;
}

}  // namespace hfcache::http
