#include "archive/member_path.hpp"

#include "core/lfs_rules.hpp"

#include <vector>

#include "core/errors.hpp"
#include "core/revision.hpp"

namespace hfcache::archive {
namespace {

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 300)) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return out;
}

bool has_drive_letter(std::string_view s) {
  return s.size() >= 2 && s[1] == ':' && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'));
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) parts.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

void refuse(const std::string& what) {
  throw UsageError(what, "the archive or folder is damaged or unsafe; nothing was imported and the cache is unchanged");
}

void refuse_for_space(const std::string& what) {
  throw Error(ExitCode::failure, what,
              "free space on the cache's file system (`hfcache gc --max-size SIZE`, or remove what you do not need) "
              "or import into a cache with more room; nothing was imported and the cache is unchanged");
}

std::string normalize_member_name(std::string_view raw) {
  if (raw.empty()) refuse("an archive member has an empty name");
  if (raw.size() > 8192) refuse("an archive member name is longer than 8192 bytes");
  std::string name(raw);
  for (auto& c : name) {
    if (c == '\\') c = '/';
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) refuse("archive member '" + printable(raw) + "' has a control character in its name");
  }
  if (name.front() == '/') refuse("archive member '" + printable(raw) + "' has an absolute name");
  if (has_drive_letter(name)) refuse("archive member '" + printable(raw) + "' names a drive letter");
  std::string out;
  for (const auto& part : split(name)) {
    if (part == ".") continue;
    if (part == "..") refuse("archive member '" + printable(raw) + "' has a '..' part (it would land outside the cache)");
    if (part.find(':') != std::string::npos && has_drive_letter(part))
      refuse("archive member '" + printable(raw) + "' names a drive letter");
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

std::optional<MemberPlace> locate_member(std::string_view normalized) {
  auto parts = split(normalized);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == ".locks") return std::nullopt;
    if (auto repo = core::repo_from_folder_name(parts[i])) {
      MemberPlace place{*repo, {}};
      for (std::size_t k = i + 1; k < parts.size(); ++k) {
        if (!place.in_repo.empty()) place.in_repo += '/';
        place.in_repo += parts[k];
      }
      return place;
    }
  }
  return std::nullopt;
}

std::optional<std::string> link_target_blob(std::string_view link_in_repo, std::string_view target,
                                            std::string_view repo_folder) {
  std::string t(target);
  for (auto& c : t)
    if (c == '\\') c = '/';
  std::string shown = "link '" + printable(link_in_repo) + "' -> '" + printable(target) + "'";
  if (t.empty()) refuse(shown + " has an empty target");
  if (t.front() == '/' || has_drive_letter(t)) {
    if (!repo_folder.empty()) {
      std::string tail = "/" + std::string(repo_folder) + "/blobs/";
      auto at = t.rfind(tail);
      if (at != std::string::npos && core::is_etag(std::string_view(t).substr(at + tail.size())))
        return t.substr(at + tail.size());
    }
    refuse(shown + " points at an absolute path");
  }
  auto parts = split(link_in_repo);
  if (!parts.empty()) parts.pop_back();  // the link's folder
  for (const auto& part : split(t)) {
    if (part == ".") continue;
    if (part == "..") {
      if (parts.empty()) refuse(shown + " points outside its repo folder");
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  if (parts.size() == 2 && parts[0] == "blobs" && core::is_etag(parts[1])) return parts[1];
  return std::nullopt;
}

std::optional<std::string> text_link_target(std::string_view content) {
  if (content.size() > 512) return std::nullopt;
  auto first = content.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  auto last = content.find_last_not_of(" \t\r\n");
  auto text = content.substr(first, last - first + 1);
  if (!text.starts_with("..")) return std::nullopt;
  std::string t(text);
  for (auto& c : t)
    if (c == '\\') c = '/';
  auto slash = t.rfind("/blobs/");
  if (slash == std::string::npos || !core::is_etag(t.substr(slash + 7))) return std::nullopt;
  for (auto part : split(std::string_view(t).substr(0, slash)))
    if (part != "..") return std::nullopt;
  return std::string(text);
}

}  // namespace hfcache::archive

namespace hfcache::archive {

std::string guess_etag(std::string_view path, std::uint64_t size, const std::string& sha256, const std::string& git_sha1) {
  return core::stored_in_lfs(path, size) ? sha256 : git_sha1;
}

}  // namespace hfcache::archive
