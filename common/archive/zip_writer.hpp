#pragma once
// A zip written record by record into any sink (a file, or the daemon's HTTP body), for Windows
// hosts without hfcache: every entry stored (weights do not compress, and a stored entry is
// extracted at disk speed), names in UTF-8 with the language-encoding flag (bit 11) when they are
// not ASCII, Zip64 records only where a size or offset needs them (4 GiB and over, or 65535
// entries), and no data descriptors: each local header carries the CRC-32 and sizes, which every
// reader handles, streaming ones (Java's ZipInputStream, libarchive without seeking) included.
//
// The CRC is known before the data only for small in-memory contents. For a file, the writer
// either patches the CRC into the local header afterwards (a seekable output: one read of the
// file) or reads the file twice, once to checksum it (a stream). Both write the same bytes.
// Memory is one copy buffer whatever the entry sizes; the central directory grows by one record
// (about 100 bytes) per entry.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive_writer.hpp"

namespace hfcache::archive {

// Overwrite bytes already written at an absolute offset of the output (pwrite on a file).
using Patch = std::function<void(std::uint64_t offset, const char* data, std::size_t size)>;

class ZipWriter {
 public:
  // `dos_time` is the entries' modification time, as MS-DOS date << 16 | time.
  explicit ZipWriter(Sink sink, Patch patch = {}, std::uint32_t dos_time = dos_time_now());

  void add_directory(std::string_view name);  // "a/b/" (a slash is added if missing)
  void add_file(std::string_view name, std::string_view content);
  // Stream exactly `size` bytes of `source`; throws if it is shorter (changed while exporting).
  void add_file_from(std::string_view name, const std::filesystem::path& source, std::uint64_t size);
  // The central directory and end records. Without it the zip is unreadable.
  void finish();

  std::uint64_t bytes_written() const { return offset_; }
  static std::uint32_t dos_time_now();

 private:
  struct Entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
    bool directory = false;
  };
  void emit(const void* data, std::size_t size);
  void local_header(const Entry& e);
  void central_record(const Entry& e);
  static std::uint16_t version_needed(const Entry& e);

  Sink sink_;
  Patch patch_;
  std::uint32_t dos_time_;
  std::uint64_t offset_ = 0;
  std::vector<Entry> entries_;
  std::vector<char> buffer_;
};

}  // namespace hfcache::archive
