#pragma once
// Limits that stop an import from filling the disk: decompression bombs (expansion ratio and
// total, against the sizes members announce and the bytes actually produced) and the free space of
// the cache's file system (checked up front from announced sizes, and again while writing).
//
// Settings, read from the environment (documented in README "Import limits"):
//   HFCACHE_IMPORT_MAX_RATIO      expanded/compressed bytes allowed (default 1000), checked once
//                                 more than HFCACHE_IMPORT_RATIO_FLOOR bytes (default 64 MiB) came out
//   HFCACHE_IMPORT_MAX_BYTES      total bytes an import may write (default: no cap but the disk)
//   HFCACHE_TEST_FREE_SPACE       test seam: pretend the cache's file system has this many free
//                                 bytes at the start (the writes of the import are subtracted)
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace hfcache::archive {

struct ImportLimits {
  std::uint64_t max_ratio = 1000;
  std::uint64_t ratio_floor = 64ull << 20;
  std::optional<std::uint64_t> max_bytes;
  std::optional<std::uint64_t> free_space_override;
  // Left free on the cache's file system for everything else (logs, other writers).
  std::uint64_t free_margin = 16ull << 20;

  // Defaults overridden by the variables above; throws UsageError for a malformed value.
  static ImportLimits from_environment();
};

// Tracks what an import writes. Every method throws UsageError (exit 2) when a limit is passed.
class ExpansionGuard {
 public:
  ExpansionGuard(ImportLimits limits, std::filesystem::path cache_root);

  // Before any write: the archive says it needs `bytes` more (a manifest's new blobs).
  void reserve(std::uint64_t bytes, const std::string& what);
  // A member announces its size before its data comes.
  void announce(std::uint64_t size, const std::string& member);
  // `n` bytes were produced for `member`; `consumed` is the compressed bytes read so far (0 for folders).
  void produced(std::uint64_t n, std::uint64_t consumed, bool is_archive, const std::string& member);

  std::uint64_t written() const { return written_; }

 private:
  std::uint64_t free_now();

  ImportLimits limits_;
  std::filesystem::path probe_;  // the cache root or its nearest existing parent
  std::uint64_t announced_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t since_probe_ = 0;
};

}  // namespace hfcache::archive
