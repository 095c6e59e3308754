// hfcache import SOURCE: merge an archive or a copied cache folder into the cache; with
// --as ORG/NAME, import a local model folder as a revision of that repo.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "archive/importer.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "index/index_for_settings.hpp"
#include "local_model/local_import.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache import SOURCE [--cache-dir DIR] [--dry-run] [--json] [--force-refs]\n"
    "       hfcache import FOLDER --as ORG/NAME [--revision REV] [--cache-dir DIR] [--dry-run] [--json]\n"
    "  SOURCE is an archive from `hfcache export`, a .tar/.tar.gz/.tar.zst/.zip of a cache, a copied hub\n"
    "  folder or one models--org--name folder. Every blob is checked against its name before it enters\n"
    "  the cache; existing refs are not moved to another commit unless --force-refs.\n";

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
                     {"missing", r.missing}});
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
  specs.insert(specs.end(), {{"dry-run"}, {"json"}, {"force-refs"}, {"as", true}, {"revision", true}, {"quiet"}});
  auto args = parse_args(argv, specs, "import");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() != 1) throw UsageError("import takes exactly one SOURCE", usage);
  auto settings = settings_from(args);
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
  return 0;
}

}  // namespace hfcache::cli
