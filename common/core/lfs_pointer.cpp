// Parsing Git LFS pointer files, strictly as git-lfs itself accepts them.
#include "core/lfs_pointer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

namespace hfcache::core {
namespace {

constexpr std::string_view version_lines[] = {"version https://git-lfs.github.com/spec/v1",
                                              "version https://hawser.github.com/spec/v1"};

bool is_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  return true;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::optional<LfsPointer> parse_lfs_pointer(std::string_view text) {
  if (text.empty() || text.size() > lfs_pointer_max_size) return std::nullopt;
  std::optional<std::string> oid;
  std::optional<std::uint64_t> size;
  std::string_view previous_key;
  bool first = true;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (first) {
      bool known = false;
      for (auto v : version_lines) known = known || line == v;
      if (!known) return std::nullopt;
      first = false;
      continue;
    }
    auto space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto key = line.substr(0, space), value = line.substr(space + 1);
    // The spec keeps keys after "version" sorted and unique.
    if (!is_key(key) || key == "version" || (!previous_key.empty() && key <= previous_key)) return std::nullopt;
    previous_key = key;
    if (key == "oid") {
      constexpr std::string_view prefix = "sha256:";
      if (!value.starts_with(prefix)) return std::nullopt;
      auto hex = value.substr(prefix.size());
      if (hex.size() != 64 || !is_lower_hex(hex)) return std::nullopt;
      oid = std::string(hex);
    } else if (key == "size") {
      if (value.empty() || value.size() > 20) return std::nullopt;
      std::uint64_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || ptr != value.data() + value.size()) return std::nullopt;
      size = n;
    }
  }
  if (!oid || !size) return std::nullopt;
  return LfsPointer{*oid, *size};
}

std::optional<LfsPointer> read_lfs_pointer_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::array<char, lfs_pointer_max_size + 1> buf{};
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return parse_lfs_pointer(std::string_view(buf.data(), got));
}

std::string lfs_pointer_explanation(std::string_view path, const LfsPointer& pointer) {
  return std::string(path) + " is a Git LFS pointer file (" + std::to_string(pointer.size) +
         " bytes of content, sha256 " + pointer.sha256 +
         "), not the file itself: the clone was made without git-lfs. Run `git lfs pull` in the clone, or "
         "`hfcache pull` the repo";
}

}  // namespace hfcache::core
