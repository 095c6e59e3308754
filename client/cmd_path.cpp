// hfcache path REPO [FILE]: where a snapshot (or a file in it) lives, from the cache alone
// (core/cache_lookup.hpp, shared with GET /v1/path).
#include <iostream>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/cache_lookup.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"

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
  refuse_closed_repo(settings, parsed.repo);
  std::cout << core::find_in_cache(core::CacheLayout(settings.cache_dir), parsed.repo, revision, file).path.string() << "\n";
  return 0;
}

}  // namespace hfcache::cli
