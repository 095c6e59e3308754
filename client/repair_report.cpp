#include "repair_report.hpp"

#include <cstdio>
#include <string>

#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

std::string size_text(std::uint64_t bytes) {
  return ProgressBar::human_bytes(static_cast<double>(bytes)) + " (" + std::to_string(bytes) + " bytes)";
}

}  // namespace

void print_repair_report(const repair::RepairReport& report, bool dry_run) {
  std::size_t fixed = 0, left = 0, ok = 0;
  for (const auto& r : report.repos) {
    ok += r.entries_ok;
    if (r.entries.empty()) continue;
    std::size_t repo_fixed = 0;
    for (const auto& e : r.entries) repo_fixed += e.fixed ? 1 : 0;
    fixed += repo_fixed;
    left += r.entries.size() - repo_fixed;
    std::printf("%s (%s): %zu ok, %zu %s, %zu left damaged\n", r.repo.display().c_str(), r.repo.folder_name().c_str(),
                r.entries_ok, repo_fixed, dry_run ? "to repair" : "repaired", r.entries.size() - repo_fixed);
    for (const auto& e : r.entries)
      std::printf("  %-5s %-17s %s: %s\n", e.fixed ? (dry_run ? "plan" : "fixed") : "LEFT",
                  std::string(repair::to_string(e.found)).c_str(), e.path.c_str(), e.action.c_str());
    if (r.bytes_freed) std::printf("  %s %s\n", dry_run ? "would free" : "freed", size_text(r.bytes_freed).c_str());
    if (!r.complete)
      std::printf("  %s is not fully repaired; to finish: %s\n", r.repo.display().c_str(), r.finish_command.c_str());
  }
  // What repair leaves to others (orphan blobs, a day-old download's temp file: gc's), named once.
  for (const auto& r : report.repos)
    for (const auto& l : r.leftovers)
      std::printf("leftover %-15s %s/%s: `%s` removes it\n", l.kind.c_str(), r.repo.folder_name().c_str(),
                  l.path.c_str(), l.clear.c_str());
  if (!report.changed && left == 0) {
    std::printf("nothing to repair: %zu repo(s), %zu entr%s correct\n", report.repos.size(), ok, ok == 1 ? "y" : "ies");
    return;
  }
  std::printf("%s%zu file(s) %s, %zu left damaged, %s %s\n", dry_run ? "dry run, nothing changed: " : "",
              fixed, dry_run ? "to repair" : "repaired", left, dry_run ? "would free" : "freed",
              size_text(report.bytes_freed).c_str());
}

}  // namespace hfcache::cli
