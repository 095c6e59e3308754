#include "core/link_target.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/cache_layout.hpp"
#include "core/revision.hpp"

namespace hfcache::core {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool is_sep(char c) { return c == '/' || c == '\\'; }

std::vector<std::string_view> split_parts(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || is_sep(text[i])) {
      if (i > start) parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool is_drive_letter_path(std::string_view t) {
  return t.size() >= 2 && t[1] == ':' && ((t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z'));
}

// /mnt/c/... (WSL) or /cygdrive/c/... (Cygwin, MSYS).
bool is_windows_mount(std::string_view t) {
  for (std::string_view prefix : {std::string_view("/mnt/"), std::string_view("/cygdrive/")}) {
    if (!t.starts_with(prefix)) continue;
    auto rest = t.substr(prefix.size());
    if (rest.size() >= 2 && std::isalpha(static_cast<unsigned char>(rest[0])) && rest[1] == '/') return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> parse_text_link(std::string_view content) {
  if (content.size() > max_text_link_bytes) return std::nullopt;
  while (!content.empty() && is_space(content.back())) content.remove_suffix(1);
  std::size_t ups = 0;
  while (content.size() >= 3 && content[0] == '.' && content[1] == '.' && is_sep(content[2])) {
    content.remove_prefix(3);
    ++ups;
  }
  if (ups == 0 || content.size() < 6 || !content.starts_with("blobs") || !is_sep(content[5])) return std::nullopt;
  auto name = content.substr(6);
  if (!is_etag(name)) return std::nullopt;
  return std::string(name);
}

std::optional<std::string> blob_name_of(std::string_view target) {
  auto parts = split_parts(target);
  if (parts.size() < 2 || parts[parts.size() - 2] != "blobs" || !is_etag(parts.back())) return std::nullopt;
  return std::string(parts.back());
}

TargetInfo analyse_link_target(std::string_view target, std::string_view path_in_repo) {
  TargetInfo info;
  info.etag = blob_name_of(target);
  bool backslash = target.find('\\') != std::string_view::npos;
  if (backslash || is_drive_letter_path(target) || target.starts_with("//") || is_windows_mount(target)) {
    info.kind = TargetInfo::Kind::windows;
    return info;
  }
  if (target.starts_with('/')) {
    // Another machine's cache when it names a blob; anything else (/etc/passwd) is just outside.
    info.kind = info.etag ? TargetInfo::Kind::foreign : TargetInfo::Kind::outside;
    return info;
  }
  if (info.etag && target == snapshot_link_target(path_in_repo, *info.etag)) {
    info.kind = TargetInfo::Kind::canonical;
    return info;
  }
  // Resolve lexically from snapshots/<commit>/<dir of path> inside the repo folder.
  std::vector<std::string_view> stack = {"snapshots", "<commit>"};
  auto dir_parts = split_parts(path_in_repo);
  if (!dir_parts.empty()) dir_parts.pop_back();
  stack.insert(stack.end(), dir_parts.begin(), dir_parts.end());
  for (auto part : split_parts(target)) {
    if (part == ".") continue;
    if (part == "..") {
      if (stack.empty()) {
        info.kind = TargetInfo::Kind::outside;
        return info;
      }
      stack.pop_back();
      continue;
    }
    stack.push_back(part);
  }
  bool at_blob = stack.size() == 2 && stack[0] == "blobs" && is_etag(stack[1]);
  info.kind = at_blob ? TargetInfo::Kind::in_repo : TargetInfo::Kind::outside;
  if (!at_blob) info.etag.reset();  // lands elsewhere in the repo folder: its name says nothing
  return info;
}

}  // namespace hfcache::core
