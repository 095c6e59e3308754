#pragma once
// Incremental SHA-256 and SHA-1 (OpenSSL EVP), and the two ways the hub names blobs:
// sha256 of the content (LFS files) and the git blob sha1 ("blob <size>\0" + content).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hfcache::util {

enum class HashKind { sha1, sha256 };

class Hasher {
 public:
  explicit Hasher(HashKind kind);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Lowercase hex digest; the hasher cannot be updated afterwards.
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hashes content for a given etag: sha256 for 64-hex etags, git blob sha1 for 40-hex ones.
class EtagHasher {
 public:
  // `size` is needed up front for the git blob header.
  EtagHasher(std::string_view etag, std::uint64_t size);
  void update(const void* data, std::size_t size) { hasher_.update(data, size); }
  bool matches();  // call once, after all bytes
 private:
  std::string expected_;
  Hasher hasher_;
};

std::string sha256_hex(std::string_view data);
std::string git_blob_sha1_hex(std::string_view data);
// Hash a file: sha256 and git blob sha1 of its content, in one read. Throws std::system_error.
struct FileHashes {
  std::string sha256;
  std::string git_sha1;
  std::uint64_t size = 0;
};
FileHashes hash_file(const std::string& path);

}  // namespace hfcache::util
