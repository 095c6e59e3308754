#include "doctor/ref_inspection.hpp"

#include <cctype>
#include <system_error>

#include "core/revision.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace hfcache::doctor {
namespace {

namespace fs = std::filesystem;

// Refs are 40 hex characters; anything much longer is not a ref file.
constexpr std::size_t max_ref_bytes = 4096;

bool is_hex(std::string_view text) {
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return !text.empty();
}

std::map<std::string, std::string> read_refs(const fs::path& refs_dir) {
  std::map<std::string, std::string> refs;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(refs_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto name = it->path().lexically_relative(refs_dir).generic_string();
    if (auto text = util::read_small_file(it->path(), max_ref_bytes)) refs.emplace(name, std::string(util::trim(*text, " \t\r\n\v\f")));
  }
  return refs;
}

std::optional<std::string> expand_short_hash(const fs::path& snapshots_dir, std::string_view prefix) {
  std::optional<std::string> match;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(snapshots_dir, ec)) {
    auto name = entry.path().filename().string();
    if (!core::is_commit_hash(name) || !name.starts_with(prefix)) continue;
    if (match) return std::nullopt;  // ambiguous
    match = name;
  }
  return match;
}

}  // namespace

RefState inspect_ref(const core::CacheLayout& layout, const core::RepoRef& repo, std::string_view revision) {
  RefState s;
  if (core::is_commit_hash(revision)) {
    s.kind = RefKind::commit_given;
    s.commit = std::string(revision);
    return s;
  }
  auto repo_dir = layout.repo_dir(repo);
  s.other_refs = read_refs(repo_dir / "refs");
  s.other_refs.erase(std::string(revision));
  auto raw = util::read_small_file(layout.ref_path(repo, revision), max_ref_bytes);
  if (!raw) {
    s.kind = RefKind::missing;
    if (revision.size() >= 4 && revision.size() < 40 && is_hex(revision))
      s.expanded_short_hash = expand_short_hash(repo_dir / "snapshots", revision);
    return s;
  }
  s.raw = *raw;
  auto clean = std::string(util::trim(*raw, " \t\r\n\v\f"));
  if (core::is_commit_hash(*raw)) {
    s.kind = RefKind::ok;
    s.commit = *raw;
  } else if (core::is_commit_hash(clean)) {
    s.kind = RefKind::untrimmed;
    s.commit = clean;
  } else {
    s.kind = RefKind::malformed;
  }
  return s;
}

}  // namespace hfcache::doctor
