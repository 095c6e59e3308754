#pragma once
// "Where is REPO@REVISION, or one FILE of it, in this cache?" from the folder alone (no index, no
// network): what `hfcache path` prints and GET /v1/path answers, with the same messages. The
// revision is resolved through refs/ (a commit is taken as it is); a file counts only when it
// resolves inside the repo folder or the shared blob store (core/entry_place.hpp), as for /resolve/.
#include <filesystem>
#include <optional>
#include <string>

#include "core/cache_layout.hpp"

namespace hfcache::core {

struct CachedPath {
  std::string commit;
  std::filesystem::path path;  // snapshots/<commit>[/<file>]: the entry, as huggingface_hub hands it out
};

// Throws NotFoundError (repo, revision, snapshot or file not cached; the file recorded as missing
// in .no_exist; a broken link), each with the pull that fetches it, and IntegrityError for an entry
// that leads out of the cache (repair fixes it). `file` must be valid (validate_repo_path).
CachedPath find_in_cache(const CacheLayout& layout, const RepoRef& repo, const std::string& revision,
                         const std::optional<std::string>& file);

}  // namespace hfcache::core
