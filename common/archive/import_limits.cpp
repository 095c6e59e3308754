#include "archive/import_limits.hpp"

#include <cstdlib>

#include "archive/member_path.hpp"
#include "core/errors.hpp"
#include "util/fs.hpp"

namespace hfcache::archive {
namespace {

// Ask the file system again after this many bytes (statvfs is cheap, but not free per 1 MiB).
constexpr std::uint64_t probe_interval = 32ull << 20;

std::optional<std::uint64_t> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v, &end, 10);
  if (errno != 0 || *end != '\0' || *v == '-')
    throw UsageError(std::string(name) + " must be a whole number of bytes, not '" + v + "'");
  return n;
}

std::string mib(std::uint64_t n) { return std::to_string((n + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

ImportLimits ImportLimits::from_environment() {
  ImportLimits l;
  if (auto v = env_number("HFCACHE_IMPORT_MAX_RATIO")) l.max_ratio = *v;
  if (auto v = env_number("HFCACHE_IMPORT_RATIO_FLOOR")) l.ratio_floor = *v;
  l.max_bytes = env_number("HFCACHE_IMPORT_MAX_BYTES");
  l.free_space_override = env_number("HFCACHE_TEST_FREE_SPACE");
  return l;
}

ExpansionGuard::ExpansionGuard(ImportLimits limits, std::filesystem::path cache_root) : limits_(limits) {
  probe_ = std::move(cache_root);
  std::error_code ec;
  while (!probe_.empty() && !std::filesystem::exists(probe_, ec) && probe_.has_parent_path() && probe_ != probe_.parent_path())
    probe_ = probe_.parent_path();
}

std::uint64_t ExpansionGuard::free_now() {
  if (limits_.free_space_override) return *limits_.free_space_override > written_ ? *limits_.free_space_override - written_ : 0;
  return util::free_space(probe_);
}

void ExpansionGuard::reserve(std::uint64_t bytes, const std::string& what) {
  auto free = free_now();
  if (bytes + limits_.free_margin > free)
    refuse_for_space(what + " needs " + mib(bytes) + " but the cache's file system has " + mib(free) + " free (keeping " +
           mib(limits_.free_margin) + " spare)");
  if (limits_.max_bytes && bytes > *limits_.max_bytes)
    refuse(what + " needs " + mib(bytes) + ", more than HFCACHE_IMPORT_MAX_BYTES allows");
}

void ExpansionGuard::announce(std::uint64_t size, const std::string& member) {
  announced_ += size;
  if (limits_.max_bytes && announced_ > *limits_.max_bytes)
    refuse("the archive announces more than HFCACHE_IMPORT_MAX_BYTES (" + mib(*limits_.max_bytes) + ") at " + member);
  auto free = free_now();
  if (size + limits_.free_margin > free)
    refuse_for_space(member + " (" + mib(size) + ") would not fit: the cache's file system has " + mib(free) + " free");
}

void ExpansionGuard::produced(std::uint64_t n, std::uint64_t consumed, bool is_archive, const std::string& member) {
  written_ += n;
  since_probe_ += n;
  if (limits_.max_bytes && written_ > *limits_.max_bytes)
    refuse("the archive expands past HFCACHE_IMPORT_MAX_BYTES (" + mib(*limits_.max_bytes) + ") at " + member);
  if (is_archive && written_ > limits_.ratio_floor && written_ / std::max<std::uint64_t>(consumed, 1) > limits_.max_ratio)
    refuse("the archive expands more than " + std::to_string(limits_.max_ratio) + " times (" + mib(written_) +
           " from " + std::to_string(consumed) + " bytes at " + member + "): a decompression bomb?");
  if (limits_.free_space_override || since_probe_ >= probe_interval) {
    since_probe_ = 0;
    if (free_now() < limits_.free_margin) refuse_for_space("the cache's file system is full (while writing " + member + ")");
  }
}

}  // namespace hfcache::archive
