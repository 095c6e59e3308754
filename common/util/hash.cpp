#include "util/hash.hpp"

#include "util/fs.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>
#include <vector>

namespace hfcache::util {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(HashKind kind) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  const EVP_MD* md = kind == HashKind::sha256 ? EVP_sha256() : EVP_sha1();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, md, nullptr) != 1) throw std::runtime_error("OpenSSL digest init failed");
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(const void* data, std::size_t size) {
  if (size > 0 && EVP_DigestUpdate(impl_->ctx, data, size) != 1) throw std::runtime_error("OpenSSL digest update failed");
}

std::string Hasher::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, digest, &len) != 1) throw std::runtime_error("OpenSSL digest final failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

namespace {
std::string git_header(std::uint64_t size) { return "blob " + std::to_string(size) + std::string(1, '\0'); }
}  // namespace

EtagHasher::EtagHasher(std::string_view etag, std::uint64_t size)
    : expected_(etag), hasher_(etag.size() == 64 ? HashKind::sha256 : HashKind::sha1) {
  if (etag.size() != 64) hasher_.update(git_header(size));
}

bool EtagHasher::matches() { return hasher_.hex_digest() == expected_; }

std::string sha256_hex(std::string_view data) {
  Hasher h(HashKind::sha256);
  h.update(data);
  return h.hex_digest();
}

std::string git_blob_sha1_hex(std::string_view data) {
  Hasher h(HashKind::sha1);
  h.update(git_header(data.size()));
  h.update(data);
  return h.hex_digest();
}

FileHashes hash_file(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) throw std::system_error(errno, std::generic_category(), "open " + path);
  int fd = file.get();
  off_t size = ::lseek(fd, 0, SEEK_END);
  ::lseek(fd, 0, SEEK_SET);
  Hasher sha256(HashKind::sha256), sha1(HashKind::sha1);
  sha1.update(git_header(static_cast<std::uint64_t>(size)));
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read " + path);
    }
    if (n == 0) break;
    sha256.update(buf.data(), static_cast<std::size_t>(n));
    sha1.update(buf.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
  }
  return {sha256.hex_digest(), sha1.hex_digest(), total};
}

}  // namespace hfcache::util
