#include "util/strings.hpp"

#include <algorithm>

namespace hfcache::util {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view text, std::string_view chars) {
  auto first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(chars);
  return text.substr(first, last - first + 1);
}

}  // namespace hfcache::util
