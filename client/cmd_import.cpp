// hfcache import SOURCE: merge an archive or a copied cache folder into the cache; with
// --as ORG/NAME, import a local model folder as a revision of that repo.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "archive/importer.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "core/blob_store.hpp"
#include "core/snapshot.hpp"
#include "http/url.hpp"
#include "index/index_for_settings.hpp"
#include "local_model/clone_import.hpp"
#include "local_model/git_clone.hpp"
#include "local_model/local_import.hpp"
#include "progress_bar.hpp"
#include "service/cache_service.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache import SOURCE [--cache-dir DIR] [--dry-run] [--json] [--force-refs]\n"
    "       hfcache import CLONE [--as ORG/NAME] [--endpoint URL] [--offline] [--force-refs] [--dry-run] [--json]\n"
    "       hfcache import FOLDER --as ORG/NAME [--revision REV] [--no-git] [--cache-dir DIR] [--dry-run] [--json]\n"
    "  SOURCE is an archive from `hfcache export`, a .tar/.tar.gz/.tar.zst/.zip of a cache, a copied hub\n"
    "  folder or one models--org--name folder. Every blob is checked against its name before it enters\n"
    "  the cache; existing refs are not moved to another commit unless --force-refs.\n"
    "  A git clone of a hub repo (git clone https://huggingface.co/ORG/NAME) is imported as that repo at its\n"
    "  checked-out commit, with its branch and the tags at that commit as refs; Git LFS pointer files are never\n"
    "  stored: their files come from the clone, the cache or the hub, else they are named and the exit code is 3.\n"
    "  --no-git imports a clone's folder as it is, as a local model (with --as).\n";

std::string human(std::uint64_t n) { return ProgressBar::human_bytes(static_cast<double>(n)); }

// The index catches up by itself on the next command; updating it now keeps ls and the daemon
// current. A failure here never fails the import (the cache folder is the truth).
void update_index(const config::Settings& settings, const std::optional<core::RepoRef>& repo, bool quiet) {
  if (auto err = index::refresh_index_after_change(settings, repo); err && !quiet)
    std::fprintf(stderr, "hfcache: warning: the index was not updated (%s); `hfcache reindex` rebuilds it\n", err->c_str());
}

int import_local(const Args& args, const config::Settings& settings) {
  auto parsed = core::parse_repo_arg(*args.value("as"));
  local_model::LocalImportRequest request;
  request.source = args.positional[0];
  request.repo = parsed.repo;
  if (parsed.revision) request.revision = *parsed.revision;
  if (auto r = args.value("revision")) {
    core::validate_revision(*r);
    request.revision = *r;
  }
  request.dry_run = args.has("dry-run");
  request.disable_symlinks = settings.disable_symlinks;
  request.write_cachedir_tag = settings.write_cachedir_tag;
  auto result = local_model::import_local_folder(core::CacheLayout(settings.cache_dir), request);
  if (!request.dry_run) update_index(settings, request.repo, args.has("quiet") || args.has("json"));
  if (args.has("json")) {
    nlohmann::json out = {{"repo", request.repo.id},
                          {"type", core::to_string(request.repo.type)},
                          {"revision", request.revision},
                          {"commit", result.commit},
                          {"snapshot_path", result.snapshot_path.string()},
                          {"files", result.files},
                          {"bytes", result.bytes},
                          {"blobs_written", result.blobs_written},
                          {"checkpoint", result.checkpoint},
                          {"dry_run", request.dry_run},
                          {"plan", result.plan}};
    std::cout << out.dump() << "\n";
    return 0;
  }
  for (const auto& line : result.plan) std::cout << line << "\n";
  std::fprintf(stderr, "hfcache: %s %s@%s: %zu file(s), %s, %zu new blob(s), commit %s%s\n",
               request.dry_run ? "would import" : "imported", request.repo.display().c_str(), request.revision.c_str(),
               result.files, human(result.bytes).c_str(), result.blobs_written, result.commit.c_str(),
               result.checkpoint ? " (a Trainer checkpoint)" : "");
  if (!request.dry_run) std::cout << result.snapshot_path.string() << "\n";
  return 0;
}

// host[:port] of every configured upstream tier: a clone whose remote names one is a clone of a hub repo.
std::vector<std::string> hub_hosts(const config::Settings& settings) {
  std::vector<std::string> hosts;
  for (const auto& endpoint : settings.endpoints)
    if (auto url = http::parse_url(endpoint)) hosts.push_back(url->authority());
  return hosts;
}

// Pointer files nothing local resolved: pull the commit from the hub (through hfcached when one
// serves this cache); what is still missing afterwards stays missing, with why.
std::string fetch_missing(const Args& args, const config::Settings& settings, local_model::CloneImportResult& result,
                          bool quiet) {
  if (settings.offline) return "offline mode";
  std::string failure;
  try {
    if (!quiet)
      std::fprintf(stderr, "hfcache: fetching %zu Git LFS file(s) of %s@%s from %s\n", result.missing.size(),
                   result.repo.display().c_str(), result.commit.c_str(), settings.endpoint.c_str());
    pull::PullRequest request{result.repo, result.commit, {}, {}, false};
    for (const auto& m : result.missing) request.include.push_back(m.path);
    auto service = service_from_flags(args, settings);
    service->pull(request, service::PullObserver{});
  } catch (const Error& e) {
    failure = e.what();
  }
  core::CacheLayout layout(settings.cache_dir);
  std::erase_if(result.missing, [&](const local_model::MissingLfsFile& m) {
    return core::blob_present(layout, result.repo, m.sha256, m.size) &&
           core::snapshot_file_present(layout, result.repo, result.commit, m.path);
  });
  if (failure.empty() && !result.missing.empty()) failure = "the hub's files did not arrive";
  return failure;
}

int import_clone(const Args& args, const config::Settings& settings) {
  bool quiet = args.has("quiet") || args.has("json");
  local_model::CloneImportRequest request;
  request.source = args.positional[0];
  if (auto as = args.value("as")) {
    auto parsed = core::parse_repo_arg(*as);
    if (parsed.revision)
      throw UsageError("a git clone is imported at the commit it has checked out, not at '" + *parsed.revision + "'",
                       "check out the revision with git in the clone, then import it");
    request.repo = parsed.repo;
  }
  request.hub_hosts = hub_hosts(settings);
  request.dry_run = args.has("dry-run");
  request.force_refs = args.has("force-refs");
  request.disable_symlinks = settings.disable_symlinks;
  request.write_cachedir_tag = settings.write_cachedir_tag;
  auto result = local_model::import_git_clone(core::CacheLayout(settings.cache_dir), request);
  auto from_cache_or_clone = result.missing.size();
  std::string fetch_failure;
  if (!request.dry_run && !result.missing.empty()) fetch_failure = fetch_missing(args, settings, result, quiet);
  if (!request.dry_run) update_index(settings, result.repo, quiet);

  std::string at = result.branch ? *result.branch : "detached HEAD";
  if (args.has("json")) {
    nlohmann::json refs = nlohmann::json::array(), missing = nlohmann::json::array();
    for (const auto& r : result.refs) {
      nlohmann::json j = {{"name", r.name}, {"action", r.kept ? "kept" : "set"}};
      if (r.kept) j["existing"] = r.existing;
      refs.push_back(std::move(j));
    }
    for (const auto& m : result.missing) missing.push_back({{"path", m.path}, {"size", m.size}, {"sha256", m.sha256}});
    std::cout << nlohmann::json{{"kind", "git_clone"},
                                {"repo", result.repo.id},
                                {"type", core::to_string(result.repo.type)},
                                {"commit", result.commit},
                                {"branch", result.branch ? nlohmann::json(*result.branch) : nlohmann::json(nullptr)},
                                {"remote", result.remote},
                                {"shallow", result.shallow},
                                {"refs", std::move(refs)},
                                {"snapshot_path", result.snapshot_path.string()},
                                {"files", result.files},
                                {"bytes", result.bytes},
                                {"blobs_written", result.blobs_written},
                                {"lfs_from_clone", result.lfs_from_clone},
                                {"lfs_from_cache", result.lfs_from_cache},
                                {"missing", std::move(missing)},
                                {"untracked", result.untracked},
                                {"dry_run", request.dry_run}}
                     .dump()
              << "\n";
  } else {
    std::fprintf(stderr, "hfcache: %s %s@%s from the git clone %s (%s%s): %zu file(s), %s, %zu new blob(s)\n",
                 request.dry_run ? "would import" : "imported", result.repo.display().c_str(), result.commit.c_str(),
                 request.source.c_str(), at.c_str(), result.shallow ? ", shallow" : "", result.files,
                 human(result.bytes).c_str(), result.blobs_written);
    for (const auto& r : result.refs) {
      if (r.kept)
        std::fprintf(stderr, "hfcache: warning: ref '%s' stays at %s (the clone has %s); use --force-refs to move it\n",
                     r.name.c_str(), r.existing.c_str(), result.commit.c_str());
      else if (!quiet)
        std::fprintf(stderr, "hfcache: ref %s -> %s\n", r.name.c_str(), result.commit.c_str());
    }
    if (!quiet && !result.lfs_from_cache.empty())
      std::fprintf(stderr, "hfcache: %zu Git LFS pointer file(s) resolved from blobs the cache already held\n",
                   result.lfs_from_cache.size());
    if (!quiet && from_cache_or_clone > result.missing.size())
      std::fprintf(stderr, "hfcache: %zu Git LFS file(s) fetched from the hub\n", from_cache_or_clone - result.missing.size());
    if (!quiet && !result.untracked.empty())
      std::fprintf(stderr, "hfcache: warning: %zu untracked file(s) are not part of commit %s and were not imported "
                   "(such as %s); --as ORG/NAME --no-git imports the folder as it is\n",
                   result.untracked.size(), result.commit.c_str(), result.untracked.front().c_str());
    if (request.dry_run)
      for (const auto& m : result.missing)
        std::fprintf(stderr, "hfcache: would leave out %s (%s, a Git LFS pointer file nothing here resolves)\n",
                     m.path.c_str(), human(m.size).c_str());
    if (!request.dry_run && result.missing.empty()) std::cout << result.snapshot_path.string() << "\n";
  }
  if (result.missing.empty() || request.dry_run) return 0;
  std::string what = std::to_string(result.missing.size()) + " file(s) of " + result.repo.display() + "@" + result.commit +
                     " are Git LFS pointer files in the clone (made without git-lfs) and were not imported:";
  for (const auto& m : result.missing)
    what += "\n  " + m.path + " (" + std::to_string(m.size) + " bytes, " + human(m.size) + ", sha256 " + m.sha256 + ")";
  what += "\nthe rest is imported; the revision is incomplete until they are in the cache";
  if (!fetch_failure.empty()) what += "\nthe hub could not supply them: " + fetch_failure;
  throw NotFoundError(what, "run `git lfs pull` in " + request.source.string() + " and `hfcache import " +
                                request.source.string() + "` again, or `hfcache pull " + result.repo.display() +
                                " --revision " + result.commit + "` where the hub can be reached");
}

nlohmann::json to_json(const archive::ImportReport& report) {
  nlohmann::json repos = nlohmann::json::array();
  for (const auto& r : report.repos) {
    nlohmann::json refs = nlohmann::json::array();
    for (const auto& ref : r.refs) {
      nlohmann::json j = {{"name", ref.name}, {"commit", ref.commit}, {"action", archive::to_string(ref.action)}};
      if (ref.existing) j["existing"] = *ref.existing;
      refs.push_back(std::move(j));
    }
    repos.push_back({{"repo", r.repo.id},
                     {"type", core::to_string(r.repo.type)},
                     {"revisions", r.commits},
                     {"blobs_new", r.blobs_new},
                     {"blobs_present", r.blobs_present},
                     {"bytes_new", r.bytes_new},
                     {"links_created", r.links_created},
                     {"links_ok", r.links_ok},
                     {"trees_written", r.trees_written},
                     {"refs", std::move(refs)},
                     {"missing", r.missing},
                     {"lfs_pointers", r.lfs_pointers}});
  }
  return {{"source", report.source},
          {"kind", report.archive ? "archive" : "folder"},
          {"manifest", report.manifest},
          {"dry_run", report.dry_run},
          {"changed", report.changed},
          {"repos", std::move(repos)},
          {"warnings", report.warnings}};
}

void print_text(const archive::ImportReport& report) {
  const char* verb = report.dry_run ? "would " : "";
  for (const auto& r : report.repos) {
    std::cout << r.repo.display() << ": " << r.commits.size() << " revision(s); " << verb << "add " << r.blobs_new
              << " blob(s) (" << human(r.bytes_new) << "), " << r.blobs_present << " already present; " << verb
              << "link " << r.links_created << " file(s), " << r.links_ok << " already linked\n";
    for (const auto& c : r.commits) std::cout << "  revision " << c << "\n";
    for (const auto& ref : r.refs) {
      std::cout << "  ref " << ref.name << " -> " << ref.commit;
      switch (ref.action) {
        case archive::PlannedRef::Action::set: std::cout << (report.dry_run ? " (would set)" : " (set)"); break;
        case archive::PlannedRef::Action::unchanged: std::cout << " (unchanged)"; break;
        case archive::PlannedRef::Action::kept:
          std::cout << " (NOT moved: the cache has it at " << ref.existing.value_or("?") << "; --force-refs moves it)";
          break;
        case archive::PlannedRef::Action::moved:
          std::cout << (report.dry_run ? " (would move from " : " (moved from ") << ref.existing.value_or("?") << ")";
          break;
      }
      std::cout << "\n";
    }
    for (const auto& m : r.missing) std::cout << "  missing " << m << "\n";
  }
  if (!report.changed) std::cout << "nothing to do: the cache already holds everything in " << report.source << "\n";
}

}  // namespace

int cmd_import(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"dry-run"}, {"json"}, {"force-refs"}, {"as", true}, {"revision", true}, {"quiet"},
                             {"no-git"}, {"endpoint", true}, {"offline"}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "import");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError("import takes exactly one SOURCE", usage);
  auto settings = settings_from(args);
  if (args.has("no-git") && !args.has("as")) throw UsageError("--no-git goes with --as ORG/NAME", usage);
  std::error_code ec;
  if (!args.has("no-git") && std::filesystem::is_directory(args.positional[0], ec) &&
      local_model::is_git_clone(args.positional[0])) {
    if (args.has("revision"))
      throw UsageError("a git clone is imported at the commit it has checked out; --revision does not apply",
                       "check out the revision with git in the clone, or add --no-git to import the folder as a local model");
    return import_clone(args, settings);
  }
  if (args.has("as")) return import_local(args, settings);
  if (args.has("revision")) throw UsageError("--revision goes with --as ORG/NAME", usage);

  archive::ImportOptions options;
  options.dry_run = args.has("dry-run");
  options.force_refs = args.has("force-refs");
  options.symlinks = !settings.disable_symlinks;
  options.write_cachedir_tag = settings.write_cachedir_tag;
  options.limits = archive::ImportLimits::from_environment();
  auto report = archive::import_into_cache(core::CacheLayout(settings.cache_dir), args.positional[0], options);
  if (!options.dry_run && report.changed) update_index(settings, std::nullopt, args.has("quiet"));
  if (!args.has("quiet"))
    for (const auto& w : report.warnings) std::fprintf(stderr, "hfcache: warning: %s\n", w.c_str());
  for (const auto& r : report.repos)
    for (const auto& ref : r.refs)
      if (ref.action == archive::PlannedRef::Action::kept)
        std::fprintf(stderr, "hfcache: warning: %s: ref '%s' stays at %s (the archive has %s); use --force-refs to move it\n",
                     r.repo.display().c_str(), ref.name.c_str(), ref.existing.value_or("?").c_str(), ref.commit.c_str());
  if (args.has("json"))
    std::cout << to_json(report).dump() << "\n";
  else
    print_text(report);
  // A pointer is never stored as the file it stands for: the rest is in, and the exit code says not all.
  std::string pointers;
  std::size_t pointer_count = 0;
  for (const auto& r : report.repos)
    for (const auto& p : r.lfs_pointers) {
      pointers += "\n  " + p;
      ++pointer_count;
    }
  if (pointer_count > 0)
    throw NotFoundError(std::to_string(pointer_count) + " snapshot file(s) in " + report.source +
                            " are Git LFS pointer files, not the files themselves, and were left out:" + pointers,
                        "run `git lfs pull` in the clone they were copied from and import it, or `hfcache pull` "
                        "the revision where the hub can be reached");
  return 0;
}

}  // namespace hfcache::cli
