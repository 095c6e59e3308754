// hfcache gc [--max-size SIZE]: orphan blobs and day-old partial downloads go; with a quota, least
// recently used revisions too, never a pinned one (nor, through hfcached, one in use).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/gc_call.hpp"
#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache gc [--max-size SIZE] [--dry-run] [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "  Deletes blobs no snapshot links to, downloads' temp files older than a day, what killed commands\n"
    "  left, Thumbs.db/desktop.ini/.DS_Store litter, and empty repo folders. With --max-size, also\n"
    "  evicts least recently used revisions (last served, pulled or pinned) until the cache fits; pinned\n"
    "  revisions (`hfcache pin`) and revisions in use by hfcached are kept, and blobs shared with a kept\n"
    "  revision stay. SIZE: bytes, or K/M/G/T = KiB/MiB/GiB/TiB (powers of 1024, as du -h counts),\n"
    "  KB/MB/GB/TB = powers of 1000; decimals allowed (1.5T).\n";

std::string human(std::uint64_t n) { return ProgressBar::human_bytes(static_cast<double>(n)); }

void print_result(const api::GcAnswer& r) {
  const char* verb = r.dry_run ? "would evict" : "evicted";
  for (const auto& e : r.evicted)
    std::printf("%s %s@%s (%s)%s\n", verb, e.repo.display().c_str(), e.commits.empty() ? "?" : e.commits.front().c_str(),
                human(e.bytes_freed).c_str(), e.whole_repo ? ", the whole repo" : "");
  for (const auto& s : r.skipped) std::printf("kept %s\n", s.c_str());
  std::printf("%s %zu orphan blob(s); cache %s -> %s", r.dry_run ? "would delete" : "deleted", r.orphan_blobs,
              human(r.size_before).c_str(), human(r.size_after).c_str());
  if (r.max_size > 0) std::printf(" (max %s)", human(r.max_size).c_str());
  std::printf("%s\n", r.dry_run ? " (dry run: nothing deleted)" : "");
}

}  // namespace

int cmd_gc(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"max-size", true}, {"dry-run"}, {"json"}});
  add_daemon_flags(specs);
  auto args = parse_args(argv, specs, "gc");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("gc takes no arguments", usage);
  std::optional<std::uint64_t> max_size;
  if (auto m = args.value("max-size")) max_size = maintenance::parse_size(*m);
  auto settings = settings_from(args);
  auto result = service_from_flags(args, settings)->gc({max_size, args.has("dry-run")});
  if (args.has("json")) std::cout << api::to_json(result).dump(2) << "\n";
  else print_result(result);
  if (!result.fits)
    std::fprintf(stderr, "hfcache: warning: the cache still exceeds --max-size: what is left is pinned or in use\n");
  return 0;
}

}  // namespace hfcache::cli
