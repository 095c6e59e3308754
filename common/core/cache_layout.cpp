#include "core/cache_layout.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "util/fs.hpp"

namespace hfcache::core {
namespace {

// huggingface_hub _local_folder.py CACHEDIR_TAG_CONTENT, byte for byte.
constexpr std::string_view cachedir_tag_content =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by huggingface_hub.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n";

[[noreturn]] void bad_path(std::string_view path, std::string_view why) {
  std::string shown;
  for (unsigned char c : path) shown += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  throw UsageError("invalid file path '" + shown + "': " + std::string(why),
                   "give a path inside the repo, with '/' between folders, such as onnx/model.onnx");
}

}  // namespace

void validate_repo_path(std::string_view path) {
  if (path.empty()) bad_path(path, "it is empty");
  if (path.size() > 4096) bad_path(path, "it is too long");
  if (path.front() == '/') bad_path(path, "it is absolute");
  if (path.size() >= 2 && path[1] == ':') bad_path(path, "it starts with a drive letter");
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) bad_path(path, "it holds a control character");
    if (c == '\\') bad_path(path, "it holds a backslash");
  }
  std::size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    auto part = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty()) bad_path(path, "it has an empty part ('//' or a trailing '/')");
    if (part == "." || part == "..") bad_path(path, "it has a '.' or '..' part");
    if (part.size() > 255) bad_path(path, "a part is longer than 255 bytes");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

std::string snapshot_link_target(std::string_view path_in_repo, std::string_view etag) {
  std::string target;
  auto depth = static_cast<std::size_t>(std::count(path_in_repo.begin(), path_in_repo.end(), '/'));
  for (std::size_t i = 0; i < depth + 2; ++i) target += "../";
  target += "blobs/";
  target += etag;
  return target;
}

CacheLayout::CacheLayout(fs::path root) : root_(std::move(root)) {}

fs::path CacheLayout::repo_dir(const RepoRef& repo) const { return root_ / repo.folder_name(); }
fs::path CacheLayout::blobs_dir(const RepoRef& repo) const { return repo_dir(repo) / "blobs"; }
fs::path CacheLayout::blob_path(const RepoRef& repo, std::string_view etag) const { return blobs_dir(repo) / etag; }
fs::path CacheLayout::incomplete_path(const RepoRef& repo, std::string_view etag) const {
  return blobs_dir(repo) / (std::string(etag) + ".incomplete");
}
fs::path CacheLayout::ref_path(const RepoRef& repo, std::string_view revision) const {
  return repo_dir(repo) / "refs" / revision;
}
fs::path CacheLayout::snapshot_dir(const RepoRef& repo, std::string_view commit) const {
  return repo_dir(repo) / "snapshots" / commit;
}
fs::path CacheLayout::snapshot_file(const RepoRef& repo, std::string_view commit, std::string_view path) const {
  validate_repo_path(path);
  return snapshot_dir(repo, commit) / path;
}
fs::path CacheLayout::no_exist_path(const RepoRef& repo, std::string_view commit, std::string_view path) const {
  validate_repo_path(path);
  return repo_dir(repo) / ".no_exist" / commit / path;
}
fs::path CacheLayout::tree_cache_path(const RepoRef& repo, std::string_view commit) const {
  return repo_dir(repo) / "trees" / (std::string(commit) + ".json");
}
fs::path CacheLayout::lock_path(const RepoRef& repo, std::string_view etag) const {
  return root_ / ".locks" / repo.folder_name() / (std::string(etag) + ".lock");
}
fs::path CacheLayout::write_lock_path(const RepoRef& repo) const {
  return root_ / ".locks" / repo.folder_name() / ".hfcache-write.lock";
}

bool CacheLayout::cachedir_tag_expected() const {
  std::error_code ec;
  if (fs::exists(root_ / "CACHEDIR.TAG", ec)) return true;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    auto name = entry.path().filename().string();
    bool repo_folder = false;
    for (const char* prefix : {"models--", "datasets--", "spaces--", "kernels--"}) repo_folder |= name.starts_with(prefix);
    if (!repo_folder) continue;
    // A snapshot with a file in it: a cache some client filled without the tag. refs/, trees/ and
    // empty snapshot folders (written by our own answers before any file) do not count.
    std::error_code sub_ec;
    for (const auto& snapshot : fs::directory_iterator(entry.path() / "snapshots", sub_ec)) {
      std::error_code file_ec;
      if (fs::directory_iterator(snapshot.path(), file_ec) != fs::directory_iterator()) return false;
    }
  }
  return true;
}

void CacheLayout::ensure_cachedir_tag() const {
  auto tag = root_ / "CACHEDIR.TAG";
  if (fs::exists(tag)) return;
  fs::create_directories(root_);
  util::atomic_write_file(tag, cachedir_tag_content);
}

}  // namespace hfcache::core
