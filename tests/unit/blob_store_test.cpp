#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/private_temp.hpp"
#include "util/file_lock.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "support/temp_dir.hpp"

using namespace hfcache;
using namespace hfcache::core;
namespace fs = std::filesystem;

namespace {
using hfcache::test_support::TempDir;
std::string content(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) % 251);
  return s;
}
}  // namespace

TEST_SUITE("blob_store") {
  TEST_CASE("sequential write verifies and renames") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(100000);
    auto etag = util::sha256_hex(data);
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
      CHECK(w.resume_offset() == 0);
      w.write_at(0, data.data(), 5000);
      w.write_at(5000, data.data() + 5000, data.size() - 5000);
      w.commit();
    }
    CHECK(blob_present(layout, repo, etag, data.size()));
    CHECK_FALSE(fs::exists(layout.incomplete_path(repo, etag)));
  }

  TEST_CASE("out-of-order ranges, resume after interruption") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(3 << 20);
    auto etag = util::git_blob_sha1_hex(data);
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
      w.write_at(0, data.data(), 1 << 20);
      // interrupted: writer destroyed without commit
    }
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged);
    CHECK(w.resume_offset() == (1u << 20));
    w.write_at(2 << 20, data.data() + (2 << 20), 1 << 20);  // a later range first
    w.write_at(1 << 20, data.data() + (1 << 20), 1 << 20);
    w.contiguous_upto(data.size());
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
    CHECK(std::distance(fs::directory_iterator(layout.blobs_dir(repo)), fs::directory_iterator()) == 1);
  }

  TEST_CASE("a stopped ranged writer leaves only a clean prefix under the shared name") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(4 << 20);
    auto etag = util::sha256_hex(data);
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged);
      w.write_at(0, data.data(), 1 << 20);
      w.write_at(3 << 20, data.data() + (3 << 20), 1 << 20);  // a hole at [1M, 3M) while running
    }
    // What huggingface_hub <= 1.17 would resume from: exactly the good prefix, no holes, full size never.
    auto shared = layout.incomplete_path(repo, etag);
    CHECK(fs::file_size(shared) == (1u << 20));
    CHECK(std::distance(fs::directory_iterator(layout.blobs_dir(repo)), fs::directory_iterator()) == 1);
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged);
    CHECK(w.resume_offset() == (1u << 20));
    w.write_at(1 << 20, data.data() + (1 << 20), data.size() - (1 << 20));
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
  }

  TEST_CASE("a crashed ranged writer's private file is adopted up to its first hole") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(4 << 20);
    auto etag = util::sha256_hex(data);
    fs::create_directories(layout.blobs_dir(repo));
    {
      // What a killed process leaves: <etag>.<8hex>.incomplete with 1 MiB + 100 bytes, a hole, a later range.
      auto leftover = layout.blobs_dir(repo) / (etag + ".0123abcd.incomplete");
      std::ofstream out(leftover, std::ios::binary);
      out.write(data.data(), (1 << 20) + 100);
      out.seekp(3 << 20);
      out.write(data.data() + (3 << 20), 1 << 20);
    }
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged);
    CHECK(w.resume_offset() > 0);
    CHECK(w.resume_offset() <= (1u << 20) + 100);  // never past the bytes really written
    auto from = w.resume_offset();
    w.write_at(from, data.data() + from, data.size() - from);
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
  }

  TEST_CASE("corrupt bytes never land in blobs/") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(1000);
    auto etag = util::sha256_hex(data);
    data[500] ^= 1;
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
    w.write_at(0, data.data(), data.size());
    try {
      w.commit();
      FAIL("corrupt blob accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::integrity);
    }
    CHECK_FALSE(fs::exists(layout.blob_path(repo, etag)));
    CHECK_FALSE(fs::exists(layout.incomplete_path(repo, etag)));
  }

  TEST_CASE("a short file is an integrity error") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(1000);
    BlobWriter w(layout, repo, util::sha256_hex(data), data.size(), BlobWriter::Mode::sequential);
    w.write_at(0, data.data(), 999);
    CHECK_THROWS_AS(w.commit(), IntegrityError);
  }
}

TEST_SUITE("file_lock") {
  TEST_CASE("excludes a second holder until released") {
    TempDir t;
    auto path = t.path / ".locks" / "models--a--b" / "x.lock";
    std::atomic<bool> second_has_it{false};
    std::thread other;
    {
      util::FileLock first(path);
      CHECK((fs::status(path).permissions() & fs::perms::owner_write) != fs::perms::none);
      other = std::thread([&] {
        util::FileLock second(path);
        second_has_it = true;
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      CHECK_FALSE(second_has_it.load());
    }
    other.join();
    CHECK(second_has_it.load());
  }
}

TEST_SUITE("blob_store") {
  TEST_CASE("pipelined hashing: a hashing thread follows the writes") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(5 << 20);
    auto etag = util::sha256_hex(data);
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential_pipelined);
      w.write_at(0, data.data(), 1 << 20);
    }  // interrupted: the hashed prefix stays
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential_pipelined);
    CHECK(w.resume_offset() == (1u << 20));
    for (std::size_t off = 1 << 20; off < data.size(); off += 4096)
      w.write_at(off, data.data() + off, std::min<std::size_t>(4096, data.size() - off));
    w.contiguous_upto(data.size());
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
  }

  TEST_CASE("pipelined ranges: the hashing thread follows the contiguous prefix, a stop keeps what it hashed") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(4 << 20);
    auto etag = util::sha256_hex(data);
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged_pipelined);
      w.write_at(3 << 20, data.data() + (3 << 20), 1 << 20);  // a later range first: not hashed yet
      w.write_at(0, data.data(), 1 << 20);                    // at the prefix: followed at once
      w.contiguous_upto(1 << 20);
    }  // stopped with a hole at [1M, 3M)
    CHECK(fs::file_size(layout.incomplete_path(repo, etag)) == (1u << 20));
    CHECK(std::distance(fs::directory_iterator(layout.blobs_dir(repo)), fs::directory_iterator()) == 1);
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged_pipelined);
    CHECK(w.resume_offset() == (1u << 20));
    w.write_at(2 << 20, data.data() + (2 << 20), 2 << 20);
    w.contiguous_upto(1 << 20);  // an older frontier never moves the prefix back
    w.write_at(1 << 20, data.data() + (1 << 20), 1 << 20);
    w.contiguous_upto(data.size());
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
    CHECK(std::distance(fs::directory_iterator(layout.blobs_dir(repo)), fs::directory_iterator()) == 1);
  }

  TEST_CASE("pipelined ranges still refuse corrupt bytes") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(3 << 20);
    auto etag = util::sha256_hex(data);
    data[(2 << 20) + 7] ^= 0x10;
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::ranged_pipelined);
    w.write_at(1 << 20, data.data() + (1 << 20), 2 << 20);
    w.write_at(0, data.data(), 1 << 20);
    w.contiguous_upto(data.size());
    CHECK_THROWS_AS(w.commit(), IntegrityError);
    CHECK_FALSE(fs::exists(layout.blob_path(repo, etag)));
    CHECK(std::distance(fs::directory_iterator(layout.blobs_dir(repo)), fs::directory_iterator()) == 0);
  }

  TEST_CASE("pipelined hashing still refuses corrupt bytes") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(3 << 20);
    auto etag = util::sha256_hex(data);
    data[12345] ^= 0x40;
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential_pipelined);
    w.write_at(0, data.data(), data.size());
    CHECK_THROWS_AS(w.commit(), IntegrityError);
    CHECK_FALSE(fs::exists(layout.blob_path(repo, etag)));
  }

  // Replicas on a shared file system where flock does nothing: nothing excludes two writers.
  TEST_CASE("two writers of one blob with no lock between them write two files; both commit, the blob is whole") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(2 << 20);
    auto etag = util::sha256_hex(data);
    BlobWriter a(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
    a.write_at(0, data.data(), 1 << 20);
    BlobWriter b(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
    CHECK(b.resume_offset() == 0);  // a is live: its file is not taken over
    CHECK(a.path() != b.path());
    b.write_at(0, data.data(), 1 << 19);
    a.write_at(1 << 20, data.data() + (1 << 20), 1 << 20);
    a.commit();
    b.write_at(1 << 19, data.data() + (1 << 19), data.size() - (1 << 19));
    b.commit();  // the blob is in place: b's copy goes
    CHECK(blob_present(layout, repo, etag, data.size()));
    std::ifstream in(layout.blob_path(repo, etag), std::ios::binary);
    std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(util::sha256_hex(on_disk) == etag);
    CHECK(std::distance(fs::directory_iterator(layout.blobs_dir(repo)), fs::directory_iterator()) == 1);
  }

  TEST_CASE("another host's private file is resumed from only once it has been still for a while") {
    TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    auto data = content(3 << 20);
    auto etag = util::sha256_hex(data);
    fs::create_directories(layout.blobs_dir(repo));
    auto theirs = layout.blobs_dir(repo) / (etag + ".0123abcd-otherhost-4242.incomplete");
    { std::ofstream(theirs, std::ios::binary).write(data.data(), 1 << 20); }
    {
      BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
      CHECK(w.resume_offset() == 0);  // written just now: maybe live
    }
    CHECK(fs::file_size(theirs) == (1u << 20));
    fs::last_write_time(theirs, fs::file_time_type::clock::now() - abandoned_private_temp_age - std::chrono::minutes(1));
    BlobWriter w(layout, repo, etag, data.size(), BlobWriter::Mode::sequential);
    CHECK(w.resume_offset() == (1u << 20));
    CHECK_FALSE(fs::exists(theirs));
    w.write_at(1 << 20, data.data() + (1 << 20), data.size() - (1 << 20));
    w.commit();
    CHECK(blob_present(layout, repo, etag, data.size()));
  }
}
