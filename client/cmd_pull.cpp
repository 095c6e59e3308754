// hfcache pull REPO: bring a revision into the cache and print its snapshot folder.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "hub/hub_client.hpp"
#include "hub/hub_from_settings.hpp"
#include "progress_bar.hpp"
#include "pull/puller.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache pull REPO [--revision REV] [--type model|dataset|space] [--include GLOB]... [--exclude GLOB]...\n"
    "                    [--cache-dir DIR] [--endpoint URL] [--token TOKEN] [--offline] [--local] [--json] [--quiet]\n";

}  // namespace

int cmd_pull(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"revision", true},
                             {"type", true},
                             {"include", true, true},
                             {"exclude", true, true},
                             {"endpoint", true},
                             {"token", true},
                             {"offline"},
                             {"local"},
                             {"daemon", true},
                             {"json"},
                             {"quiet"}});
  auto args = parse_args(argv, specs, "pull");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError("pull takes exactly one REPO", usage);
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(args.positional[0], type);
  std::string revision = std::string(core::default_revision);
  if (parsed.revision) revision = *parsed.revision;
  if (auto r = args.value("revision")) {
    core::validate_revision(*r);
    if (parsed.revision && *parsed.revision != *r)
      throw UsageError("the URL names revision '" + *parsed.revision + "' but --revision says '" + *r + "'");
    revision = *r;
  }
  for (const auto& g : args.all("include"))
    if (g.empty()) throw UsageError("--include needs a non-empty glob");
  if (args.has("daemon"))
    throw Error(ExitCode::failure, "this hfcache build cannot hand pulls to hfcached yet",
                "drop --daemon; the pull runs in-process");

  auto settings = settings_from(args);
  std::unique_ptr<hub::HubClient> hub;
  if (!settings.offline) {
    if (args.has("token"))
      std::fprintf(stderr, "hfcache: warning: a token on the command line is visible to every user in the process "
                           "list; prefer HF_TOKEN or a token file (HF_TOKEN_PATH)\n");
    hub = hub::make_hub_client(settings, args.value("token"));
  }
  pull::PullOptions options;
  options.max_workers = settings.max_workers;
  options.chunk_size = settings.chunk_size;
  options.parallel_threshold = settings.parallel_threshold;
  options.max_stalls = settings.max_retries;
  options.write_cachedir_tag = settings.write_cachedir_tag;
  options.disable_symlinks = settings.disable_symlinks;

  pull::PullRequest request{parsed.repo, revision, args.all("include"), args.all("exclude"), settings.offline};
  bool json = args.has("json");
  if (args.has("quiet")) spdlog::set_level(spdlog::level::warn);
  auto mode = args.has("quiet") ? ProgressBar::Mode::quiet
              : ::isatty(STDERR_FILENO) ? ProgressBar::Mode::live
                                        : ProgressBar::Mode::plain;
  ProgressBar bar(mode);
  pull::Puller puller(core::CacheLayout(settings.cache_dir), hub.get(), options);
  pull::PullResult result;
  try {
    result = puller.pull(request, [&](const pull::ProgressEvent& e) { bar.on_event(e); });
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();

  std::string where = parsed.repo.display() + "@" + revision;
  if (mode != ProgressBar::Mode::quiet) {
    for (const auto& name : result.not_in_repo)
      std::fprintf(stderr, "hfcache: warning: %s has no file '%s' (recorded in .no_exist)\n", where.c_str(), name.c_str());
    if (!result.symlinks)
      std::fprintf(stderr, "hfcache: warning: %s; snapshot files are copies, as huggingface_hub makes them on "
                   "Windows (more disk space, shared files are not deduplicated)\n",
                   settings.disable_symlinks ? "HF_HUB_DISABLE_SYMLINKS is set" : (settings.cache_dir.string() + " cannot hold symlinks").c_str());
    if (result.from_cache_only)
      std::fprintf(stderr, "hfcache: %s answered from the cache%s (commit %s)\n", where.c_str(),
                   settings.offline ? " (offline)" : "; the upstream is unreachable", result.commit.c_str());
    else if (result.files_downloaded == 0)
      std::fprintf(stderr, "hfcache: %s is up to date: %zu file(s), %s at commit %s; nothing downloaded\n", where.c_str(),
                   result.files, ProgressBar::human_bytes(static_cast<double>(result.bytes)).c_str(), result.commit.c_str());
    else
      std::fprintf(stderr, "hfcache: %s: downloaded %zu of %zu file(s), %s, commit %s\n", where.c_str(),
                   result.files_downloaded, result.files,
                   ProgressBar::human_bytes(static_cast<double>(result.bytes_downloaded)).c_str(), result.commit.c_str());
  }
  if (json) {
    nlohmann::json out = {{"repo", parsed.repo.id},
                          {"type", core::to_string(parsed.repo.type)},
                          {"revision", revision},
                          {"commit", result.commit},
                          {"snapshot_path", result.snapshot_path.string()},
                          {"files", result.files},
                          {"bytes", result.bytes},
                          {"files_downloaded", result.files_downloaded},
                          {"bytes_downloaded", result.bytes_downloaded},
                          {"from_cache_only", result.from_cache_only},
                          {"not_in_repo", result.not_in_repo}};
    std::cout << out.dump() << "\n";
  } else {
    std::cout << result.snapshot_path.string() << "\n";
  }
  return 0;
}

}  // namespace hfcache::cli
