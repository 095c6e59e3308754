#include "access/token_key.hpp"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/errors.hpp"
#include "util/fs.hpp"

namespace hfcache::access {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSecretBytes = 32;

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw Error(ExitCode::failure, "the access secret " + file.string() + ": " + what,
              "check that state_dir belongs to the daemon's user; deleting the file makes a new one (remembered "
              "grants are then asked again)");
}

// A new secret in a temp file, linked into place: when another process made one first, link fails
// and that one is used, so two daemons starting at once agree.
void create_secret(const fs::path& file) {
  std::array<unsigned char, kSecretBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) fail(file, "no random bytes from OpenSSL");
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) fail(file, std::string("cannot create it: ") + std::strerror(errno));
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    fail(file, "cannot write it");
  }
  int linked = ::link(tmp.c_str(), file.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && err != EEXIST) fail(file, std::string("cannot create it: ") + std::strerror(err));
  util::fsync_dir(file.parent_path());
}

}  // namespace

TokenKeyer TokenKeyer::from_state_dir(const fs::path& state_dir) {
  auto file = state_dir / "access-secret";
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) create_secret(file);
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) fail(file, "not a regular file");
  if (st.st_mode & (S_IRWXG | S_IRWXO)) fail(file, "other users may read it; run: chmod 600 " + file.string());
  auto secret = util::read_small_file(file, 4096);
  if (!secret || secret->size() < kSecretBytes) fail(file, "cannot read it, or it is shorter than 32 bytes");
  return TokenKeyer(std::move(*secret));
}

std::string TokenKeyer::key(std::string_view token) const {
  std::array<unsigned char, 32> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), reinterpret_cast<const unsigned char*>(token.data()),
       token.size(), mac.data(), &length);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

}  // namespace hfcache::access
