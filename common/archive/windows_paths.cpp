#include "archive/windows_paths.hpp"

#include <map>
#include <set>

#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace hfcache::archive {
namespace {

// Upper case as NTFS compares names. NTFS uses its own table (Unicode simple upper case); this
// covers the scripts hub file names use in practice: ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic. A pair it misses is reported by no one, never wrongly.
char32_t windows_upper(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_lower ? (c % 2 == 0) : (c % 2 == 1)) return c - 1;
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

std::string fold(std::string_view path) {
  std::string out;
  for (char32_t c : util::decode_utf8_lenient(path)) util::append_utf8(out, windows_upper(c));
  return out;
}

// Length in UTF-16 code units, as Windows counts MAX_PATH.
std::size_t utf16_length(std::string_view text) {
  std::size_t n = 0;
  for (char32_t c : util::decode_utf8_lenient(text)) n += c > 0xFFFF ? 2 : 1;
  return n;
}

bool is_reserved_base(std::string_view base) {
  auto upper = util::ascii_lower(base);
  for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (const char* r : {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"})
    if (upper == r) return true;
  if (upper.size() < 4 || (upper.substr(0, 3) != "COM" && upper.substr(0, 3) != "LPT")) return false;
  auto digit = std::string_view(upper).substr(3);
  // COM0-9, LPT0-9, and the superscript digits ¹ ² ³ that Windows also reads as digits here.
  if (digit.size() == 1) return digit[0] >= '0' && digit[0] <= '9';
  return digit == "\xc2\xb9" || digit == "\xc2\xb2" || digit == "\xc2\xb3";
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

std::string windows_name_problem(std::string_view name) {
  if (name.empty()) return "";
  if (!util::is_valid_utf8(name))  // a zip marks its names UTF-8; Windows would show these bytes garbled
    return "a name that is not valid UTF-8, which Windows cannot spell";
  for (unsigned char c : name) {
    if (c < 0x20) return quoted(name) + " holds a control character, which Windows does not allow in a name";
    if (std::string_view("<>:\"|?*\\").find(static_cast<char>(c)) != std::string_view::npos)
      return quoted(name) + " holds the character '" + std::string(1, static_cast<char>(c)) +
             "', which Windows does not allow in a name";
  }
  if (name.back() == '.') return quoted(name) + " ends with a dot, which Windows drops";
  if (name.back() == ' ') return quoted(name) + " ends with a space, which Windows drops";
  // The device name is the part before the first dot, trailing spaces ignored ("NUL .txt" is NUL).
  auto base = name.substr(0, name.find('.'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  if (is_reserved_base(base)) return quoted(name) + " is a reserved name on Windows (a device, whatever the extension)";
  return "";
}

std::vector<WindowsPathProblem> windows_path_problems(const std::vector<std::string>& paths) {
  std::vector<WindowsPathProblem> out;
  std::map<std::string, std::string> file_by_fold;    // folded path -> the first path seen
  std::map<std::string, std::string> folder_by_fold;  // folded folder -> its first spelling
  std::set<std::string> seen;
  for (const auto& path : paths)
    for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
      folder_by_fold.emplace(fold(path.substr(0, slash)), path.substr(0, slash));
  for (const auto& path : paths) {
    if (!seen.insert(path).second) continue;
    std::size_t start = 0;
    while (start <= path.size()) {
      auto end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      if (auto why = windows_name_problem(std::string_view(path).substr(start, end - start)); !why.empty())
        out.push_back({path, why});
      start = end + 1;
    }
    auto folded = fold(path);
    auto [it, fresh] = file_by_fold.emplace(folded, path);
    if (!fresh)
      out.push_back({path, "differs from " + quoted(it->second) + " only by case: on Windows both are one file"});
    if (auto f = folder_by_fold.find(folded); f != folder_by_fold.end())
      out.push_back({path, "is a file where " + quoted(f->second) + " is a folder (Windows ignores case)"});
    std::size_t length = typical_windows_hub_root.size() + utf16_length(path);
    if (length >= windows_max_path)
      out.push_back({path, "is " + std::to_string(length) + " characters long under " + std::string(typical_windows_hub_root) +
                               ", over Windows' MAX_PATH of " + std::to_string(windows_max_path - 1)});
  }
  return out;
}

std::string describe(const std::vector<WindowsPathProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  " + p.path + ": " + p.why + "\n";
  return out;
}

}  // namespace hfcache::archive
