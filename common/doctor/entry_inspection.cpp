#include "doctor/entry_inspection.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/lfs_pointer.hpp"
#include "core/link_target.hpp"
#include "core/lnk_parser.hpp"
#include "util/fs.hpp"

namespace hfcache::doctor {
namespace {

namespace fs = std::filesystem;

// The largest blobs/<etag>[.<hex>].incomplete: what an interrupted download left (hfcache and
// huggingface_hub before 1.18 use <etag>.incomplete, newer ones add a random part).
std::optional<std::uint64_t> partial_download(const core::CacheLayout& layout, const core::RepoRef& repo,
                                              const std::string& etag) {
  std::optional<std::uint64_t> best;
  std::error_code ec;
  std::string prefix = etag + ".";
  for (const auto& entry : fs::directory_iterator(layout.blobs_dir(repo), ec)) {
    auto name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".incomplete")) continue;
    auto size = entry.file_size(ec);
    if (!ec && (!best || size > *best)) best = size;
  }
  return best;
}

bool complete_blob(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& etag,
                   const std::optional<ExpectedFile>& expected) {
  if (etag.empty()) return false;
  struct stat st {};
  auto path = layout.blob_path(repo, etag);
  // stat, not lstat: the shared blob store of newer huggingface_hub makes blobs/<etag> a link.
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  return !expected || static_cast<std::uint64_t>(st.st_size) == expected->size;
}

bool can_open(const fs::path& path) {
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  return static_cast<bool>(fd) || errno != EACCES;
}

// Where a link leads, judged from the target text and then the file system.
void inspect_link(const fs::path& file, std::string_view path, EntryState& s) {
  std::error_code ec;
  s.target = fs::read_symlink(file, ec).string();
  auto info = core::analyse_link_target(s.target, path);
  if (s.blob.empty() && info.etag) s.blob = *info.etag;
  struct stat st {};
  bool resolves = ::stat(file.c_str(), &st) == 0;
  if (resolves) s.resolved = fs::weakly_canonical(file, ec).string();
  using K = core::TargetInfo::Kind;
  if (info.kind == K::outside || ((info.kind == K::windows || info.kind == K::foreign) && resolves))
    s.kind = EntryKind::outside_link;
  else if (!resolves)
    s.kind = EntryKind::broken_link;
  else
    s.kind = EntryKind::link;
  if (resolves && !S_ISREG(st.st_mode)) {
    s.kind = EntryKind::not_a_file;
    s.resolved.clear();
  } else if (resolves) {
    s.size = static_cast<std::uint64_t>(st.st_size);
  }
}

}  // namespace

std::string_view to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::link: return "link";
    case EntryKind::copy: return "copy";
    case EntryKind::missing: return "missing";
    case EntryKind::partial: return "partial";
    case EntryKind::blob_unlinked: return "blob_unlinked";
    case EntryKind::shortcut: return "shortcut";
    case EntryKind::broken_link: return "broken_link";
    case EntryKind::outside_link: return "outside_link";
    case EntryKind::text_link: return "text_link";
    case EntryKind::placeholder: return "placeholder";
    case EntryKind::wrong_size: return "wrong_size";
    case EntryKind::unreadable: return "unreadable";
    case EntryKind::not_a_file: return "not_a_file";
    case EntryKind::lfs_pointer: return "lfs_pointer";
  }
  return "missing";
}

EntryState inspect_entry(const core::CacheLayout& layout, const core::RepoRef& repo, std::string_view commit,
                         std::string_view path, const std::optional<ExpectedFile>& expected) {
  EntryState s;
  if (expected) s.blob = expected->etag;
  auto file = layout.snapshot_file(repo, commit, path);
  struct stat lst {};
  if (::lstat(file.c_str(), &lst) != 0) {
    if (errno == EACCES) {
      s.kind = EntryKind::unreadable;
      s.resolved = file.string();
      return s;
    }
    auto lnk = file;
    lnk += ".lnk";
    struct stat lnk_st {};
    if (::lstat(lnk.c_str(), &lnk_st) == 0 && S_ISREG(lnk_st.st_mode)) {
      s.kind = EntryKind::shortcut;
      if (auto bytes = util::read_small_file(lnk, core::max_lnk_bytes)) {
        auto parsed = core::parse_lnk(*bytes);
        if (auto* target = std::get_if<core::LnkTarget>(&parsed)) {
          s.target = target->path;
          if (s.blob.empty())
            if (auto etag = core::blob_name_of(target->path)) s.blob = *etag;
        }
      }
    } else if (complete_blob(layout, repo, s.blob, expected)) {
      s.kind = EntryKind::blob_unlinked;
    } else if (auto partial = s.blob.empty() ? std::nullopt : partial_download(layout, repo, s.blob)) {
      s.kind = EntryKind::partial;
      s.size = *partial;
    }
    s.blob_present = complete_blob(layout, repo, s.blob, expected);
    return s;
  }

  if (S_ISLNK(lst.st_mode)) {
    inspect_link(file, path, s);
  } else if (S_ISREG(lst.st_mode)) {
    s.kind = EntryKind::copy;
    s.size = static_cast<std::uint64_t>(lst.st_size);
    s.resolved = file.string();
    bool size_differs = !expected || expected->size != s.size;
    if (s.size == 0 && size_differs) {
      s.kind = EntryKind::placeholder;
    } else if (s.size <= core::max_text_link_bytes && size_differs) {
      if (auto content = util::read_small_file(file, core::max_text_link_bytes)) {
        if (auto etag = core::parse_text_link(*content)) {
          s.kind = EntryKind::text_link;
          s.target = *content;
          while (!s.target.empty() && (s.target.back() == '\n' || s.target.back() == '\r')) s.target.pop_back();
          if (s.blob.empty()) s.blob = *etag;
        }
      }
    }
  } else {
    s.kind = EntryKind::not_a_file;
  }

  bool content_kind = s.kind == EntryKind::link || s.kind == EntryKind::copy || s.kind == EntryKind::outside_link;
  if (content_kind && !s.resolved.empty() && !can_open(s.resolved)) s.kind = EntryKind::unreadable;
  // A pointer file never is the content, whatever the listing says (a listing made from the pointer
  // itself agrees with it): only a pointer's first kilobyte is read.
  if (content_kind && !s.resolved.empty() && s.size <= core::lfs_pointer_max_size) {
    if (auto pointer = core::read_lfs_pointer_file(s.resolved)) {
      s.kind = EntryKind::lfs_pointer;
      s.lfs_sha256 = pointer->sha256;
      s.lfs_size = pointer->size;
      s.blob_present = complete_blob(layout, repo, s.blob, expected);
      return s;
    }
  }
  if ((s.kind == EntryKind::link || s.kind == EntryKind::copy) && expected && s.size != expected->size)
    s.kind = EntryKind::wrong_size;
  s.loads = (s.kind == EntryKind::link || s.kind == EntryKind::copy ||
             (s.kind == EntryKind::outside_link && !s.resolved.empty())) &&
            (!expected || s.size == expected->size);
  s.blob_present = complete_blob(layout, repo, s.blob, expected);
  return s;
}

}  // namespace hfcache::doctor
