#include "core/range_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <system_error>

namespace hfcache::core {
namespace {

constexpr std::string_view magic = "hfcache-range-journal 1";
// A journal has one line per write: 100,000 lines (100 GB in 1 MiB writes) are about 2.5 MB.
constexpr std::size_t max_journal_size = 64u << 20;

std::string header(const std::string& etag, std::uint64_t size, const struct stat& st) {
  return std::string(magic) + " " + etag + " " + std::to_string(size) + " " + std::to_string(st.st_dev) + " " +
         std::to_string(st.st_ino) + "\n";
}

// True if [start, end) of `fd` holds no hole (every byte was written at some point).
bool written(int fd, std::uint64_t start, std::uint64_t end) {
  off_t hole = ::lseek(fd, static_cast<off_t>(start), SEEK_HOLE);
  return hole >= 0 && static_cast<std::uint64_t>(hole) >= end;
}

}  // namespace

ByteRanges merge_ranges(ByteRanges ranges) {
  std::sort(ranges.begin(), ranges.end());
  ByteRanges merged;
  for (const auto& r : ranges) {
    if (r.first >= r.second) continue;
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

std::filesystem::path RangeJournal::path_for(const std::filesystem::path& state_dir, const std::string& repo_folder,
                                             const std::string& etag) {
  return state_dir / "downloads" / repo_folder / (etag + ".ranges");
}

std::optional<ByteRanges> RangeJournal::load(const std::filesystem::path& path, int fd, const std::string& etag,
                                             std::uint64_t size) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  auto text = util::read_small_file(path, max_journal_size);
  if (!text) return std::nullopt;
  auto expected = header(etag, size, st);
  if (!text->starts_with(expected)) return std::nullopt;  // another file, blob or format
  ByteRanges ranges;
  std::istringstream lines(text->substr(expected.size()));
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // no newline: a torn last line
    std::istringstream fields(line);
    std::uint64_t start = 0, end = 0;
    std::string rest;
    if (!(fields >> start >> end) || (fields >> rest) || start >= end || end > size) return std::nullopt;
    ranges.emplace_back(start, end);
  }
  ranges = merge_ranges(std::move(ranges));
  auto length = static_cast<std::uint64_t>(st.st_size);
  for (const auto& [start, end] : ranges) {
    if (end > length || !written(fd, start, end)) return std::nullopt;  // the file no longer holds what it says
  }
  return ranges;
}

RangeJournal::RangeJournal(std::filesystem::path path, int fd, const std::string& etag, std::uint64_t size,
                           const ByteRanges& done)
    : path_(std::move(path)) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return;
  std::string content = header(etag, size, st);
  for (const auto& [start, end] : done) content += std::to_string(start) + " " + std::to_string(end) + "\n";
  try {
    std::filesystem::create_directories(path_.parent_path());
    util::atomic_write_file(path_, content);
  } catch (const std::exception&) {
    return;  // no journal: a crash then resumes from the file's prefix, as without one
  }
  fd_ = util::UniqueFd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
}

void RangeJournal::record(std::uint64_t start, std::uint64_t end) {
  if (!fd_) return;
  auto line = std::to_string(start) + " " + std::to_string(end) + "\n";
  while (::write(fd_.get(), line.data(), line.size()) < 0 && errno == EINTR) {
  }
}

void RangeJournal::remove() {
  if (path_.empty()) return;
  fd_ = util::UniqueFd();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  path_.clear();
}

}  // namespace hfcache::core
