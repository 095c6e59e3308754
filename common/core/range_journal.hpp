#pragma once
// The journal of a parallel-range download: which byte ranges of one private
// blobs/<etag>.<8hex>.incomplete file are written, so a run after a crash (kill -9) fetches again
// only what was in flight, not everything after the first hole. It lives in hfcache's own state
// folder (never in the cache, which huggingface_hub scans), one small append-only text file per
// blob:
//   hfcache-range-journal 1 <etag> <size> <st_dev> <st_ino>
//   <start> <end>            one line per write, appended once the bytes are in the file
// A journal is only believed for the file it names (same device and inode, same etag and size),
// for ranges inside the file's length that hold no hole; anything else (a torn last line, another
// file under that name, a journal of a file cut back since) is ignored or dropped. It needs no
// fsync: it answers a process crash, where the page cache survives; after a machine crash the
// blob's final hash check still catches bytes that never reached the disk.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/fs.hpp"

namespace hfcache::core {

using ByteRanges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;  // [start, end), sorted, disjoint

// Sort and merge overlapping or touching ranges.
ByteRanges merge_ranges(ByteRanges ranges);

class RangeJournal {
 public:
  // <state_dir>/downloads/<repo folder>/<etag>.ranges
  static std::filesystem::path path_for(const std::filesystem::path& state_dir, const std::string& repo_folder,
                                        const std::string& etag);

  // The written ranges of the file open as `fd`, if the journal at `path` is about that very file
  // (etag, size, device, inode) and every range lies in the file and holds no hole; else nullopt.
  static std::optional<ByteRanges> load(const std::filesystem::path& path, int fd, const std::string& etag,
                                        std::uint64_t size);

  // Start a fresh journal at `path` for the file open as `fd`, already holding `done`. Best effort:
  // a journal that cannot be written is no journal (resume falls back to the file's prefix).
  RangeJournal(std::filesystem::path path, int fd, const std::string& etag, std::uint64_t size, const ByteRanges& done);
  ~RangeJournal() = default;
  RangeJournal(const RangeJournal&) = delete;
  RangeJournal& operator=(const RangeJournal&) = delete;

  // [start, end) is in the file now (one O_APPEND write: safe from several threads).
  void record(std::uint64_t start, std::uint64_t end);
  // True while records reach the journal file.
  bool active() const { return static_cast<bool>(fd_); }
  // The download is over (committed, or cut back to a prefix): the journal goes.
  void remove();

 private:
  std::filesystem::path path_;
  util::UniqueFd fd_;
};

}  // namespace hfcache::core
