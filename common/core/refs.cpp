#include "core/refs.hpp"

#include "core/revision.hpp"
#include "core/temp_sweep.hpp"
#include "core/write_lock.hpp"
#include "util/fs.hpp"

namespace hfcache::core {

std::optional<std::string> read_ref(const CacheLayout& layout, const RepoRef& repo, std::string_view revision) {
  if (is_commit_hash(revision)) return std::string(revision);
  auto content = util::read_small_file(layout.ref_path(repo, revision), 4096);
  if (!content) return std::nullopt;
  std::string_view text = *content;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (!is_commit_hash(text)) return std::nullopt;
  return std::string(text);
}

void write_ref(const CacheLayout& layout, const RepoRef& repo, std::string_view revision, std::string_view commit) {
  if (revision == commit) return;
  auto path = layout.ref_path(repo, revision);
  if (auto current = util::read_small_file(path, 4096); current && *current == commit) return;
  fs::create_directories(path.parent_path());
  RepoWriteLock writing(layout, repo);
  util::atomic_write_file(path, commit, own_temp_tag);  // a name huggingface_hub's temp refs never have
}

}  // namespace hfcache::core
