#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "util/hash.hpp"
#include "util/hash_pipeline.hpp"

using namespace hfcache::util;

namespace {

// `content` through the pipeline as an import feeds it: two buffers in turn, each refilled only
// after the next submit() returned.
HashPipeline::Digests through(HashPipeline& p, const std::string& content, bool sized, std::size_t piece) {
  p.begin(sized ? std::optional<std::uint64_t>(content.size()) : std::nullopt);
  std::array<std::vector<char>, 2> buffers{std::vector<char>(piece), std::vector<char>(piece)};
  std::size_t turn = 0;
  for (std::size_t at = 0; at < content.size(); at += piece, turn ^= 1) {
    auto n = std::min(piece, content.size() - at);
    std::copy_n(content.data() + at, n, buffers[turn].data());
    p.submit(buffers[turn].data(), n);
  }
  return p.finish();
}

std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) c = static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
  return s;
}

}  // namespace

TEST_SUITE("util_hash_pipeline") {
  TEST_CASE("sha256 and git blob sha1 equal the one-thread hashes, for every piece size and stream after stream") {
    HashPipeline p;
    for (std::size_t size : {0u, 1u, 4095u, 65536u, 1000003u}) {
      auto content = pattern(size);
      for (std::size_t piece : {1u, 7u, 4096u, 1u << 20}) {
        if (piece == 1 && size > 65536) continue;  // a million handoffs prove nothing more
        auto d = through(p, content, true, piece);
        CHECK(d.sha256 == sha256_hex(content));
        CHECK(d.sha1 == git_blob_sha1_hex(content));
      }
    }
  }

  TEST_CASE("without a size there is no git sha1 (its header needs the size)") {
    HashPipeline p;
    auto d = through(p, "hello", false, 2);
    CHECK(d.sha256 == sha256_hex("hello"));
    CHECK(d.sha1.empty());
  }

  TEST_CASE("a stream abandoned half-way does not leak into the next one") {
    HashPipeline p;
    std::string junk = pattern(300000);
    p.begin(junk.size());
    p.submit(junk.data(), junk.size());  // no finish(): an import refused mid-member
    auto d = through(p, "next", true, 3);
    CHECK(d.sha256 == sha256_hex("next"));
    CHECK(d.sha1 == git_blob_sha1_hex("next"));
  }

  TEST_CASE("the pipeline can be destroyed with a buffer in hand") {
    std::string data = pattern(1 << 20);
    {
      HashPipeline p;
      p.begin(data.size());
      p.submit(data.data(), data.size());
    }  // waits for the buffer before `data` goes
    CHECK(true);
  }
}
