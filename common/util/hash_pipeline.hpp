#pragma once
// SHA-256 and git blob SHA-1 of one byte stream at a time, computed on a thread of their own
// (util/background_consumer.hpp), so that an import's reads and writes overlap its two hashes.
// The caller leaves a buffer unchanged until the next submit() or finish() returns.
#include <cstdint>
#include <optional>
#include <string>

#include "util/background_consumer.hpp"
#include "util/hash.hpp"

namespace hfcache::util {

class HashPipeline {
 public:
  HashPipeline();

  // A new stream. The git blob sha1 is computed only when its size is known (the "blob <size>\0" header).
  void begin(std::optional<std::uint64_t> git_size);
  // Waits until the previous buffer is hashed, then hashes this one in the background.
  void submit(const char* data, std::size_t size) { worker_.submit(data, size); }
  struct Digests {
    std::string sha256;
    std::string sha1;  // "" without a size at begin()
  };
  // Waits for the last buffer; the stream's digests.
  Digests finish();

 private:
  Hasher sha256_{HashKind::sha256};
  std::optional<Hasher> sha1_;
  BackgroundConsumer worker_;  // last: destroyed first, while the hashers it updates still exist
};

}  // namespace hfcache::util
