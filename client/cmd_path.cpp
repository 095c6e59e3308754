// hfcache path REPO [FILE]: where a snapshot (or a file in it) lives, from the cache alone.
#include <iostream>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/snapshot.hpp"

namespace hfcache::cli {

int cmd_path(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"revision", true}, {"type", true}});
  auto args = parse_args(argv, specs, "path");
  if (args.has("help") || args.positional.empty() || args.positional.size() > 2) {
    if (args.has("help")) {
      std::cout << "usage: hfcache path REPO [FILE] [--revision REV] [--type T] [--cache-dir DIR]\n";
      return 0;
    }
    throw UsageError("path takes REPO and an optional FILE", "usage: hfcache path REPO [FILE] [--revision REV]");
  }
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(args.positional[0], type);
  std::string revision = args.value("revision").value_or(parsed.revision.value_or(std::string(core::default_revision)));
  core::validate_revision(revision);
  std::optional<std::string> file;
  if (args.positional.size() == 2) {
    file = args.positional[1];
    core::validate_repo_path(*file);
  }

  auto settings = settings_from(args);
  core::CacheLayout layout(settings.cache_dir);
  const auto& repo = parsed.repo;
  auto pull_hint = "run `hfcache pull " + repo.display() + (revision == "main" ? "" : " --revision " + revision) + "`";
  if (!std::filesystem::is_directory(layout.repo_dir(repo)))
    throw NotFoundError(repo.display() + " is not in the cache " + settings.cache_dir.string(), pull_hint);
  auto commit = core::read_ref(layout, repo, revision);
  if (!commit) throw NotFoundError("the cache has no revision '" + revision + "' of " + repo.display(), pull_hint);
  auto snapshot = layout.snapshot_dir(repo, *commit);
  if (!std::filesystem::is_directory(snapshot))
    throw NotFoundError("refs/" + revision + " of " + repo.display() + " points at " + *commit + " but that snapshot is missing",
                        pull_hint);
  if (!file) {
    std::cout << snapshot.string() << "\n";
    return 0;
  }
  if (core::snapshot_file_present(layout, repo, *commit, *file)) {
    std::cout << layout.snapshot_file(repo, *commit, *file).string() << "\n";
    return 0;
  }
  if (std::filesystem::exists(layout.no_exist_path(repo, *commit, *file)))
    throw NotFoundError(repo.display() + "@" + revision + " has no file '" + *file + "' (the hub said so)",
                        "check the file name");
  auto entry = layout.snapshot_file(repo, *commit, *file);
  std::error_code ec;
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(entry, ec)))
    throw NotFoundError("'" + *file + "' of " + repo.display() + "@" + revision + " is a broken link (" + entry.string() + ")",
                        pull_hint + " to fetch it again");
  throw NotFoundError("'" + *file + "' of " + repo.display() + "@" + revision + " is not in the cache",
                      pull_hint + " --include '" + *file + "'");
}

}  // namespace hfcache::cli
