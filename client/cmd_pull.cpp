// hfcache pull REPO: bring a revision into the cache and print its snapshot folder. Runs in hfcached
// when one serves this cache (the job survives the CLI), otherwise in-process; stdout, stderr and exit
// codes are the same either way.
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
#include "detach_on_interrupt.hpp"
#include "progress_bar.hpp"
#include "pull/puller.hpp"
#include "service/daemon_locator.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache pull REPO [--revision REV] [--type model|dataset|space] [--include GLOB]... [--exclude GLOB]...\n"
    "                    [--cache-dir DIR] [--endpoint URL] [--token TOKEN] [--offline] [--local | --daemon URL]\n"
    "                    [--json] [--quiet]\n"
    "\n"
    "Downloads what is missing of REPO at REV into the cache and prints the snapshot folder (last line\n"
    "of stdout; --json: one object). Progress goes to stderr.\n"
    "\n"
    "Where the pull runs:\n"
    "  - in hfcached, when a daemon answers at --daemon URL, HFCACHE_URL or the configured listen address\n"
    "    and serves this same cache folder. It pulls with the daemon's own endpoint and token; your hub\n"
    "    token (HF_TOKEN or the token file) goes along to a loopback or https daemon, so gated and private\n"
    "    repos you may read are pulled for you. Ctrl-C detaches: the pull goes on in the daemon (exit 130).\n"
    "  - in-process with --local, when no daemon answers, or when the daemon serves another cache folder.\n"
    "  - --token and --endpoint cannot be handed to a running daemon, so they imply --local (with a note).\n"
    "  - --offline (or HF_HUB_OFFLINE=1) answers from the cache alone, in-process: no daemon is asked.\n"
    "  - --daemon URL insists on that daemon: exit 5 when it does not answer.\n";

// The service to pull with: hfcached, or in-process (see `usage` for the rules).
std::unique_ptr<service::CacheService> service_for(const Args& args, const config::Settings& settings, bool quiet) {
  auto flag = args.value("daemon");
  if (args.has("local") && flag) throw UsageError("--local and --daemon contradict each other", "give one of them");
  std::string unforwardable = args.has("token") ? "--token" : args.has("endpoint") ? "--endpoint" : "";
  if (flag && !unforwardable.empty())
    throw UsageError(unforwardable + " cannot be handed to hfcached (it pulls with its own endpoint and token)",
                     "drop --daemon to pull in-process, or drop " + unforwardable);
  if (flag && settings.offline)
    throw UsageError("--offline answers from the cache in-process; it does not go through hfcached",
                     "drop --daemon, or drop --offline (HF_HUB_OFFLINE)");
  if (!args.has("local") && !settings.offline) {
    if (auto daemon = service::find_daemon(settings, flag, false)) {
      if (unforwardable.empty()) return daemon;
      if (!quiet)
        std::fprintf(stderr, "hfcache: note: %s cannot be handed to hfcached at %s; pulling in-process (as with --local)\n",
                     unforwardable.c_str(), daemon->base_url().c_str());
    }
  }
  if (!settings.offline && args.has("token"))
    warn("a token on the command line is visible to every user in the process list; prefer HF_TOKEN or a token "
         "file (HF_TOKEN_PATH)");
  return local_service(settings, args.value("token"));
}

void print_summary(const pull::PullResult& result, const config::Settings& settings, const std::string& where) {
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

  auto settings = settings_from(args);
  bool quiet = args.has("quiet");
  if (quiet) spdlog::set_level(spdlog::level::warn);
  auto mode = quiet ? ProgressBar::Mode::quiet : ::isatty(STDERR_FILENO) ? ProgressBar::Mode::live : ProgressBar::Mode::plain;
  ProgressBar bar(mode);
  pull::PullRequest request{parsed.repo, revision, args.all("include"), args.all("exclude"), settings.offline};
  auto service = service_for(args, settings, quiet);
  std::optional<DetachOnInterrupt> detach;
  service::PullObserver observer{[&](const pull::ProgressEvent& e) { bar.on_event(e); },
                                 [&](const std::string& id, const std::string& daemon_url) {
                                   if (!quiet)
                                     std::fprintf(stderr, "hfcache: pulling through hfcached at %s (job %s)\n",
                                                  daemon_url.c_str(), id.c_str());
                                   detach.emplace(daemon_url, id, mode == ProgressBar::Mode::live);
                                 }};
  pull::PullResult result;
  try {
    result = service->pull(request, observer);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  detach.reset();

  std::string where = parsed.repo.display() + "@" + revision;
  if (!quiet) print_summary(result, settings, where);
  if (args.has("json")) {
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
