#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <map>
#include <string>

#include "archive/import_source.hpp"
#include "archive/zip_writer.hpp"
#include "core/errors.hpp"
#include "support/temp_dir.hpp"

using namespace hfcache;
using namespace hfcache::archive;
using hfcache::test_support::TempDir;
using hfcache::test_support::write_file;

namespace {

std::uint64_t le(const std::string& s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s.at(at + static_cast<std::size_t>(i)));
  return v;
}

std::uint32_t crc(std::string_view s) { return static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()))); }

// A zip written into memory, with the offsets of its records found by their signatures.
struct Written {
  std::string bytes;
  Sink sink() {
    return [this](const char* d, std::size_t n) { bytes.append(d, n); };
  }
  Patch patch() {
    return [this](std::uint64_t at, const char* d, std::size_t n) { bytes.replace(at, n, d, n); };
  }
  std::size_t find(std::uint32_t signature, std::size_t from = 0) const {
    std::string sig;
    for (int i = 0; i < 4; ++i) sig.push_back(static_cast<char>((signature >> (8 * i)) & 0xFF));
    return bytes.find(sig, from);
  }
};

constexpr std::uint32_t fixed_time = (45u << 25 | 1u << 21 | 2u << 16) | (3u << 11 | 4u << 5 | 5u);

}  // namespace

TEST_SUITE("archive_zip_writer") {
  TEST_CASE("a stored entry: local header with CRC and sizes, no data descriptor, central record, end record") {
    Written w;
    ZipWriter zip(w.sink(), {}, fixed_time);
    zip.add_file("a/config.json", "{\"x\":1}");
    zip.finish();
    const auto& b = w.bytes;
    REQUIRE(le(b, 0, 4) == 0x04034b50);
    CHECK(le(b, 4, 2) == 20);       // version needed
    CHECK(le(b, 6, 2) == 0);        // no flags: ASCII name, no data descriptor (bit 3)
    CHECK(le(b, 8, 2) == 0);        // stored
    CHECK(le(b, 10, 4) == fixed_time);
    CHECK(le(b, 14, 4) == crc("{\"x\":1}"));
    CHECK(le(b, 18, 4) == 7);
    CHECK(le(b, 22, 4) == 7);
    CHECK(le(b, 26, 2) == 13);
    CHECK(le(b, 28, 2) == 0);
    CHECK(b.substr(30, 13) == "a/config.json");
    CHECK(b.substr(43, 7) == "{\"x\":1}");
    CHECK(w.find(0x08074b50) == std::string::npos);  // no data descriptor anywhere
    auto c = w.find(0x02014b50);
    REQUIRE(c == 50);
    CHECK(le(b, c + 16, 4) == crc("{\"x\":1}"));
    CHECK(le(b, c + 38, 4) == 0100644u << 16);
    CHECK(le(b, c + 42, 4) == 0);  // offset of the local header
    auto e = w.find(0x06054b50);
    REQUIRE(e != std::string::npos);
    CHECK(e + 22 == b.size());
    CHECK(le(b, e + 10, 2) == 1);
    CHECK(le(b, e + 12, 4) == e - c);
    CHECK(le(b, e + 16, 4) == c);
    CHECK(w.find(0x06064b50) == std::string::npos);  // no Zip64 end record for a small zip
  }

  TEST_CASE("names outside ASCII carry the UTF-8 flag (bit 11); folders end in / with the folder attribute") {
    Written w;
    ZipWriter zip(w.sink(), {}, fixed_time);
    zip.add_directory("r/blobs");
    zip.add_file("r/données.txt", "x");
    zip.finish();
    CHECK(le(w.bytes, 6, 2) == 0);
    CHECK(w.bytes.substr(30, 8) == "r/blobs/");
    auto second = w.find(0x04034b50, 1);
    CHECK(le(w.bytes, second + 6, 2) == 1u << 11);
    auto c = w.find(0x02014b50);
    CHECK((le(w.bytes, c + 38, 4) & 0x10) == 0x10);
    auto c2 = w.find(0x02014b50, c + 1);
    CHECK(le(w.bytes, c2 + 8, 2) == 1u << 11);
  }

  TEST_CASE("file names a reader would not give back are refused") {
    Written w;
    ZipWriter zip(w.sink(), {}, fixed_time);
    CHECK_THROWS_AS(zip.add_file("", "x"), UsageError);
    CHECK_THROWS_AS(zip.add_file("a/", "x"), UsageError);
    CHECK_THROWS_AS(zip.add_file(std::string("a\0b", 3), "x"), UsageError);
    CHECK(w.bytes.empty());
  }

  TEST_CASE("a file entry is the same whether the CRC is patched in (a file) or read first (a stream)") {
    TempDir dir;
    std::string content(3 << 20, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 251);
    write_file(dir.path / "blob", content);
    Written streamed, patched;
    {
      ZipWriter zip(streamed.sink(), {}, fixed_time);
      zip.add_file_from("r/snapshots/c/model.bin", dir.path / "blob", content.size());
      zip.finish();
    }
    {
      ZipWriter zip(patched.sink(), patched.patch(), fixed_time);
      zip.add_file_from("r/snapshots/c/model.bin", dir.path / "blob", content.size());
      zip.finish();
    }
    CHECK(streamed.bytes == patched.bytes);
    CHECK(le(streamed.bytes, 14, 4) == crc(content));
    // A file shorter than announced is refused, not padded.
    ZipWriter zip(streamed.sink(), {}, fixed_time);
    CHECK_THROWS(zip.add_file_from("x", dir.path / "blob", content.size() + 1));
  }

  TEST_CASE("libarchive (hfcache import's reader) reads the zip back") {
    TempDir dir;
    write_file(dir.path / "blob", "weights");
    Written w;
    ZipWriter zip(w.sink(), {}, fixed_time);
    zip.add_directory("models--a--b/blobs/");
    zip.add_file_from("models--a--b/snapshots/c/ü.bin", dir.path / "blob", 7);
    zip.add_file("models--a--b/refs/main", "c");
    zip.finish();
    write_file(dir.path / "x.zip", w.bytes);
    auto source = open_member_source(dir.path / "x.zip");
    std::map<std::string, std::string> seen;
    Member m;
    while (source->next(m)) {
      std::string content;
      char buf[64];
      if (m.kind == Member::Kind::file)
        while (auto n = source->read(buf, sizeof buf)) content.append(buf, n);
      seen[m.name] = m.kind == Member::Kind::directory ? "<dir>" : content;
    }
    CHECK(seen["models--a--b/snapshots/c/ü.bin"] == "weights");
    CHECK(seen["models--a--b/refs/main"] == "c");
    CHECK(seen.size() == 3);
  }

  TEST_CASE("Zip64: a file of 4 GiB and more, and entries past 4 GiB (a sparse file, only headers kept)") {
    TempDir dir;
    const std::uint64_t big = (4ull << 30) + 3;
    {
      util::UniqueFd fd(::open((dir.path / "big").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
      REQUIRE(fd);
      REQUIRE(::ftruncate(fd.get(), static_cast<off_t>(big)) == 0);
    }
    // Keep the first and the last bytes: the records; the 4 GiB of zeros in between are dropped.
    std::string head, tail;
    std::uint64_t at = 0;
    const std::uint64_t tail_from = big;
    auto sink = [&](const char* d, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i, ++at) {
        if (at < 4096) head.push_back(d[i]);
        if (at >= tail_from) tail.push_back(d[i]);
        if (at >= 4096 && at < tail_from && n - i > 1) {  // skip ahead inside the data
          auto skip = std::min<std::uint64_t>(tail_from - at, n - i) - 1;
          i += skip;
          at += skip;
        }
      }
    };
    // Patched, as for a file: the big file is read once.
    auto patch = [&](std::uint64_t offset, const char* d, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i)
        if (offset + i < head.size()) head[static_cast<std::size_t>(offset + i)] = d[i];
    };
    ZipWriter zip(sink, patch, fixed_time);
    zip.add_file_from("big.bin", dir.path / "big", big);
    zip.add_file("after.txt", "after");
    zip.finish();
    // Local header of the big file: version 4.5, both sizes 0xFFFFFFFF, the Zip64 extra with the real ones.
    CHECK(le(head, 4, 2) == 45);
    CHECK(le(head, 18, 4) == 0xFFFFFFFFu);
    CHECK(le(head, 22, 4) == 0xFFFFFFFFu);
    CHECK(le(head, 28, 2) == 20);
    CHECK(le(head, 37, 2) == 0x0001);
    CHECK(le(head, 39, 2) == 16);
    CHECK(le(head, 41, 8) == big);
    CHECK(le(head, 49, 8) == big);
    // CRC of the zeros, combined from 1 MiB pieces rather than computed over 4 GiB again.
    std::string mib(1 << 20, '\0');
    auto mib_crc = crc(mib);
    uLong zero_crc = 0;
    for (int i = 0; i < 4096; ++i) zero_crc = crc32_combine(zero_crc, mib_crc, 1 << 20);
    zero_crc = crc32_combine(zero_crc, crc(std::string(3, '\0')), 3);
    CHECK(le(head, 14, 4) == zero_crc);
    const std::uint64_t data_start = 30 + 7 + 20;
    // The tail starts right after the big data: the second entry's local header, at an offset past 4 GiB.
    const std::uint64_t second_offset = data_start + big;
    auto tail_at = [&](std::uint64_t offset) { return static_cast<std::size_t>(offset - tail_from); };
    REQUIRE(le(tail, tail_at(second_offset), 4) == 0x04034b50);
    // Its central record needs Zip64 for the offset: version 4.5 there, and the local header agrees.
    CHECK(le(tail, tail_at(second_offset) + 4, 2) == 45);
    Written t{tail};
    auto c1 = t.find(0x02014b50);
    REQUIRE(c1 != std::string::npos);
    // Central record of the big file: sizes in the extra, offset 0 in place.
    CHECK(le(tail, c1 + 6, 2) == 45);
    CHECK(le(tail, c1 + 20, 4) == 0xFFFFFFFFu);
    CHECK(le(tail, c1 + 30, 2) == 20);
    CHECK(le(tail, c1 + 42, 4) == 0);
    CHECK(le(tail, c1 + 46 + 7 + 4, 8) == big);
    // Central record of the second: small sizes in place, offset in the extra.
    auto c2 = t.find(0x02014b50, c1 + 1);
    REQUIRE(c2 != std::string::npos);
    CHECK(le(tail, c2 + 6, 2) == 45);
    CHECK(le(tail, c2 + 20, 4) == 5);
    CHECK(le(tail, c2 + 42, 4) == 0xFFFFFFFFu);
    CHECK(le(tail, c2 + 30, 2) == 12);
    CHECK(le(tail, c2 + 46 + 9, 2) == 0x0001);
    CHECK(le(tail, c2 + 46 + 9 + 4, 8) == second_offset);
    // Zip64 end record, its locator, then the classic end record pointing at them.
    auto z = t.find(0x06064b50);
    REQUIRE(z != std::string::npos);
    CHECK(le(tail, z + 4, 8) == 44);
    CHECK(le(tail, z + 32, 8) == 2);
    CHECK(le(tail, z + 48, 8) == tail_from + c1);
    auto loc = t.find(0x07064b50);
    REQUIRE(loc == z + 56);
    CHECK(le(tail, loc + 8, 8) == tail_from + z);
    auto e = t.find(0x06054b50);
    REQUIRE(e == loc + 20);
    CHECK(le(tail, e + 10, 2) == 2);
    CHECK(le(tail, e + 16, 4) == 0xFFFFFFFFu);
    CHECK(e + 22 == tail.size());
  }
}
