// hfcache gc [--max-size SIZE]: orphan blobs and day-old partial downloads go; with a quota, least
// recently used revisions too, never a pinned one (nor, through hfcached, one in use).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "daemon_client.hpp"
#include "index/index_for_settings.hpp"
#include "maintenance/gc.hpp"
#include "maintenance/maintenance_json.hpp"
#include "progress_bar.hpp"

namespace hfcache::cli {
namespace {

constexpr const char* usage =
    "usage: hfcache gc [--max-size SIZE] [--dry-run] [--json] [--cache-dir DIR] [--local | --daemon URL]\n"
    "  Deletes blobs no snapshot links to and .incomplete downloads older than a day. With --max-size, also\n"
    "  evicts least recently used revisions (last served, pulled or pinned) until the cache fits; pinned\n"
    "  revisions (`hfcache pin`) and revisions in use by hfcached are kept, and blobs shared with a kept\n"
    "  revision stay. SIZE: bytes, or K/M/G/T = KiB/MiB/GiB/TiB (powers of 1024, as du -h counts),\n"
    "  KB/MB/GB/TB = powers of 1000; decimals allowed (1.5T).\n";

std::string human(std::uint64_t n) { return ProgressBar::human_bytes(static_cast<double>(n)); }

void print_result(const nlohmann::json& r, bool dry_run) {
  const char* verb = dry_run ? "would evict" : "evicted";
  for (const auto& e : r.value("evicted", nlohmann::json::array())) {
    auto commits = e.value("commits", std::vector<std::string>{});
    std::string type = e.value("type", "model");
    std::string display = type == "model" ? e.value("id", "") : type + "s/" + e.value("id", "");
    std::printf("%s %s@%s (%s)%s\n", verb, display.c_str(), commits.empty() ? "?" : commits.front().c_str(),
                human(e.value("bytes_freed", std::uint64_t{0})).c_str(), e.value("whole_repo", false) ? ", the whole repo" : "");
  }
  for (const auto& s : r.value("skipped", std::vector<std::string>{})) std::printf("kept %s\n", s.c_str());
  std::printf("%s %zu orphan blob(s); cache %s -> %s", dry_run ? "would delete" : "deleted",
              r.value("orphan_blobs", std::size_t{0}), human(r.value("size_before", std::uint64_t{0})).c_str(),
              human(r.value("size_after", std::uint64_t{0})).c_str());
  if (r.value("max_size", std::uint64_t{0}) > 0) std::printf(" (max %s)", human(r.value("max_size", std::uint64_t{0})).c_str());
  std::printf("%s\n", dry_run ? " (dry run: nothing deleted)" : "");
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
  bool dry_run = args.has("dry-run");
  auto settings = settings_from(args);
  auto daemon = daemon_from_flags(args, settings);
  nlohmann::json result;
  if (daemon) {
    nlohmann::json body = {{"dry_run", dry_run}};
    if (max_size) body["max_size"] = *max_size;
    auto reply = daemon->post("/v1/gc", body);
    DaemonClient::raise_for_status(reply, "gc");
    result = reply.json();
  } else {
    auto idx = index::open_cache_index(settings);
    auto plan = maintenance::plan_gc(*idx, max_size, {});
    if (!dry_run) maintenance::execute_gc(*idx, plan);
    result = maintenance::gc_plan_json(plan, dry_run);
  }
  if (args.has("json")) std::cout << result.dump(2) << "\n";
  else print_result(result, dry_run);
  if (!result.value("fits", true))
    std::fprintf(stderr, "hfcache: warning: the cache still exceeds --max-size: what is left is pinned or in use\n");
  return 0;
}

}  // namespace hfcache::cli
