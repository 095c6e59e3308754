#include "util/glob.hpp"

#include "util/utf8.hpp"

namespace hfcache::util {
namespace {

using Text = std::u32string_view;

// Match a [...] class at pattern[p] (pointing at '['); returns the index after ']' or npos if the
// class is unterminated (then '[' is literal, as in fnmatch).
std::size_t match_class(Text pattern, std::size_t p, char32_t c, bool& matched) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && pattern[i] == '!') {
    negate = true;
    ++i;
  }
  std::size_t first = i;
  bool found = false;
  while (i < pattern.size() && (pattern[i] != ']' || i == first)) {
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= c && c <= pattern[i + 2]) found = true;
      i += 3;
    } else {
      if (pattern[i] == c) found = true;
      ++i;
    }
  }
  if (i >= pattern.size()) return Text::npos;
  matched = found != negate;
  return i + 1;
}

bool match(Text pattern, Text text) {
  std::size_t p = 0, t = 0;
  std::size_t star_p = Text::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char32_t pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        bool matched = false;
        auto next = match_class(pattern, p, text[t], matched);
        if (next == Text::npos) {
          if (text[t] == '[') {
            ++p;
            ++t;
            continue;
          }
        } else if (matched) {
          p = next;
          ++t;
          continue;
        }
      } else if (pc == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star_p == Text::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Python matches code points, not bytes: '?' takes one 'é'.
  return match(decode_utf8_lenient(pattern), decode_utf8_lenient(text));
}

namespace {
bool matches_any(std::string_view path, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    if (glob_match(pattern, path)) return true;
    if (pattern.ends_with('/') && glob_match(pattern + "*", path)) return true;
  }
  return false;
}
}  // namespace

bool glob_filter(std::string_view path, const std::vector<std::string>& include, const std::vector<std::string>& exclude) {
  if (!include.empty() && !matches_any(path, include)) return false;
  return !matches_any(path, exclude);
}

}  // namespace hfcache::util
