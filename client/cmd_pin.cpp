// hfcache pin / unpin REPO[@REV]: keep a revision out of gc's reach (REV defaults to main and is
// resolved through refs/ to the commit that is pinned; a later move of the branch keeps the pin).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/pin_call.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache pin REPO[@REV] [--type T] [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "       hfcache unpin REPO[@REV] [...same flags]\n"
    "  REV (default main: a branch, tag, refs/pr/N or commit) is resolved to the cached commit, which\n"
    "  `hfcache gc` then never evicts. Pins live in the index (state_dir), not in the cache folder.\n";

int pin_or_unpin(const ArgList& argv, bool pin) {
  const char* name = pin ? "pin" : "unpin";
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"json"}, {"type", true}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, name);
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError(std::string(name) + " takes exactly one REPO[@REV]", usage);
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(args.positional[0], type, true);
  auto revision = parsed.revision.value_or("main");
  auto settings = settings_from(args);
  auto service = service_from_flags(args, settings);
  if (!service->via_daemon()) refuse_closed_repo(settings, parsed.repo);  // the daemon decides for itself
  auto result = service->pin({parsed.repo, revision, pin});
  if (args.has("json")) {
    std::cout << api::to_json(result).dump(2) << "\n";
  } else {
    std::printf("%s %s@%s (%s)\n", pin ? "pinned" : "unpinned", parsed.repo.display().c_str(), revision.c_str(),
                result.commit.c_str());
  }
  return 0;
}

}  // namespace

int cmd_pin(const ArgList& argv) { return pin_or_unpin(argv, true); }
int cmd_unpin(const ArgList& argv) { return pin_or_unpin(argv, false); }

}  // namespace hfcache::cli
