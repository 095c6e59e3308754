#include "http/http_message.hpp"

#include "util/strings.hpp"

namespace hfcache::http {

std::string_view trim_ows(std::string_view text) { return util::trim(text, " \t"); }

bool iequals(std::string_view a, std::string_view b) { return util::iequals(a, b); }

void HttpHeaders::set(std::string_view name, std::string value) {
  remove(name);
  items_.emplace_back(std::string(name), std::move(value));
}

void HttpHeaders::remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& item) { return iequals(item.first, name); });
}

std::optional<std::string_view> HttpHeaders::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string HttpHeaders::value_or(std::string_view name, std::string_view fallback) const {
  return std::string(get(name).value_or(fallback));
}

}  // namespace hfcache::http
