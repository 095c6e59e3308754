#pragma once
// A POSIX pax tar written through libarchive into any sink: a file (hfcache export) or an HTTP body
// (the daemon's GET /v1/export). Memory stays flat whatever the member sizes: file members are
// streamed through one fixed buffer.
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct archive;
struct archive_entry;

namespace hfcache::archive {

enum class Compression { none, gzip, zstd };

// From the output name: .tar, .tar.gz / .tgz, .tar.zst / .tzst. Throws UsageError for anything else.
Compression compression_for(const std::filesystem::path& file);

// Receives the archive bytes in order. May throw: the writer stops and rethrows.
using Sink = std::function<void(const char* data, std::size_t size)>;

class ArchiveWriter {
 public:
  ArchiveWriter(Sink sink, Compression compression);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  void add_file(std::string_view name, std::string_view content);
  // Stream exactly `size` bytes of `source`; throws if it is shorter (changed while exporting).
  void add_file_from(std::string_view name, const std::filesystem::path& source, std::uint64_t size);
  void add_symlink(std::string_view name, std::string_view target);
  // Write the end-of-archive blocks and flush the compressor. Without it the archive is truncated.
  void finish();

  std::uint64_t bytes_written() const { return written_; }

 private:
  friend struct WriterCallbacks;
  void check(int status, std::string_view what);
  void header(::archive_entry* entry, std::string_view what);

  Sink sink_;
  struct ::archive* a_ = nullptr;
  std::exception_ptr sink_error_;
  std::uint64_t written_ = 0;
  std::vector<char> buffer_;  // the copy buffer of add_file_from
  bool finished_ = false;
};

}  // namespace hfcache::archive
