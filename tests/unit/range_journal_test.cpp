#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/blob_store.hpp"
#include "core/range_journal.hpp"
#include "pull/disk_writer.hpp"
#include "support/temp_dir.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

using namespace hfcache;
using namespace hfcache::core;
namespace fs = std::filesystem;
using hfcache::test_support::TempDir;
using hfcache::test_support::write_file;

namespace {
std::string content(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) % 251);
  return s;
}
std::string header_for(int fd, const std::string& etag, std::uint64_t size) {
  struct stat st {};
  ::fstat(fd, &st);
  return "hfcache-range-journal 1 " + etag + " " + std::to_string(size) + " " + std::to_string(st.st_dev) + " " +
         std::to_string(st.st_ino) + "\n";
}
}  // namespace

TEST_SUITE("range_journal") {
  TEST_CASE("merge_ranges sorts and joins touching ranges") {
    CHECK(merge_ranges({{10, 20}, {0, 5}, {5, 8}, {15, 30}, {40, 40}}) == ByteRanges{{0, 8}, {10, 30}});
  }

  TEST_CASE("a journal is believed only for its file, and only where the file holds the bytes") {
    TempDir t;
    auto file = t.path / "blob.incomplete";
    const std::uint64_t size = 1 << 20;
    {
      util::UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT, 0644));
      REQUIRE(::pwrite(fd.get(), "x", 1, 0) == 1);
      REQUIRE(::pwrite(fd.get(), "y", 1, 600000) == 1);  // a hole in between
    }
    util::UniqueFd fd(::open(file.c_str(), O_RDONLY));
    auto journal = t.path / "j.ranges";
    auto header = header_for(fd.get(), "e", size);
    write_file(journal, header + "0 1\n600000 600001\n");
    CHECK(RangeJournal::load(journal, fd.get(), "e", size) == ByteRanges{{0, 1}, {600000, 600001}});
    write_file(journal, header + "0 1\n600000 600001\n600001 7");  // a torn last line is left out
    CHECK(RangeJournal::load(journal, fd.get(), "e", size) == ByteRanges{{0, 1}, {600000, 600001}});
    write_file(journal, header + "0 300000\n");  // claims bytes where the file has a hole
    CHECK_FALSE(RangeJournal::load(journal, fd.get(), "e", size));
    write_file(journal, header + "0 2000000\n");  // beyond the blob
    CHECK_FALSE(RangeJournal::load(journal, fd.get(), "e", size));
    CHECK_FALSE(RangeJournal::load(journal, fd.get(), "other", size));
    write_file(journal, "hfcache-range-journal 1 e 1048576 1 1\n0 1\n");  // another file
    CHECK_FALSE(RangeJournal::load(journal, fd.get(), "e", size));
  }
}

TEST_SUITE("blob_store") {
  TEST_CASE("no file before the first byte, none left empty") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(4096);
    auto etag = util::sha256_hex(data);
    for (auto mode : {BlobWriter::Mode::sequential, BlobWriter::Mode::ranged_pipelined}) {
      { BlobWriter w(layout, repo, etag, data.size(), mode); }
      CHECK(fs::is_empty(layout.blobs_dir(repo)));
    }
    write_file(layout.incomplete_path(repo, etag), "");  // an empty leftover of another tool
    { BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential); }
    CHECK(fs::is_empty(layout.blobs_dir(repo)));
  }

  TEST_CASE("an empty blob is created by commit") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto etag = util::git_blob_sha1_hex("");
    BlobWriter w(layout, repo, etag, 0, BlobWriter::Mode::sequential);
    w.commit();
    CHECK(blob_present(layout, repo, etag, 0));
  }

  TEST_CASE("a ranged writer with a journal keeps every written range across a crash") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(3 << 20);
    auto etag = util::sha256_hex(data);
    auto journal = RangeJournal::path_for(t.path / "state", repo.folder_name(), etag);
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged, journal);
      w.write_at(0, data.data(), 1000);
      w.write_at(2 << 20, data.data() + (2 << 20), 1 << 20);  // after a hole
      CHECK(fs::exists(journal));
      // A crash: the destructor of a journaled writer leaves the file as it is, as kill -9 does.
    }
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged, journal);
    CHECK(w.done_ranges() == ByteRanges{{0, 1000}, {2 << 20, 3 << 20}});
    CHECK(w.resume_offset() == 1000);
    w.write_at(1000, data.data() + 1000, (2 << 20) - 1000);
    w.contiguous_upto(data.size());
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
    CHECK_FALSE(fs::exists(journal));
  }
}

TEST_SUITE("disk_writer") {
  TEST_CASE("writes queued buffers in file order and reports each, then the blob commits") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(5 << 20);
    auto etag = util::sha256_hex(data);
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
    pull::DiskWriter disk(2, 1 << 20);  // fewer buffers than the file needs: take() waits for the disk
    pull::DiskWriter::Batch batch;
    std::uint64_t reported = 0;
    for (std::uint64_t off = 0; off < data.size(); off += 1 << 20) {
      auto b = disk.take();
      b.assign(data.data() + off, data.data() + off + (1 << 20));
      disk.submit(w, off, std::move(b), batch, [&](std::uint64_t start, std::uint64_t end) {
        CHECK(start == reported);
        reported = end;
      });
    }
    disk.wait(batch);
    CHECK(reported == data.size());
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
  }

  TEST_CASE("a failed write reaches the batch") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(1000);
    BlobWriter w(layout, repo, util::sha256_hex(data), data.size(), BlobWriter::Mode::sequential);
    fs::remove_all(layout.blobs_dir(repo));  // the file cannot be created now
    pull::DiskWriter disk(1, 4096);
    pull::DiskWriter::Batch batch;
    auto b = disk.take();
    b.assign(data.begin(), data.end());
    disk.submit(w, 0, std::move(b), batch, [](std::uint64_t, std::uint64_t) {});
    CHECK_THROWS(disk.wait(batch));
    CHECK(disk.failed(batch));
  }
}
