// hfcache export REPO[@REV]... -o FILE: write repos from the cache into one portable archive.
#include <cstdio>
#include <iostream>

#include "archive/exporter.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache export REPO[@REV]... -o FILE [--force] [--cache-dir DIR] [--quiet]\n"
    "  FILE ends in .tar, .tar.gz (.tgz) or .tar.zst; REPO@REV exports one revision (a branch, tag or\n"
    "  commit), REPO alone every cached revision. `hfcache import FILE` reads it on another machine.\n"
    "  FILE.zip is for Windows without hfcache: extract it into %USERPROFILE%\\.cache\\huggingface\\hub\n"
    "  (or HF_HUB_CACHE) and huggingface_hub reads it offline. Paths Windows cannot hold are refused\n"
    "  (exit 2, listed); --force exports them anyway with the same list as a warning.\n";

}  // namespace

int cmd_export(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"output", true}, {"type", true}, {"quiet"}, {"force"}});
  ArgList normalized;
  for (const auto& a : argv) normalized.push_back(a == "-o" ? "--output" : a);
  auto args = parse_args(normalized, specs, "export");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.empty()) throw UsageError("export needs at least one REPO", usage);
  auto output = args.value("output");
  if (!output || output->empty()) throw UsageError("export needs -o FILE", usage);
  auto format = archive::archive_format_for(*output);  // a bad suffix is a usage error before any work
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  std::vector<archive::ExportSelection> selections;
  for (const auto& arg : args.positional) {
    auto parsed = core::parse_repo_arg(arg, type, true);
    if (parsed.revision) core::validate_revision(*parsed.revision);
    selections.push_back({parsed.repo, parsed.revision});
  }
  auto settings = settings_from(args);
  for (const auto& s : selections) refuse_closed_repo(settings, s.repo);
  core::CacheLayout layout(settings.cache_dir);
  auto plan = archive::plan_export(layout, selections, "hfcache 0.1.0");
  bool quiet = args.has("quiet");
  for (const auto& w : plan.warnings)
    if (!quiet) std::fprintf(stderr, "hfcache: warning: %s\n", w.c_str());
  if (format.zip) {
    // Checked before anything is written: a zip Windows cannot extract is no use to anyone.
    auto problems = archive::windows_problems(plan);
    auto list = archive::describe(problems);
    if (!problems.empty() && !args.has("force"))
      throw UsageError(std::to_string(problems.size()) + " path(s) cannot be held by Windows:\n" + list.substr(0, list.size() - 1),
                       "rename them upstream, export without those revisions, or pass --force to export them anyway");
    if (!problems.empty())  // a warning that --quiet does not hide: the zip is not what Windows can take
      std::fprintf(stderr, "hfcache: warning: exported anyway (--force); %zu path(s) cannot be held by Windows:\n%s",
                   problems.size(), list.c_str());
  }
  auto bytes = archive::write_export_file(plan, *output);
  std::size_t revisions = 0;
  for (const auto& r : plan.manifest.repos) revisions += r.revisions.size();
  if (!quiet)
    std::fprintf(stderr, "hfcache: exported %zu repo(s), %zu revision(s), %zu file(s), %zu blob(s) (%s) into %s (%s)\n",
                 plan.manifest.repos.size(), revisions, plan.file_count, plan.blob_count,
                 ProgressBar::human_bytes(static_cast<double>(plan.blob_bytes)).c_str(), output->c_str(),
                 ProgressBar::human_bytes(static_cast<double>(bytes)).c_str());
  std::cout << *output << "\n";
  return 0;
}

}  // namespace hfcache::cli
