#include "core/cache_lookup.hpp"

#include <system_error>

#include "core/entry_place.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"

namespace hfcache::core {

namespace fs = std::filesystem;

CachedPath find_in_cache(const CacheLayout& layout, const RepoRef& repo, const std::string& revision,
                         const std::optional<std::string>& file) {
  auto at = repo.display() + "@" + revision;
  auto pull = "run `hfcache pull " + repo.display() + (revision == default_revision ? "" : " --revision " + revision) + "`";
  std::error_code ec;
  if (!fs::is_directory(layout.repo_dir(repo), ec))
    throw NotFoundError(repo.display() + " is not in the cache " + layout.root().string(), pull);
  auto commit = read_ref(layout, repo, revision);  // a commit hash, or nullopt (a ref holding anything else too)
  if (!commit) throw NotFoundError("the cache has no revision '" + revision + "' of " + repo.display(), pull);
  auto snapshot = layout.snapshot_dir(repo, *commit);
  if (!fs::is_directory(snapshot, ec)) {
    if (*commit == revision) throw NotFoundError("the cache has no revision '" + revision + "' of " + repo.display(), pull);
    throw NotFoundError("refs/" + revision + " of " + repo.display() + " points at " + *commit +
                            " but that snapshot is missing",
                        pull);
  }
  if (!file) return {*commit, snapshot};

  auto entry = layout.snapshot_file(repo, *commit, *file);
  auto resolved = resolve_entry(layout, repo, entry);
  if (resolved.place == EntryPlace::inside && fs::is_regular_file(resolved.real, ec)) return {*commit, entry};
  if (resolved.place == EntryPlace::outside)
    throw IntegrityError("'" + *file + "' of " + at + " is a link out of the cache (to " + resolved.real + "); refused",
                         "run `hfcache repair` (it relinks the entry or names what it cannot fix), then " + pull.substr(4));
  if (fs::exists(layout.no_exist_path(repo, *commit, *file), ec))
    throw NotFoundError(at + " has no file '" + *file + "' (the hub said so)", "check the file name");
  if (resolved.place == EntryPlace::dangling)
    throw NotFoundError("'" + *file + "' of " + at + " is a broken link (" + entry.string() + ")", pull + " to fetch it again");
  throw NotFoundError("'" + *file + "' of " + at + " is not in the cache", pull + " --include '" + *file + "'");
}

}  // namespace hfcache::core
