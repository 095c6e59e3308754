#include "archive/zip_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <system_error>

#include "core/errors.hpp"
#include "util/crc32.hpp"
#include "util/fs.hpp"

namespace hfcache::archive {
namespace {

// One read buffer for every file entry: large enough for sequential throughput, small enough to ignore.
constexpr std::size_t copy_buffer_size = 1 << 20;
// A 32-bit field holding this says "see the Zip64 extra field" (APPNOTE 4.4.8); a 16-bit count likewise.
constexpr std::uint32_t zip64_marker = 0xFFFFFFFFu;
constexpr std::uint16_t zip64_count_marker = 0xFFFFu;
constexpr std::uint16_t version_plain = 20;  // 2.0: folders and stored entries
constexpr std::uint16_t version_zip64 = 45;  // 4.5: Zip64
// Made by: Unix (3), spec 6.3; the high half of the external attributes is then the Unix mode.
constexpr std::uint16_t version_made_by = (3 << 8) | 63;
constexpr std::uint16_t flag_utf8 = 1 << 11;
constexpr std::uint32_t mode_file = 0100644, mode_dir = 040755, dos_dir_attribute = 0x10;

// Little-endian record builder.
struct Record {
  std::string bytes;
  Record& u16(std::uint32_t v) {
    for (int i = 0; i < 2; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Record& u32(std::uint64_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Record& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Record& raw(std::string_view s) {
    bytes.append(s);
    return *this;
  }
};

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::uint32_t crc_of(std::uint32_t crc, const char* data, std::size_t size) {
  return util::crc32_update(crc, data, size);
}

std::uint16_t name_length(const std::string& name) {
  if (name.size() > 0xFFFF) throw UsageError("the name '" + name.substr(0, 80) + "...' is too long for a zip");
  return static_cast<std::uint16_t>(name.size());
}

// Readers take names as C strings and a final '/' (or '\', libarchive's reading) as a folder: such a
// file name would not come back.
void check_file_name(const std::string& name) {
  if (name.empty() || name.ends_with('/') || name.ends_with('\\') || name.find('\0') != std::string::npos)
    throw UsageError("the name '" + name.substr(0, name.find('\0')) + "' cannot be a file in a zip",
                     "a zip file name is not empty, has no NUL byte and does not end in '/' or '\\'");
}

// read() exactly `size` bytes of `fd` in buffer-sized pieces; throws if the file ends early.
template <typename Each>
void read_all(int fd, const std::filesystem::path& source, std::uint64_t size, std::vector<char>& buffer, Each each) {
  std::uint64_t left = size;
  while (left > 0) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    ssize_t got = ::read(fd, buffer.data(), want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::system_error(errno, std::generic_category(), "read " + source.string());
    if (got == 0)
      throw Error(ExitCode::failure, source.string() + " became shorter while it was exported",
                  "run the export again when nothing else writes to the cache");
    each(buffer.data(), static_cast<std::size_t>(got));
    left -= static_cast<std::uint64_t>(got);
  }
}

}  // namespace

std::uint32_t ZipWriter::dos_time_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);  // MS-DOS times have no zone: extractors read them as local time
  if (tm.tm_year < 80) return (1u << 5 | 1u) << 16;  // before 1980, which MS-DOS dates cannot hold
  auto date = static_cast<std::uint32_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  auto time = static_cast<std::uint32_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  return date << 16 | time;
}

ZipWriter::ZipWriter(Sink sink, Patch patch, std::uint32_t dos_time)
    : sink_(std::move(sink)), patch_(std::move(patch)), dos_time_(dos_time) {}

void ZipWriter::emit(const void* data, std::size_t size) {
  sink_(static_cast<const char*>(data), size);
  offset_ += size;
}

// Version needed to extract (APPNOTE 4.4.3.2): 4.5 for an entry whose central record carries a
// Zip64 extra (its size, or its offset past 4 GiB), in both of its headers, which must agree.
std::uint16_t ZipWriter::version_needed(const Entry& e) {
  return e.size >= zip64_marker || e.offset >= zip64_marker ? version_zip64 : version_plain;
}

void ZipWriter::local_header(const Entry& e) {
  bool zip64 = e.size >= zip64_marker;  // sizes in the Zip64 extra (a local header holds no offset)
  Record r;
  r.u32(0x04034b50).u16(version_needed(e)).u16(is_ascii(e.name) ? 0 : flag_utf8).u16(0);
  r.u16(dos_time_ & 0xFFFF).u16(dos_time_ >> 16).u32(e.crc);
  if (zip64)
    r.u32(zip64_marker).u32(zip64_marker);
  else
    r.u32(e.size).u32(e.size);
  r.u16(name_length(e.name)).u16(zip64 ? 20 : 0).raw(e.name);
  if (zip64) r.u16(0x0001).u16(16).u64(e.size).u64(e.size);
  emit(r.bytes.data(), r.bytes.size());
}

void ZipWriter::central_record(const Entry& e) {
  bool big = e.size >= zip64_marker, far = e.offset >= zip64_marker;
  Record extra;
  if (big) extra.u64(e.size).u64(e.size);
  if (far) extra.u64(e.offset);
  Record r;
  r.u32(0x02014b50).u16(version_made_by).u16(version_needed(e));
  r.u16(is_ascii(e.name) ? 0 : flag_utf8).u16(0).u16(dos_time_ & 0xFFFF).u16(dos_time_ >> 16).u32(e.crc);
  if (big)
    r.u32(zip64_marker).u32(zip64_marker);
  else
    r.u32(e.size).u32(e.size);
  auto extra_size = extra.bytes.empty() ? 0 : extra.bytes.size() + 4;
  r.u16(name_length(e.name)).u16(extra_size).u16(0).u16(0).u16(0);
  r.u32(e.directory ? (mode_dir << 16) | dos_dir_attribute : mode_file << 16);
  r.u32(far ? zip64_marker : e.offset).raw(e.name);
  if (!extra.bytes.empty()) r.u16(0x0001).u16(extra.bytes.size()).raw(extra.bytes);
  emit(r.bytes.data(), r.bytes.size());
}

void ZipWriter::add_directory(std::string_view name) {
  Entry e{std::string(name), 0, 0, offset_, true};
  if (e.name.empty() || e.name.find('\0') != std::string::npos) throw UsageError("a folder name in a zip cannot be empty or hold NUL");
  if (!e.name.ends_with('/')) e.name += '/';
  local_header(e);
  entries_.push_back(std::move(e));
}

void ZipWriter::add_file(std::string_view name, std::string_view content) {
  check_file_name(std::string(name));
  Entry e{std::string(name), crc_of(0, content.data(), content.size()), content.size(), offset_, false};
  local_header(e);
  emit(content.data(), content.size());
  entries_.push_back(std::move(e));
}

void ZipWriter::add_file_from(std::string_view name, const std::filesystem::path& source, std::uint64_t size) {
  check_file_name(std::string(name));
  util::UniqueFd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw std::system_error(errno, std::generic_category(), "open " + source.string());
  buffer_.resize(copy_buffer_size);
  Entry e{std::string(name), 0, size, offset_, false};
  std::uint32_t crc = crc_of(0, nullptr, 0);
  if (!patch_) {  // a stream: the CRC must be in the header, so checksum the file first
    read_all(fd.get(), source, size, buffer_, [&](const char* d, std::size_t n) { crc = crc_of(crc, d, n); });
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) throw std::system_error(errno, std::generic_category(), "seek " + source.string());
    e.crc = crc;
  }
  local_header(e);
  std::uint32_t streamed_crc = crc_of(0, nullptr, 0);
  read_all(fd.get(), source, size, buffer_, [&](const char* d, std::size_t n) {
    streamed_crc = crc_of(streamed_crc, d, n);
    emit(d, n);
  });
  if (patch_) {
    e.crc = streamed_crc;
    Record r;
    r.u32(e.crc);
    patch_(e.offset + 14, r.bytes.data(), 4);  // the CRC field of the local header
  } else if (streamed_crc != e.crc) {
    throw Error(ExitCode::failure, source.string() + " changed while it was exported",
                "run the export again when nothing else writes to the cache");
  }
  entries_.push_back(std::move(e));
}

void ZipWriter::finish() {
  std::uint64_t directory_offset = offset_;
  for (const auto& e : entries_) central_record(e);
  std::uint64_t directory_size = offset_ - directory_offset;
  std::uint64_t count = entries_.size();
  bool zip64 = count >= zip64_count_marker || directory_size >= zip64_marker || directory_offset >= zip64_marker;
  Record r;
  if (zip64) {
    std::uint64_t record_offset = offset_;
    r.u32(0x06064b50).u64(44).u16(version_made_by).u16(version_zip64).u32(0).u32(0);
    r.u64(count).u64(count).u64(directory_size).u64(directory_offset);
    r.u32(0x07064b50).u32(0).u64(record_offset).u32(1);  // the locator
  }
  auto small_count = zip64 && count >= zip64_count_marker ? zip64_count_marker : count;
  r.u32(0x06054b50).u16(0).u16(0).u16(small_count).u16(small_count);
  r.u32(zip64 && directory_size >= zip64_marker ? zip64_marker : directory_size);
  r.u32(zip64 && directory_offset >= zip64_marker ? zip64_marker : directory_offset).u16(0);
  emit(r.bytes.data(), r.bytes.size());
}

}  // namespace hfcache::archive
